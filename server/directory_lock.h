// Copyright 2026 The tenas Authors.
//
// directory_lock.h: one owner per state directory. A server holds an
// exclusive flock(2) on `DIR/tenas.lock` for its whole life, with its PID
// written in the file, so that a second server started on the same
// --state-dir fails at start-up instead of running the same searches twice.
// The kernel drops the lock when the process exits, also after kill -9.

#ifndef TENAS_SERVER_DIRECTORY_LOCK_H_
#define TENAS_SERVER_DIRECTORY_LOCK_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace tenas::server {

/// An exclusive lock on a directory, held until destroyed. Not copyable.
class DirectoryLock {
 public:
  /// Name of the lock file inside the directory.
  static constexpr char kFileName[] = "tenas.lock";

  /// Takes the lock of `dir` (an existing, writable directory) without
  /// waiting. FAILED_PRECONDITION naming --state-dir, `dir` and the holder's
  /// PID when another process (or another DirectoryLock of this one) holds
  /// it; FAILED_PRECONDITION with the reason when the lock file cannot be
  /// created.
  static absl::StatusOr<std::unique_ptr<DirectoryLock>> Acquire(
      const std::string& dir);

  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  const int fd_;
};

}  // namespace tenas::server

#endif  // TENAS_SERVER_DIRECTORY_LOCK_H_
