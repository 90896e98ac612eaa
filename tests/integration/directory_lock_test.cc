// Copyright 2026 The tenas Authors.
//
// DirectoryLock: one owner per state directory. A second lock of a held
// directory fails at once, naming the directory and the holder's PID; the
// lock is free again once its holder is gone.

#include "server/directory_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "server_testing.h"

namespace tenas::server {
namespace {

/// A fresh, existing, empty directory for one test.
std::string FreshDir(const std::string& name) {
  const std::string dir = server_test::FreshTempDir(name);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(DirectoryLockTest, SecondHolderFailsNamingTheDirectoryAndThePid) {
  const std::string dir = FreshDir("lock_twice");
  auto first = DirectoryLock::Acquire(dir);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = DirectoryLock::Acquire(dir);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(second.status().message(),
            absl::StrCat("--state-dir: ", dir,
                         " is in use by another tenas-server (pid ", getpid(),
                         "); each state directory has one server"));
}

TEST(DirectoryLockTest, LockIsFreeAgainOnceItsHolderIsGone) {
  const std::string dir = FreshDir("lock_release");
  {
    auto first = DirectoryLock::Acquire(dir);
    ASSERT_TRUE(first.ok()) << first.status();
  }
  auto again = DirectoryLock::Acquire(dir);
  EXPECT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(dir) /
                                      DirectoryLock::kFileName));
}

TEST(DirectoryLockTest, UnwritableDirectoryIsAClearError) {
  if (geteuid() == 0) {
    // root opens any file: use a path under a regular file instead.
    const std::string file = FreshDir("lock_file") + "/plain";
    std::FILE* f = std::fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
    auto lock = DirectoryLock::Acquire(file);
    ASSERT_FALSE(lock.ok());
    EXPECT_EQ(lock.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(lock.status().message().find("cannot open the lock file"),
              std::string::npos)
        << lock.status();
    return;
  }
  const std::string dir = FreshDir("lock_readonly");
  ASSERT_EQ(chmod(dir.c_str(), 0500), 0);
  auto lock = DirectoryLock::Acquire(dir);
  chmod(dir.c_str(), 0700);
  ASSERT_FALSE(lock.ok());
  EXPECT_NE(lock.status().message().find("cannot open the lock file"),
            std::string::npos)
      << lock.status();
}

}  // namespace
}  // namespace tenas::server
