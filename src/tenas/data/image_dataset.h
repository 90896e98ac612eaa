// Copyright 2026 The tenas Authors.
//
// image_dataset.h: a decoded, in-memory image classification dataset.

#ifndef TENAS_DATA_IMAGE_DATASET_H_
#define TENAS_DATA_IMAGE_DATASET_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace tenas::data {

/// Decoded images, read-only after loading; safe to share between threads.
struct ImageDataset {
  /// Paper name: "cifar10", "cifar100", "ImageNet16-120", "imagenet-1k".
  std::string name;
  int num_classes = 0;
  int channels = 3;
  int height = 0;
  int width = 0;
  /// uint8 pixels, image-major, then channel planes (N x C x H x W).
  std::vector<uint8_t> pixels;
  /// Class label of each image, in [0, num_classes).
  std::vector<int32_t> labels;
  /// Per-channel normalisation mean and std, in [0, 1] pixel units (§6.1).
  std::array<float, 3> mean{};
  std::array<float, 3> std{};

  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  int64_t image_bytes() const {
    return static_cast<int64_t>(channels) * height * width;
  }
  const uint8_t* image(int64_t i) const {
    return pixels.data() + i * image_bytes();
  }
};

}  // namespace tenas::data

#endif  // TENAS_DATA_IMAGE_DATASET_H_
