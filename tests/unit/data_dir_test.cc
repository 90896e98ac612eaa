// Copyright 2026 The tenas Authors.
//
// Where the bundled data is found (data_dir.h): $TENAS_DATA_DIR first, else
// the source tree's data/ folder, which holds the CIFAR-10 sample and the
// NAS-Bench-201 accuracy table.

#include "tenas/util/data_dir.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace tenas {
namespace {

namespace fs = std::filesystem;

/// Sets TENAS_DATA_DIR for the life of the object, then restores it.
class ScopedDataDir {
 public:
  explicit ScopedDataDir(const std::string& value) {
    const char* old = std::getenv("TENAS_DATA_DIR");
    had_old_ = old != nullptr;
    if (had_old_) old_ = old;
    setenv("TENAS_DATA_DIR", value.c_str(), 1);
  }
  ~ScopedDataDir() {
    if (had_old_) {
      setenv("TENAS_DATA_DIR", old_.c_str(), 1);
    } else {
      unsetenv("TENAS_DATA_DIR");
    }
  }

 private:
  bool had_old_ = false;
  std::string old_;
};

TEST(DataDirTest, EnvironmentVariableWins) {
  const fs::path dir = fs::path(::testing::TempDir()) / "tenas_data_dir_env";
  fs::create_directories(dir);
  ScopedDataDir scoped(dir.string());
  EXPECT_EQ(BundledDataDir(), dir.string());
  // No table there: the path is empty (searches then print no accuracies).
  EXPECT_EQ(BundledAccuracyTablePath(), "");
  std::ofstream(dir / "nb201_accuracy.csv") << "arch\n";
  EXPECT_EQ(BundledAccuracyTablePath(), (dir / "nb201_accuracy.csv").string());
}

TEST(DataDirTest, EmptyVariableFallsBackToTheSourceTree) {
  ScopedDataDir scoped("");
  const fs::path dir = BundledDataDir();
  EXPECT_TRUE(fs::is_regular_file(dir / "cifar10_sample_2000.bin.gz")) << dir;
  EXPECT_EQ(BundledAccuracyTablePath(), (dir / "nb201_accuracy.csv").string());
}

}  // namespace
}  // namespace tenas
