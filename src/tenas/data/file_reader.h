// Copyright 2026 The tenas Authors.
//
// file_reader.h: reads a whole file into memory, with the error codes every
// dataset reader reports (CIFAR records, Imagenet16 pickles, JPEG files).

#ifndef TENAS_DATA_FILE_READER_H_
#define TENAS_DATA_FILE_READER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tenas::data {

/// Reads the whole file at `path` into `bytes`, replacing its contents (its
/// capacity is reused, so a caller reading many files keeps one buffer).
/// `what` names the expected content for the message when `path` is a
/// directory ("a CIFAR file"). Errors, each naming `path`: NotFound (no such
/// file), PermissionDenied, InvalidArgument (a directory), Unavailable (any
/// other open error), DataLoss (a read error; `bytes` is then unspecified).
absl::Status ReadWholeFile(const std::string& path, absl::string_view what,
                           std::vector<uint8_t>* bytes);

/// ReadWholeFile into a new buffer.
absl::StatusOr<std::vector<uint8_t>> ReadFileBytes(const std::string& path,
                                                   absl::string_view what);

}  // namespace tenas::data

#endif  // TENAS_DATA_FILE_READER_H_
