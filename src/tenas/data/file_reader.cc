// Copyright 2026 The tenas Authors.

#include "tenas/data/file_reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"

namespace tenas::data {
namespace {

/// Closes a FILE*.
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

absl::Status ReadWholeFile(const std::string& path, absl::string_view what,
                           std::vector<uint8_t>* bytes) {
  bytes->clear();
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (f == nullptr) {
    const int err = errno;
    const std::string msg =
        absl::StrCat(path, ": cannot open: ", std::strerror(err));
    if (err == ENOENT) return absl::NotFoundError(msg);
    if (err == EACCES) return absl::PermissionDeniedError(msg);
    return absl::UnavailableError(msg);
  }
  struct stat st {};
  size_t size_hint = 0;
  if (fstat(fileno(f.get()), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": is a directory, not ", what));
    }
    if (st.st_size > 0) size_hint = static_cast<size_t>(st.st_size);
  }
  // One byte over the size, so that the first read already sees the end.
  constexpr size_t kChunk = size_t{1} << 16;
  bytes->resize(size_hint + 1);
  size_t used = 0;
  for (;;) {
    if (used == bytes->size()) bytes->resize(used + kChunk);
    const size_t got =
        std::fread(bytes->data() + used, 1, bytes->size() - used, f.get());
    used += got;
    if (got == 0) break;
  }
  bytes->resize(used);
  if (std::ferror(f.get()) != 0) {
    return absl::DataLossError(
        absl::StrCat(path, ": read error after ", used, " bytes"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<uint8_t>> ReadFileBytes(const std::string& path,
                                                   absl::string_view what) {
  std::vector<uint8_t> bytes;
  absl::Status status = ReadWholeFile(path, what, &bytes);
  if (!status.ok()) return status;
  return bytes;
}

}  // namespace tenas::data
