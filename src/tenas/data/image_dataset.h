// Copyright 2026 The tenas Authors.
//
// image_dataset.h: a decoded, in-memory image classification dataset.

#ifndef TENAS_DATA_IMAGE_DATASET_H_
#define TENAS_DATA_IMAGE_DATASET_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace tenas::data {

/// Decodes images on demand, for datasets too large to hold decoded
/// (ImageNet-1k folders). Implementations are thread-safe.
class LazyImageSource {
 public:
  virtual ~LazyImageSource() = default;
  /// Writes image `i` (channels x height x width uint8 planes, already
  /// resized to the dataset's size) to `out`. An error means the file cannot
  /// be decoded; samplers then skip that image (and count it).
  virtual absl::Status Read(int64_t i, uint8_t* out) const = 0;
};

/// Decoded images, read-only after loading; safe to share between threads.
struct ImageDataset {
  /// Paper name: "cifar10", "cifar100", "ImageNet16-120", "imagenet-1k".
  std::string name;
  int num_classes = 0;
  int channels = 3;
  int height = 0;
  int width = 0;
  /// uint8 pixels, image-major, then channel planes (N x C x H x W). Empty
  /// when `lazy` is set.
  std::vector<uint8_t> pixels;
  /// When set, images are decoded on demand through it instead of `pixels`.
  std::shared_ptr<const LazyImageSource> lazy;
  /// Class label of each image, in [0, num_classes).
  std::vector<int32_t> labels;
  /// Per-channel normalisation mean and std, in [0, 1] pixel units
  /// (docs/ALGORITHM.md §6.1).
  std::array<float, 3> mean{};
  std::array<float, 3> std{};

  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  int64_t image_bytes() const {
    return static_cast<int64_t>(channels) * height * width;
  }
  /// Pointer to image i's pixels. Precondition: `lazy` is not set.
  const uint8_t* image(int64_t i) const {
    return pixels.data() + i * image_bytes();
  }
  /// Bytes held in memory by the decoded pixels and labels.
  int64_t memory_bytes() const {
    return static_cast<int64_t>(pixels.size() +
                                labels.size() * sizeof(int32_t));
  }
};

}  // namespace tenas::data

#endif  // TENAS_DATA_IMAGE_DATASET_H_
