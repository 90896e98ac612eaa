// Copyright 2026 The tenas Authors.
//
// image_folder_source.h: the images of a listed ImageNet-style folder,
// decoded on demand (jpeg_decode.h) through a bounded cache (image_cache.h):
// the LazyImageSource that LoadImageFolder (image_folder.h) puts into its
// dataset.

#ifndef TENAS_DATA_IMAGE_FOLDER_SOURCE_H_
#define TENAS_DATA_IMAGE_FOLDER_SOURCE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "tenas/data/image_cache.h"
#include "tenas/data/image_dataset.h"
#include "tenas/data/image_folder.h"

namespace tenas::data {

/// Images of an ImageNet-style folder as 3 x 32 x 32 planes, decoded on
/// demand. A file found unreadable or undecodable is remembered: later reads
/// of it fail at once with the first error. Thread-safe. Not copyable.
class ImageFolderSource : public LazyImageSource {
 public:
  /// Image i is the file root + classes[labels[i]] + "/" +
  /// names[offsets[i], offsets[i + 1]); `root` ends with a separator and
  /// offsets has labels.size() + 1 entries. cache_images = 0 disables the
  /// cache.
  ImageFolderSource(std::string root, std::vector<std::string> classes,
                    std::vector<int32_t> labels, std::string names,
                    std::vector<uint64_t> offsets, int64_t cache_images);
  ImageFolderSource(const ImageFolderSource&) = delete;
  ImageFolderSource& operator=(const ImageFolderSource&) = delete;

  /// Writes image i (3072 bytes) to `out`. OutOfRange for a bad index;
  /// the decode error (DataLoss, NotFound, ...) for a bad file.
  absl::Status Read(int64_t i, uint8_t* out) const override;

  /// A snapshot of the counters.
  ImageFolderStats Stats() const;

 private:
  /// The file of image i.
  std::string Path(int64_t i) const;

  const std::string root_;
  const std::vector<std::string> classes_;
  const std::vector<int32_t> labels_;
  const std::string names_;
  const std::vector<uint64_t> offsets_;
  std::unique_ptr<ImageCache> cache_;
  /// 1 once image i was found corrupt; later reads fail without I/O.
  std::unique_ptr<std::atomic<uint8_t>[]> corrupt_flags_;
  mutable absl::Mutex corrupt_mu_;
  mutable std::unordered_map<int64_t, absl::Status> corrupt_reason_
      ABSL_GUARDED_BY(corrupt_mu_);
  mutable std::atomic<int64_t> decoded_{0};
  mutable std::atomic<int64_t> cache_hits_{0};
  mutable std::atomic<int64_t> evictions_{0};
  mutable std::atomic<int64_t> corrupt_{0};
  mutable std::atomic<int64_t> failed_reads_{0};
};

}  // namespace tenas::data

#endif  // TENAS_DATA_IMAGE_FOLDER_SOURCE_H_
