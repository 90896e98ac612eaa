// Copyright 2026 The tenas Authors.
//
// dot_file: --dot's path check, the architecture dispatch and the files
// written, with and without a Graphviz `dot` on PATH (a stand-in script).

#include "tenas/cli/dot_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tenas/space/cell_dot.h"

namespace tenas::cli {
namespace {

constexpr char kArch[] =
    "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|"
    "nor_conv_3x3~1|nor_conv_1x1~2|";

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fresh folder under the test's TempDir.
std::string Folder(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/dot_file_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Sets PATH for the scope of one test.
class ScopedPath {
 public:
  explicit ScopedPath(const std::string& value) {
    const char* old = getenv("PATH");
    had_ = old != nullptr;
    if (had_) old_ = old;
    setenv("PATH", value.c_str(), 1);
  }
  ~ScopedPath() {
    if (had_) {
      setenv("PATH", old_.c_str(), 1);
    } else {
      unsetenv("PATH");
    }
  }

 private:
  bool had_ = false;
  std::string old_;
};

TEST(DotFileTest, CheckDotPathNamesTheFlag) {
  const std::string dir = Folder("check");
  EXPECT_TRUE(CheckDotPath(dir + "/cell.dot").ok());
  // The probe leaves nothing behind.
  EXPECT_FALSE(std::filesystem::exists(dir + "/cell.dot"));
  absl::Status s = CheckDotPath(dir + "/no/such/cell.dot");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "--dot: cannot write '" + dir +
                             "/no/such/cell.dot': No such file or directory");
  s = CheckDotPath(dir);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "--dot: cannot write '" + dir + "': Is a directory");
  EXPECT_EQ(CheckDotPath("").code(), absl::StatusCode::kInvalidArgument);
}

TEST(DotFileTest, ArchitectureDotDispatchesOnTheSpace) {
  auto dot = ArchitectureDot("nb201", kArch);
  ASSERT_TRUE(dot.ok()) << dot.status();
  EXPECT_EQ(*dot, Nb201CellDot(*nb201::ParseArchitecture(kArch)));
  EXPECT_EQ(ArchitectureDot("nb201", "|bogus~0|").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ArchitectureDot("resnet", kArch).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto darts = ArchitectureDot("darts", "Genotype(normal=[])");
  EXPECT_EQ(darts.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DotFileTest, WithoutGraphvizOnlyTheDotFileAndANote) {
  const std::string dir = Folder("nodot");
  const ScopedPath path(dir);  // an empty folder: no `dot`
  auto files = WriteDotFiles(dir + "/cell.dot", "digraph {\n}\n");
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(Read(dir + "/cell.dot"), "digraph {\n}\n");
  EXPECT_TRUE(files->svg_path.empty());
  EXPECT_NE(files->note.find("not on PATH"), std::string::npos) << files->note;
  EXPECT_FALSE(std::filesystem::exists(dir + "/cell.dot.svg"));
}

TEST(DotFileTest, WithGraphvizTheSvgBesideIt) {
  const std::string dir = Folder("withdot");
  // A stand-in `dot` that records its arguments in the -o file.
  {
    std::ofstream script(dir + "/dot");
    script << "#!/bin/sh\n[ \"$1\" = -Tsvg ] && [ \"$3\" = -o ] || exit 3\n"
              "echo \"<svg from $2>\" > \"$4\"\n";
  }
  chmod((dir + "/dot").c_str(), 0755);
  const ScopedPath path(dir);
  auto files = WriteDotFiles(dir + "/cell.dot", "digraph {\n}\n");
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(files->svg_path, dir + "/cell.dot.svg");
  EXPECT_TRUE(files->note.empty()) << files->note;
  EXPECT_EQ(Read(dir + "/cell.dot.svg"), "<svg from " + dir + "/cell.dot>\n");
}

TEST(DotFileTest, AFailingGraphvizIsANoteNotAnError) {
  const std::string dir = Folder("baddot");
  {
    std::ofstream script(dir + "/dot");
    script << "#!/bin/sh\nexit 1\n";
  }
  chmod((dir + "/dot").c_str(), 0755);
  const ScopedPath path(dir);
  auto files = WriteDotFiles(dir + "/cell.dot", "digraph {\n}\n");
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_TRUE(files->svg_path.empty());
  EXPECT_NE(files->note.find("exit 1"), std::string::npos) << files->note;
}

TEST(DotFileTest, UnwritableFileNamesTheFlag) {
  const std::string dir = Folder("unwritable");
  auto files = WriteDotFiles(dir + "/missing/cell.dot", "digraph {\n}\n");
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(files.status().message().rfind("--dot: cannot write '", 0), 0u)
      << files.status();
}

}  // namespace
}  // namespace tenas::cli
