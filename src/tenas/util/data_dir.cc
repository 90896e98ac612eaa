// Copyright 2026 The tenas Authors.

#include "tenas/util/data_dir.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace tenas {
namespace {

namespace fs = std::filesystem;

/// A file every bundled-data folder holds; marks the source tree's copy.
constexpr char kMarkerFile[] = "cifar10_sample_2000.bin.gz";

}  // namespace

std::string BundledDataDir() {
  const char* env = std::getenv("TENAS_DATA_DIR");
  if (env != nullptr && env[0] != '\0') return env;
  const std::string source_dir = TENAS_BUNDLED_DATA_DIR;
  std::error_code ec;
  if (!source_dir.empty() &&
      fs::is_regular_file(fs::path(source_dir) / kMarkerFile, ec)) {
    return source_dir;
  }
  return TENAS_INSTALL_DATA_DIR;
}

std::string BundledAccuracyTablePath() {
  const fs::path path = fs::path(BundledDataDir()) / "nb201_accuracy.csv";
  std::error_code ec;
  return fs::is_regular_file(path, ec) ? path.string() : std::string();
}

}  // namespace tenas
