// Copyright 2026 The tenas Authors.

#include "tenas/cli/dot_file.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tenas/space/cell_dot.h"
#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"

extern char** environ;

namespace tenas::cli {
namespace {

absl::Status CannotWrite(const std::string& path, int error) {
  return absl::InvalidArgumentError(
      absl::StrCat("--dot: cannot write '", path, "': ", std::strerror(error)));
}

// The full path of an executable `name` in a folder of $PATH, if any.
std::optional<std::string> FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  for (absl::string_view dir : absl::StrSplit(path, ':')) {
    if (dir.empty()) dir = ".";
    std::string candidate = absl::StrCat(dir, "/", name);
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

}  // namespace

CLI::Option* AddDotOption(CLI::App* app, std::string* path) {
  return app
      ->add_option("--dot", *path,
                   "write the found cell(s) as a Graphviz digraph to FILE "
                   "(DARTS: normal and reduction cell as two clusters), and "
                   "FILE.svg when Graphviz's dot is on PATH")
      ->type_name("FILE")
      ->default_str("off");
}

absl::Status CheckDotPath(const std::string& path) {
  if (path.empty()) {
    return absl::InvalidArgumentError("--dot: empty file name");
  }
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return CannotWrite(path, EISDIR);
    const int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) return CannotWrite(path, errno);
    close(fd);
    return absl::OkStatus();
  }
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return CannotWrite(path, errno);
  close(fd);
  unlink(path.c_str());
  return absl::OkStatus();
}

absl::StatusOr<std::string> ArchitectureDot(absl::string_view space,
                                            absl::string_view arch) {
  if (space == "nb201") {
    absl::StatusOr<nb201::Architecture> parsed = nb201::ParseArchitecture(arch);
    if (!parsed.ok()) return parsed.status();
    return Nb201CellDot(*parsed);
  }
  if (space == "darts") {
    absl::StatusOr<darts::Genotype> parsed = darts::ParseGenotype(arch);
    if (!parsed.ok()) return parsed.status();
    return DartsGenotypeDot(*parsed);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("space '", space, "' is not nb201 or darts"));
}

absl::StatusOr<DotFiles> WriteDotFiles(const std::string& path,
                                       const std::string& text) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return CannotWrite(path, errno);
    out << text;
    out.close();
    if (!out) return CannotWrite(path, errno);
  }
  DotFiles files;
  const std::optional<std::string> dot = FindOnPath("dot");
  if (!dot) {
    files.note = absl::StrCat("Graphviz 'dot' is not on PATH: wrote ", path,
                              " only, no SVG");
    return files;
  }
  const std::string svg = path + ".svg";
  std::vector<std::string> args = {"dot", "-Tsvg", path, "-o", svg};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned =
      posix_spawn(&pid, dot->c_str(), nullptr, nullptr, argv.data(), environ);
  if (spawned != 0) {
    files.note = absl::StrCat("could not run ", *dot, ": ",
                              std::strerror(spawned), "; no SVG written");
    return files;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    files.svg_path = svg;
  } else {
    files.note = absl::StrCat(*dot, " -Tsvg failed (",
                              WIFEXITED(status)
                                  ? absl::StrCat("exit ", WEXITSTATUS(status))
                                  : absl::StrCat("signal ", WTERMSIG(status)),
                              "): ", svg, " not written");
  }
  return files;
}

}  // namespace tenas::cli
