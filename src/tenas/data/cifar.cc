// Copyright 2026 The tenas Authors.
//
// cifar.cc: CIFAR-10 / CIFAR-100 binary readers and the bundled CIFAR-10
// sample. Every malformed input is reported as an absl::Status naming the file
// and, where it applies, the byte offset of the bad record.

#include "tenas/data/cifar.h"

#include <zlib.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tenas/data/file_reader.h"
#include "tenas/util/data_dir.h"
#include "tenas/util/status_macros.h"

namespace tenas::data {
namespace {

namespace fs = std::filesystem;

constexpr int kSide = 32;
constexpr int64_t kImageBytes = 3 * kSide * kSide;
constexpr char kBundledFile[] = "cifar10_sample_2000.bin.gz";

/// Bytes of label header per record.
int64_t LabelBytes(CifarKind kind) {
  return kind == CifarKind::kCifar10 ? 1 : 2;
}

int64_t RecordBytes(CifarKind kind) { return LabelBytes(kind) + kImageBytes; }

/// An empty dataset with the metadata of `kind` (docs/ALGORITHM.md §6.1
/// normalisation).
ImageDataset MakeEmptyDataset(CifarKind kind) {
  ImageDataset d;
  d.channels = 3;
  d.height = kSide;
  d.width = kSide;
  if (kind == CifarKind::kCifar10) {
    d.name = "cifar10";
    d.num_classes = 10;
    d.mean = {static_cast<float>(125.3 / 255), static_cast<float>(123.0 / 255),
              static_cast<float>(113.9 / 255)};
    d.std = {static_cast<float>(63.0 / 255), static_cast<float>(62.1 / 255),
             static_cast<float>(66.7 / 255)};
  } else {
    d.name = "cifar100";
    d.num_classes = 100;
    d.mean = {static_cast<float>(129.3 / 255), static_cast<float>(124.1 / 255),
              static_cast<float>(112.4 / 255)};
    d.std = {static_cast<float>(68.2 / 255), static_cast<float>(65.4 / 255),
             static_cast<float>(70.4 / 255)};
  }
  return d;
}

/// Parses `size` bytes of CIFAR records read from `source` (used in messages)
/// and appends them to `out`, which must come from MakeEmptyDataset(kind).
/// On error `out` is left unchanged.
absl::Status AppendRecords(const uint8_t* data, int64_t size,
                           const std::string& source, CifarKind kind,
                           ImageDataset* out) {
  const int64_t record = RecordBytes(kind);
  if (size == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": empty file (expected CIFAR records of ", record, " bytes)"));
  }
  if (size % record != 0) {
    const int64_t offset = size / record * record;
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": truncated record ", size / record, " at byte offset ",
        offset, " (file size ", size, " is not a multiple of the ",
        kind == CifarKind::kCifar10 ? "CIFAR-10" : "CIFAR-100", " record size ",
        record, ")"));
  }
  const int64_t n = size / record;
  // Validate every label before touching `out`.
  for (int64_t i = 0; i < n; ++i) {
    const int64_t offset = i * record;
    if (kind == CifarKind::kCifar10) {
      if (data[offset] >= 10) {
        return absl::InvalidArgumentError(absl::StrCat(
            source, ": label ", static_cast<int>(data[offset]),
            " out of range [0, 10) in record ", i, " at byte offset ", offset));
      }
    } else {
      if (data[offset] >= 20) {
        return absl::InvalidArgumentError(absl::StrCat(
            source, ": coarse label ", static_cast<int>(data[offset]),
            " out of range [0, 20) in record ", i, " at byte offset ", offset));
      }
      if (data[offset + 1] >= 100) {
        return absl::InvalidArgumentError(absl::StrCat(
            source, ": fine label ", static_cast<int>(data[offset + 1]),
            " out of range [0, 100) in record ", i, " at byte offset ",
            offset + 1));
      }
    }
  }
  const int64_t label_bytes = LabelBytes(kind);
  const size_t old_pixels = out->pixels.size();
  out->pixels.resize(old_pixels + static_cast<size_t>(n * kImageBytes));
  out->labels.reserve(out->labels.size() + static_cast<size_t>(n));
  uint8_t* dst = out->pixels.data() + old_pixels;
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* rec = data + i * record;
    out->labels.push_back(rec[label_bytes - 1]);  // CIFAR-100: the fine label.
    std::memcpy(dst + i * kImageBytes, rec + label_bytes, kImageBytes);
  }
  return absl::OkStatus();
}

/// Reads a whole gzip file with zlib.
absl::StatusOr<std::vector<uint8_t>> ReadGzipFile(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  }
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) {
    return absl::UnavailableError(absl::StrCat(path, ": gzopen failed"));
  }
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 16];
  int got;
  while ((got = gzread(gz, chunk, sizeof(chunk))) > 0) {
    bytes.insert(bytes.end(), chunk, chunk + got);
  }
  std::string error;
  if (got < 0) {
    int errnum = 0;
    const char* msg = gzerror(gz, &errnum);
    error = msg != nullptr ? msg : "unknown zlib error";
  }
  gzclose(gz);
  if (!error.empty()) {
    return absl::DataLossError(absl::StrCat(path, ": gzip decode error after ",
                                            bytes.size(), " bytes: ", error));
  }
  return bytes;
}

/// Names of the training files of `kind`, and the folder the official
/// tarball unpacks to.
std::vector<std::string> TrainFiles(CifarKind kind) {
  if (kind == CifarKind::kCifar100) return {"train.bin"};
  return {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
          "data_batch_4.bin", "data_batch_5.bin"};
}

std::string TarballFolder(CifarKind kind) {
  return kind == CifarKind::kCifar10 ? "cifar-10-batches-bin"
                                     : "cifar-100-binary";
}

}  // namespace

absl::StatusOr<ImageDataset> ParseCifarRecords(absl::Span<const uint8_t> bytes,
                                               CifarKind kind,
                                               const std::string& source) {
  ImageDataset dataset = MakeEmptyDataset(kind);
  TENAS_RETURN_IF_ERROR(AppendRecords(bytes.data(),
                                      static_cast<int64_t>(bytes.size()),
                                      source, kind, &dataset));
  return dataset;
}

absl::StatusOr<ImageDataset> LoadCifarFile(const std::string& path,
                                           CifarKind kind) {
  TENAS_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                         ReadFileBytes(path, "a CIFAR file"));
  return ParseCifarRecords(bytes, kind, path);
}

absl::StatusOr<ImageDataset> LoadCifarDir(const std::string& dir,
                                          CifarKind kind) {
  const std::vector<std::string> files = TrainFiles(kind);
  const std::vector<fs::path> candidates = {
      fs::path(dir), fs::path(dir) / TarballFolder(kind)};
  std::string partial;  // Describes a folder holding only some of the files.
  for (const fs::path& folder : candidates) {
    std::vector<std::string> missing;
    for (const std::string& file : files) {
      std::error_code ec;
      if (!fs::is_regular_file(folder / file, ec)) missing.push_back(file);
    }
    if (missing.empty()) {
      ImageDataset dataset = MakeEmptyDataset(kind);
      for (const std::string& file : files) {
        const std::string path = (folder / file).string();
        TENAS_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                               ReadFileBytes(path, "a CIFAR file"));
        TENAS_RETURN_IF_ERROR(AppendRecords(bytes.data(),
                                            static_cast<int64_t>(bytes.size()),
                                            path, kind, &dataset));
      }
      return dataset;
    }
    if (missing.size() < files.size() && partial.empty()) {
      partial = absl::StrCat("; '", folder.string(), "' lacks ",
                             absl::StrJoin(missing, ", "));
    }
  }
  std::error_code ec;
  const std::string dir_note =
      fs::is_directory(dir, ec) ? "" : " (that directory does not exist)";
  return absl::NotFoundError(absl::StrCat(
      "no ", kind == CifarKind::kCifar10 ? "CIFAR-10" : "CIFAR-100",
      " training data in '", dir, "'", dir_note, ": expected ",
      absl::StrJoin(files, ", "), " in '", candidates[0].string(), "' or '",
      candidates[1].string(), "'", partial));
}

absl::StatusOr<ImageDataset> LoadBundledCifar10() {
  const std::string path =
      (fs::path(tenas::BundledDataDir()) / kBundledFile).string();
  absl::StatusOr<std::vector<uint8_t>> bytes = ReadGzipFile(path);
  if (!bytes.ok()) {
    return absl::Status(
        bytes.status().code(),
        absl::StrCat(bytes.status().message(),
                     " (bundled CIFAR-10 sample; set TENAS_DATA_DIR to the "
                     "folder holding ",
                     kBundledFile, ")"));
  }
  ImageDataset dataset = MakeEmptyDataset(CifarKind::kCifar10);
  TENAS_RETURN_IF_ERROR(AppendRecords(bytes->data(),
                                      static_cast<int64_t>(bytes->size()), path,
                                      CifarKind::kCifar10, &dataset));
  return dataset;
}

}  // namespace tenas::data
