// Copyright 2026 The tenas Authors.
//
// imagenet16.cc: ImageNet16-120 loader on top of the safe pickle reader.
// Every malformed input is reported as an absl::Status naming the file and,
// where it applies, the byte offset or the record index.

#include "tenas/data/imagenet16.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
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
#include "tenas/data/pickle.h"
#include "tenas/util/status_macros.h"

namespace tenas::data {
namespace {

namespace fs = std::filesystem;

constexpr int kSide = 16;
constexpr int64_t kImageBytes = 3 * kSide * kSide;
constexpr int kTrainBatches = 10;

/// An empty dataset with the ImageNet16 metadata (docs/ALGORITHM.md §6.1
/// normalisation).
ImageDataset MakeEmptyDataset(int max_label) {
  ImageDataset d;
  d.name = max_label == 120 ? std::string("ImageNet16-120")
                            : absl::StrCat("ImageNet16-", max_label);
  d.num_classes = max_label;
  d.channels = 3;
  d.height = kSide;
  d.width = kSide;
  d.mean = {static_cast<float>(122.68 / 255), static_cast<float>(116.66 / 255),
            static_cast<float>(104.01 / 255)};
  d.std = {static_cast<float>(63.22 / 255), static_cast<float>(61.26 / 255),
           static_cast<float>(65.09 / 255)};
  return d;
}

absl::Status CheckMaxLabel(int max_label) {
  if (max_label < 1 || max_label > kImagenet16AllClasses) {
    return absl::InvalidArgumentError(
        absl::StrCat("ImageNet16: max_label ", max_label, " out of range [1, ",
                     kImagenet16AllClasses, "]"));
  }
  return absl::OkStatus();
}

/// Parses the pickle `bytes` read from `path` (used in messages) and appends
/// the images with labels in [1, max_label] to `out`. On error `out` is left
/// unchanged.
absl::Status AppendBytes(absl::string_view bytes, const std::string& path,
                         int max_label, ImageDataset* out) {
  absl::StatusOr<Imagenet16Batch> batch = ParseImagenet16Pickle(bytes);
  if (!batch.ok()) {
    return absl::Status(batch.status().code(),
                        absl::StrCat(path, ": ", batch.status().message()));
  }
  if (batch->cols != kImageBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": 'data' has ", batch->cols, " bytes per image, expected ",
        kImageBytes, " (3 x 16 x 16)"));
  }
  int64_t kept = 0;
  for (size_t i = 0; i < batch->labels.size(); ++i) {
    const int64_t label = batch->labels[i];
    if (label < 1 || label > kImagenet16AllClasses) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": label ", label, " of image ", i,
                       " out of range [1, ", kImagenet16AllClasses, "]"));
    }
    if (label <= max_label) ++kept;
  }
  const size_t old_pixels = out->pixels.size();
  out->pixels.resize(old_pixels + static_cast<size_t>(kept * kImageBytes));
  out->labels.reserve(out->labels.size() + static_cast<size_t>(kept));
  uint8_t* dst = out->pixels.data() + old_pixels;
  for (size_t i = 0; i < batch->labels.size(); ++i) {
    const int64_t label = batch->labels[i];
    if (label > max_label) continue;
    std::memcpy(dst, batch->data.data() + i * kImageBytes, kImageBytes);
    dst += kImageBytes;
    out->labels.push_back(static_cast<int32_t>(label - 1));
  }
  return absl::OkStatus();
}

/// Reads the pickle at `path` and appends it to `out` as AppendBytes does.
absl::Status AppendFile(const std::string& path, int max_label,
                        ImageDataset* out) {
  TENAS_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes,
                         ReadFileBytes(path, "an Imagenet16 pickle"));
  return AppendBytes(
      absl::string_view(reinterpret_cast<const char*>(bytes.data()),
                        bytes.size()),
      path, max_label, out);
}

std::vector<std::string> TrainFiles() {
  std::vector<std::string> files;
  for (int k = 1; k <= kTrainBatches; ++k) {
    files.push_back(absl::StrCat("train_data_batch_", k));
  }
  return files;
}

}  // namespace

absl::StatusOr<ImageDataset> ParseImagenet16Bytes(absl::string_view bytes,
                                                  int max_label,
                                                  const std::string& source) {
  TENAS_RETURN_IF_ERROR(CheckMaxLabel(max_label));
  ImageDataset dataset = MakeEmptyDataset(max_label);
  TENAS_RETURN_IF_ERROR(AppendBytes(bytes, source, max_label, &dataset));
  return dataset;
}

absl::StatusOr<ImageDataset> LoadImagenet16File(const std::string& path,
                                                int max_label) {
  TENAS_RETURN_IF_ERROR(CheckMaxLabel(max_label));
  ImageDataset dataset = MakeEmptyDataset(max_label);
  TENAS_RETURN_IF_ERROR(AppendFile(path, max_label, &dataset));
  return dataset;
}

absl::StatusOr<ImageDataset> LoadImagenet16Dir(const std::string& dir,
                                               int max_label) {
  TENAS_RETURN_IF_ERROR(CheckMaxLabel(max_label));
  const std::vector<std::string> files = TrainFiles();
  const std::vector<fs::path> candidates = {fs::path(dir),
                                            fs::path(dir) / "Imagenet16_train",
                                            fs::path(dir) / "ImageNet16"};
  std::string partial;  // Describes a folder holding only some of the files.
  for (const fs::path& folder : candidates) {
    std::vector<std::string> missing;
    for (const std::string& file : files) {
      std::error_code ec;
      if (!fs::is_regular_file(folder / file, ec)) missing.push_back(file);
    }
    if (missing.empty()) {
      ImageDataset dataset = MakeEmptyDataset(max_label);
      for (const std::string& file : files) {
        TENAS_RETURN_IF_ERROR(
            AppendFile((folder / file).string(), max_label, &dataset));
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
      "no ImageNet16 training data in '", dir, "'", dir_note,
      ": expected train_data_batch_1 .. train_data_batch_", kTrainBatches,
      " (Imagenet16 pickles) in '", candidates[0].string(), "', '",
      candidates[1].string(), "' or '", candidates[2].string(), "'", partial));
}

}  // namespace tenas::data
