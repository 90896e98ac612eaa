// Copyright 2026 The tenas Authors.

#include "tenas/data/image_folder_source.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "tenas/data/jpeg_decode.h"

namespace tenas::data {
namespace {

constexpr int kSide = 32;
constexpr int64_t kImageBytes = int64_t{3} * kSide * kSide;

}  // namespace

ImageFolderSource::ImageFolderSource(std::string root,
                                     std::vector<std::string> classes,
                                     std::vector<int32_t> labels,
                                     std::string names,
                                     std::vector<uint64_t> offsets,
                                     int64_t cache_images)
    : root_(std::move(root)),
      classes_(std::move(classes)),
      labels_(std::move(labels)),
      names_(std::move(names)),
      offsets_(std::move(offsets)),
      corrupt_flags_(std::make_unique<std::atomic<uint8_t>[]>(labels_.size())) {
  if (cache_images > 0) {
    cache_ = std::make_unique<ImageCache>(cache_images, kImageBytes);
  }
}

absl::Status ImageFolderSource::Read(int64_t i, uint8_t* out) const {
  if (i < 0 || i >= static_cast<int64_t>(labels_.size())) {
    return absl::OutOfRangeError(absl::StrCat(
        "image index ", i, " out of range [0, ", labels_.size(), ")"));
  }
  if (corrupt_flags_[static_cast<size_t>(i)].load(std::memory_order_acquire) !=
      0) {
    failed_reads_.fetch_add(1, std::memory_order_relaxed);
    absl::MutexLock lock(&corrupt_mu_);
    const auto it = corrupt_reason_.find(i);
    return it != corrupt_reason_.end()
               ? it->second
               : absl::DataLossError(absl::StrCat(Path(i), ": corrupt"));
  }
  if (cache_ != nullptr && cache_->Lookup(i, out)) {
    cache_hits_.fetch_add(1, std::memory_order_relaxed);
    return absl::OkStatus();
  }
  absl::Status status = DecodeJpegFile(Path(i), kSide, kSide, out);
  if (!status.ok()) {
    failed_reads_.fetch_add(1, std::memory_order_relaxed);
    {
      absl::MutexLock lock(&corrupt_mu_);
      corrupt_reason_.emplace(i, status);
    }
    if (corrupt_flags_[static_cast<size_t>(i)].exchange(
            1, std::memory_order_acq_rel) == 0) {
      corrupt_.fetch_add(1, std::memory_order_relaxed);
    }
    return status;
  }
  decoded_.fetch_add(1, std::memory_order_relaxed);
  if (cache_ != nullptr && cache_->Insert(i, out)) {
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
  return absl::OkStatus();
}

ImageFolderStats ImageFolderSource::Stats() const {
  ImageFolderStats s;
  s.images = static_cast<int64_t>(labels_.size());
  s.decoded = decoded_.load(std::memory_order_relaxed);
  s.cache_hits = cache_hits_.load(std::memory_order_relaxed);
  s.evictions = evictions_.load(std::memory_order_relaxed);
  s.cached = cache_ != nullptr ? cache_->size() : 0;
  s.corrupt = corrupt_.load(std::memory_order_relaxed);
  s.failed_reads = failed_reads_.load(std::memory_order_relaxed);
  return s;
}

std::string ImageFolderSource::Path(int64_t i) const {
  const size_t from = static_cast<size_t>(offsets_[static_cast<size_t>(i)]);
  const size_t to = static_cast<size_t>(offsets_[static_cast<size_t>(i) + 1]);
  std::string path = root_;
  path.append(classes_[static_cast<size_t>(labels_[static_cast<size_t>(i)])]);
  path.push_back('/');
  path.append(names_, from, to - from);
  return path;
}

}  // namespace tenas::data
