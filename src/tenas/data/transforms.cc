// Copyright 2026 The tenas Authors.
//
// transforms.cc: NTK and linear-region batch samplers (spec §6).
//
// Matches torchvision's float32 arithmetic: ToTensor gives v / 255 and
// Normalize gives (x - mean) / std, both in float32. RandomCrop(padding=p)
// pads the uint8 image with zeros, so padded pixels become (0 - mean) / std.

#include "tenas/data/transforms.h"

#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tenas/util/status_macros.h"

namespace tenas::data {
namespace {

/// Normalised value of every uint8 pixel value, per channel.
using NormTable = std::array<std::array<float, 256>, 3>;

NormTable MakeNormTable(const ImageDataset& dataset) {
  NormTable table;
  for (int c = 0; c < 3; ++c) {
    for (int v = 0; v < 256; ++v) {
      const float x = static_cast<float>(v) / 255.0f;
      table[c][v] = (x - dataset.mean[c]) / dataset.std[c];
    }
  }
  return table;
}

/// Checks that `dataset` can be sampled from with `batch_size`.
absl::Status CheckBatchArgs(const ImageDataset& dataset, int batch_size,
                            int min_side) {
  if (dataset.channels != 3) {
    return absl::InvalidArgumentError(absl::StrCat("dataset '", dataset.name,
                                                   "' has ", dataset.channels,
                                                   " channels; 3 expected"));
  }
  if (dataset.height < min_side || dataset.width < min_side) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dataset '", dataset.name, "' images are ", dataset.height, "x",
        dataset.width, "; at least ", min_side, "x", min_side, " needed"));
  }
  if (static_cast<int64_t>(dataset.pixels.size()) !=
      dataset.size() * dataset.image_bytes()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset '", dataset.name, "' holds ",
                     dataset.pixels.size(), " pixel bytes for ", dataset.size(),
                     " images of ", dataset.image_bytes(), " bytes"));
  }
  for (int c = 0; c < 3; ++c) {
    if (!(dataset.std[c] > 0.0f)) {
      return absl::InvalidArgumentError(
          absl::StrCat("dataset '", dataset.name, "' std[", c,
                       "] = ", dataset.std[c], " is not positive"));
    }
  }
  if (batch_size < 1 || batch_size > dataset.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch size ", batch_size, " must be in [1, ",
                     dataset.size(), "] for dataset '", dataset.name, "'"));
  }
  return absl::OkStatus();
}

/// `batch_size` distinct indices into [0, n), uniformly without replacement
/// (partial Fisher-Yates); the first `batch_size` entries are the sample.
std::vector<int64_t> SampleDistinct(int64_t n, int batch_size, Rng& rng) {
  std::vector<int64_t> index(static_cast<size_t>(n));
  std::iota(index.begin(), index.end(), int64_t{0});
  for (int i = 0; i < batch_size; ++i) {
    const int64_t j =
        i + static_cast<int64_t>(rng.Uniform(static_cast<uint64_t>(n - i)));
    std::swap(index[i], index[j]);
  }
  index.resize(static_cast<size_t>(batch_size));
  return index;
}

}  // namespace

int NtkCropPadding(const ImageDataset& dataset) {
  return dataset.height <= 16 ? 2 : 4;
}

absl::StatusOr<at::Tensor> SampleNtkBatch(const ImageDataset& dataset,
                                          int batch_size, Rng& rng) {
  TENAS_RETURN_IF_ERROR(CheckBatchArgs(dataset, batch_size, 1));
  const int h = dataset.height;
  const int w = dataset.width;
  const int pad = NtkCropPadding(dataset);
  const NormTable norm = MakeNormTable(dataset);
  const std::vector<int64_t> index =
      SampleDistinct(dataset.size(), batch_size, rng);

  at::Tensor batch = torch::empty({batch_size, 3, h, w}, torch::kFloat32);
  float* out = batch.data_ptr<float>();
  for (int b = 0; b < batch_size; ++b) {
    const uint8_t* image = dataset.image(index[b]);
    // Same order as the torchvision pipeline: flip, then crop.
    const bool flip = rng.Bernoulli();
    const int dy = static_cast<int>(rng.Uniform(2 * pad + 1));
    const int dx = static_cast<int>(rng.Uniform(2 * pad + 1));
    for (int c = 0; c < 3; ++c) {
      const uint8_t* plane = image + static_cast<int64_t>(c) * h * w;
      const float zero = norm[c][0];
      for (int y = 0; y < h; ++y) {
        const int sy = y + dy - pad;  // Row in the (flipped) source image.
        if (sy < 0 || sy >= h) {
          for (int x = 0; x < w; ++x) *out++ = zero;
          continue;
        }
        const uint8_t* row = plane + static_cast<int64_t>(sy) * w;
        for (int x = 0; x < w; ++x) {
          const int sx = x + dx - pad;  // Column in the flipped image.
          if (sx < 0 || sx >= w) {
            *out++ = zero;
          } else {
            *out++ = norm[c][row[flip ? w - 1 - sx : sx]];
          }
        }
      }
    }
  }
  return batch;
}

absl::StatusOr<at::Tensor> SampleLrBatch(const ImageDataset& dataset,
                                         int batch_size, Rng& rng) {
  constexpr int kCrop = 3;
  TENAS_RETURN_IF_ERROR(CheckBatchArgs(dataset, batch_size, kCrop));
  const int h = dataset.height;
  const int w = dataset.width;
  const NormTable norm = MakeNormTable(dataset);
  const std::vector<int64_t> index =
      SampleDistinct(dataset.size(), batch_size, rng);

  at::Tensor batch =
      torch::empty({batch_size, 1, kCrop, kCrop}, torch::kFloat32);
  float* out = batch.data_ptr<float>();
  for (int b = 0; b < batch_size; ++b) {
    const uint8_t* image = dataset.image(index[b]);
    const int dy = static_cast<int>(rng.Uniform(h - kCrop + 1));
    const int dx = static_cast<int>(rng.Uniform(w - kCrop + 1));
    const int c = static_cast<int>(rng.Uniform(3));
    const uint8_t* plane = image + static_cast<int64_t>(c) * h * w;
    for (int y = 0; y < kCrop; ++y) {
      const uint8_t* row = plane + static_cast<int64_t>(dy + y) * w + dx;
      for (int x = 0; x < kCrop; ++x) *out++ = norm[c][row[x]];
    }
  }
  return batch;
}

}  // namespace tenas::data
