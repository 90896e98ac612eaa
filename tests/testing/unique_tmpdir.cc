// Copyright 2026 The tenas Authors.
//
// unique_tmpdir.cc: gives every test process its own ::testing::TempDir().
//
// CTest runs each test in its own process, several at once (-j). Tests that
// create fixed subfolders of TempDir() would otherwise delete each other's
// files. Before main() runs, this points TEST_TMPDIR (which TempDir() reads)
// at a fresh mkdtemp folder, removed again at exit.

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace {

std::string& Dir() {
  static std::string dir;
  return dir;
}

void RemoveDir() {
  std::error_code ignored;
  if (!Dir().empty()) std::filesystem::remove_all(Dir(), ignored);
}

const bool kInstalled = [] {
  const char* base = getenv("TMPDIR");
  std::string pattern =
      std::string(base != nullptr && base[0] != '\0' ? base : "/tmp") +
      "/tenas_test_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) return false;
  Dir() = pattern;
  setenv("TEST_TMPDIR", pattern.c_str(), /*overwrite=*/1);
  atexit(RemoveDir);
  return true;
}();

}  // namespace
