// Copyright 2026 The tenas Authors.
//
// transforms_test.cc: the NTK and linear-region batch samplers. Every sampled
// image is matched exactly against a reference computed here from the
// dataset, the normalisation formula and an explicit flip / shift / window.

#include "tenas/data/transforms.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tenas/data/cifar.h"
#include "tenas/util/rng.h"
#include "testing/test_data.h"

namespace tenas::data {
namespace {

/// The first `n` images of the shared CIFAR-10 sample.
ImageDataset SharedCifar10(int64_t n) {
  absl::StatusOr<ImageDataset> d =
      LoadCifarFile(tenas::testing::TestDataDir() + "/cifar10_sample.bin",
                    CifarKind::kCifar10);
  EXPECT_TRUE(d.ok()) << d.status();
  if (!d.ok()) return ImageDataset();
  d->labels.resize(n);
  d->pixels.resize(n * d->image_bytes());
  return *std::move(d);
}

/// torchvision's ToTensor + Normalize, in float32.
float Normalised(const ImageDataset& d, int c, int v) {
  return (static_cast<float>(v) / 255.0f - d.mean[c]) / d.std[c];
}

/// Whether `out` (3 x H x W floats) equals image `i` flipped (optionally),
/// zero-padded by `pad` and cropped at (dy, dx), then normalised.
bool MatchesNtk(const ImageDataset& d, int64_t i, bool flip, int dy, int dx,
                int pad, const float* out) {
  const int h = d.height, w = d.width;
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        const int sy = y + dy - pad, sx = x + dx - pad;
        int v = 0;
        if (sy >= 0 && sy < h && sx >= 0 && sx < w) {
          v = d.image(i)[(c * h + sy) * w + (flip ? w - 1 - sx : sx)];
        }
        if (*out++ != Normalised(d, c, v)) return false;
      }
    }
  }
  return true;
}

struct NtkMatch {
  int64_t image = -1;
  bool flip = false;
  int dy = 0, dx = 0;
};

/// Finds which dataset image, flip and crop offset produced `out`.
NtkMatch FindNtkSource(const ImageDataset& d, const float* out) {
  const int pad = NtkCropPadding(d);
  for (int64_t i = 0; i < d.size(); ++i) {
    for (bool flip : {false, true}) {
      for (int dy = 0; dy <= 2 * pad; ++dy) {
        for (int dx = 0; dx <= 2 * pad; ++dx) {
          if (MatchesNtk(d, i, flip, dy, dx, pad, out)) {
            return {i, flip, dy, dx};
          }
        }
      }
    }
  }
  return {};
}

TEST(TransformsTest, NtkCropPadding) {
  ImageDataset d;
  d.height = d.width = 32;
  EXPECT_EQ(NtkCropPadding(d), 4);
  d.height = d.width = 16;
  EXPECT_EQ(NtkCropPadding(d), 2);
}

TEST(TransformsTest, NtkBatchShape) {
  const ImageDataset d = SharedCifar10(100);
  Rng rng(1);
  absl::StatusOr<at::Tensor> batch = SampleNtkBatch(d, 72, rng);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->sizes(), (std::vector<int64_t>{72, 3, 32, 32}));
  EXPECT_EQ(batch->scalar_type(), at::kFloat);
  EXPECT_TRUE(batch->device().is_cpu());
  EXPECT_TRUE(batch->is_contiguous());
}

TEST(TransformsTest, LrBatchShape) {
  const ImageDataset d = SharedCifar10(100);
  Rng rng(1);
  absl::StatusOr<at::Tensor> batch = SampleLrBatch(d, 100, rng);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->sizes(), (std::vector<int64_t>{100, 1, 3, 3}));
  EXPECT_EQ(batch->scalar_type(), at::kFloat);
  EXPECT_TRUE(batch->device().is_cpu());
}

TEST(TransformsTest, LrBatchesAreConsecutiveBatchesOfOneStream) {
  const ImageDataset d = SharedCifar10(100);
  Rng a(5), b(5);
  absl::StatusOr<std::vector<at::Tensor>> batches =
      SampleLrBatches(d, 3, 40, a, at::Device(at::kCPU));
  ASSERT_TRUE(batches.ok()) << batches.status();
  ASSERT_EQ(batches->size(), 3u);
  for (const at::Tensor& got : *batches) {
    absl::StatusOr<at::Tensor> want = SampleLrBatch(d, 40, b);
    ASSERT_TRUE(want.ok());
    EXPECT_TRUE(got.equal(*want));
  }
  EXPECT_FALSE((*batches)[0].equal((*batches)[1]));
  // A batch larger than the dataset is the single batch's error.
  EXPECT_FALSE(SampleLrBatches(d, 2, 1000, a, at::Device(at::kCPU)).ok());
}

TEST(TransformsTest, SameSeedSameBatchDifferentSeedDifferentBatch) {
  const ImageDataset d = SharedCifar10(500);
  Rng a(42), b(42), c(43);
  const at::Tensor ntk_a = SampleNtkBatch(d, 16, a).value();
  const at::Tensor ntk_b = SampleNtkBatch(d, 16, b).value();
  const at::Tensor ntk_c = SampleNtkBatch(d, 16, c).value();
  EXPECT_TRUE(torch::equal(ntk_a, ntk_b));
  EXPECT_FALSE(torch::equal(ntk_a, ntk_c));
  const at::Tensor lr_a = SampleLrBatch(d, 64, a).value();
  const at::Tensor lr_b = SampleLrBatch(d, 64, b).value();
  const at::Tensor lr_c = SampleLrBatch(d, 64, c).value();
  EXPECT_TRUE(torch::equal(lr_a, lr_b));
  EXPECT_FALSE(torch::equal(lr_a, lr_c));
}

TEST(TransformsTest, NtkImagesAreFlippedShiftedDistinctDatasetImages) {
  const ImageDataset d = SharedCifar10(64);
  Rng rng(7);
  // The whole dataset: every image must appear exactly once.
  const at::Tensor batch = SampleNtkBatch(d, 64, rng).value();
  const float* out = batch.data_ptr<float>();
  std::set<int64_t> images;
  std::set<int> flips, offsets;
  int padded = 0;
  for (int b = 0; b < 64; ++b) {
    const NtkMatch m = FindNtkSource(d, out + b * d.image_bytes());
    ASSERT_GE(m.image, 0) << "batch image " << b << " matches no dataset image "
                          << "under any flip and crop";
    images.insert(m.image);
    flips.insert(m.flip);
    offsets.insert(m.dy);
    offsets.insert(m.dx);
    if (m.dy != 4 || m.dx != 4) ++padded;
  }
  EXPECT_EQ(images.size(), 64u);  // Distinct images: a permutation.
  EXPECT_EQ(flips.size(), 2u);    // Both flipped and unflipped images.
  EXPECT_GE(offsets.size(), 7u);  // Offsets spread over [0, 8].
  EXPECT_GT(padded, 50);          // Most crops include padding.
}

TEST(TransformsTest, NtkPaddedPixelsAreNormalisedZero) {
  // One all-255 image: any padded pixel must be (0 - mean) / std.
  ImageDataset d;
  d.name = "white";
  d.num_classes = 1;
  d.height = d.width = 32;
  d.pixels.assign(3 * 32 * 32, 255);
  d.labels = {0};
  d.mean = {0.5f, 0.25f, 0.75f};
  d.std = {0.5f, 0.2f, 0.1f};
  Rng rng(3);
  int padded_images = 0;
  for (int trial = 0; trial < 20; ++trial) {
    const at::Tensor t = SampleNtkBatch(d, 1, rng).value();
    const float* out = t.data_ptr<float>();
    bool any_padded = false;
    for (int c = 0; c < 3; ++c) {
      for (int k = 0; k < 1024; ++k) {
        const float v = out[c * 1024 + k];
        ASSERT_TRUE(v == Normalised(d, c, 255) || v == Normalised(d, c, 0))
            << v;
        any_padded |= v == Normalised(d, c, 0);
      }
    }
    padded_images += any_padded;
  }
  EXPECT_GT(padded_images, 10);
}

TEST(TransformsTest, LrValuesComeFromOneChannelWindowOfOneImage) {
  const ImageDataset d = SharedCifar10(50);
  Rng rng(11);
  const at::Tensor batch = SampleLrBatch(d, 50, rng).value();
  const float* out = batch.data_ptr<float>();
  std::set<int64_t> images;
  std::set<int> channels;
  for (int b = 0; b < 50; ++b) {
    const float* win = out + b * 9;
    bool found = false;
    for (int64_t i = 0; i < d.size() && !found; ++i) {
      for (int c = 0; c < 3 && !found; ++c) {
        for (int dy = 0; dy <= 29 && !found; ++dy) {
          for (int dx = 0; dx <= 29 && !found; ++dx) {
            bool same = true;
            for (int k = 0; k < 9 && same; ++k) {
              const int v = d.image(i)[(c * 32 + dy + k / 3) * 32 + dx + k % 3];
              same = win[k] == Normalised(d, c, v);
            }
            if (same) {
              found = true;
              images.insert(i);
              channels.insert(c);
            }
          }
        }
      }
    }
    ASSERT_TRUE(found) << "LR sample " << b
                       << " is no normalised 3x3 window of any image channel";
  }
  EXPECT_EQ(images.size(), 50u);   // Distinct images.
  EXPECT_EQ(channels.size(), 3u);  // All three channels get picked.
}

TEST(TransformsTest, NtkBatchChannelMeansMatchDataAndPadding) {
  const ImageDataset d = SharedCifar10(4000);
  Rng rng(5);
  const at::Tensor batch = SampleNtkBatch(d, 4000, rng).value();
  const at::Tensor channel_mean = batch.mean({0, 2, 3});
  // A crop offset o in [0, 8] pads |o - 4| rows (columns): 20/9 on average.
  const double kept = 1.0 - 20.0 / 9.0 / 32.0;
  const double padded_fraction = 1.0 - kept * kept;
  for (int c = 0; c < 3; ++c) {
    double sum = 0;
    for (int64_t i = 0; i < d.size(); ++i) {
      for (int k = 0; k < 1024; ++k) sum += d.image(i)[c * 1024 + k];
    }
    const double data_mean =
        (sum / (d.size() * 1024.0) / 255.0 - d.mean[c]) / d.std[c];
    const double expected = (1 - padded_fraction) * data_mean +
                            padded_fraction * Normalised(d, c, 0);
    EXPECT_NEAR(channel_mean[c].item<float>(), expected, 0.03)
        << "channel " << c;
  }
}

TEST(TransformsTest, BadBatchSizeIsError) {
  const ImageDataset d = SharedCifar10(10);
  Rng rng(1);
  EXPECT_FALSE(SampleNtkBatch(d, 11, rng).ok());
  EXPECT_FALSE(SampleNtkBatch(d, 0, rng).ok());
  EXPECT_FALSE(SampleNtkBatch(d, -3, rng).ok());
  EXPECT_FALSE(SampleLrBatch(d, 11, rng).ok());
  EXPECT_FALSE(SampleLrBatch(d, 0, rng).ok());
  const absl::Status s = SampleNtkBatch(d, 11, rng).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(SampleNtkBatch(d, 10, rng).ok());
  EXPECT_TRUE(SampleLrBatch(d, 10, rng).ok());
}

TEST(TransformsTest, MalformedDatasetIsError) {
  ImageDataset d = SharedCifar10(10);
  d.pixels.resize(d.pixels.size() - 1);
  Rng rng(1);
  EXPECT_FALSE(SampleNtkBatch(d, 5, rng).ok());
  EXPECT_FALSE(SampleLrBatch(d, 5, rng).ok());
}

}  // namespace
}  // namespace tenas::data
