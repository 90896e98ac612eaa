// Copyright 2026 The tenas Authors.

#include "server/directory_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace tenas::server {
namespace {

/// The PID recorded in the lock file, or "unknown".
std::string HolderPid(int fd) {
  char buffer[32] = {};
  const ssize_t got = pread(fd, buffer, sizeof(buffer) - 1, 0);
  if (got <= 0) return "unknown";
  const std::string text(absl::StripAsciiWhitespace(std::string(buffer, got)));
  return text.empty() ? "unknown" : text;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DirectoryLock>> DirectoryLock::Acquire(
    const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / kFileName).string();
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("--state-dir: ", dir, ": cannot open the lock file ", path,
                     ": ", std::strerror(errno)));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string holder = HolderPid(fd);
    close(fd);
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--state-dir: ", dir, " is in use by another tenas-server (pid ",
          holder, "); each state directory has one server"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("--state-dir: ", dir, ": cannot lock ", path, ": ",
                     std::strerror(err)));
  }
  // Ours now: record who holds it, for the message a second server prints.
  const std::string pid = absl::StrCat(getpid(), "\n");
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) !=
                                   static_cast<ssize_t>(pid.size())) {
    const int err = errno;
    close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat("--state-dir: ", dir, ": cannot write ", path, ": ",
                     std::strerror(err)));
  }
  return std::unique_ptr<DirectoryLock>(new DirectoryLock(fd));
}

DirectoryLock::~DirectoryLock() { close(fd_); }  // Releases the flock.

}  // namespace tenas::server
