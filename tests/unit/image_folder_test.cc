// Copyright 2026 The tenas Authors.
//
// image_folder_test.cc: the lazily decoded ImageNet-style image folder, the
// PIL-compatible resize, and the samplers' lazy path. Each test writes its
// own folder of JPEGs (TurboJPEG, quality 100), including a corrupt file, a
// truncated JPEG and non-JPEG files that must be ignored.

#include "tenas/data/image_folder.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <turbojpeg.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "tenas/data/image_dataset.h"
#include "tenas/data/pil_resize.h"
#include "tenas/data/transforms.h"
#include "tenas/util/rng.h"
#include "testing/test_images.h"

namespace tenas::data {
namespace {

namespace fs = std::filesystem;
using ::tenas::testing::Pattern;
using ::tenas::testing::Solid;

// ---------------------------------------------------------------------------
// Helpers.

/// Compresses `pixels` (w x h, TurboJPEG pixel format `pf`) at quality 100.
std::vector<uint8_t> EncodeJpeg(const std::vector<uint8_t>& pixels, int w,
                                int h, int pf, int subsamp) {
  tjhandle tj = tjInitCompress();
  EXPECT_NE(tj, nullptr);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  const int rc =
      tjCompress2(tj, pixels.data(), w, 0, h, pf, &buf, &size, subsamp, 100, 0);
  EXPECT_EQ(rc, 0) << tjGetErrorStr2(tj);
  std::vector<uint8_t> out(buf, buf + size);
  tjFree(buf);
  tjDestroy(tj);
  return out;
}

/// Decodes `jpeg` to pixel format `pf` with TurboJPEG's defaults.
std::vector<uint8_t> DecodeJpeg(const std::vector<uint8_t>& jpeg, int pf,
                                int* w, int* h) {
  tjhandle tj = tjInitDecompress();
  int subsamp = 0, colorspace = 0;
  EXPECT_EQ(tjDecompressHeader3(tj, jpeg.data(), jpeg.size(), w, h, &subsamp,
                                &colorspace),
            0);
  std::vector<uint8_t> out(static_cast<size_t>(*w) * *h * tjPixelSize[pf]);
  EXPECT_EQ(
      tjDecompress2(tj, jpeg.data(), jpeg.size(), out.data(), *w, 0, *h, pf, 0),
      0)
      << tjGetErrorStr2(tj);
  tjDestroy(tj);
  return out;
}

void WriteFile(const fs::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()),
          static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(f.good()) << path;
}

/// A fresh, empty temporary folder.
fs::path MakeTempDir() {
  static std::atomic<int> counter{0};
  const fs::path dir =
      fs::path(::testing::TempDir()) /
      absl::StrCat("tenas_image_folder_", ::getpid(), "_", counter++);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<uint8_t> ReadImage(const ImageDataset& d, int64_t i,
                               absl::Status* status = nullptr) {
  std::vector<uint8_t> out(static_cast<size_t>(d.image_bytes()));
  const absl::Status s = d.lazy->Read(i, out.data());
  if (status != nullptr) *status = s;
  return out;
}

ImageFolderStats Stats(const ImageDataset& d) {
  absl::StatusOr<ImageFolderStats> s = GetImageFolderStats(d);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : ImageFolderStats();
}

// ---------------------------------------------------------------------------
// The test folder.

constexpr uint8_t kRed[3] = {200, 30, 60};
constexpr uint8_t kBlue[3] = {10, 20, 230};
constexpr uint8_t kCmyk[4] = {200, 100, 50, 180};  // As libjpeg decodes it.

/// Images in dataset order (classes sorted, then file names sorted).
enum Image : int64_t {
  kRedImage = 0,   // n01000001/a_red.JPEG, 40x50 solid.
  kGradient = 1,   // n01000001/b_grad.jpeg, 64x64 linear gradient.
  kCmykImage = 2,  // n01000001/c_cmyk.jpg, 24x24 solid CMYK (YCCK JPEG).
  kCorrupt = 3,    // n01000002/corrupt.JPEG, random bytes.
  kPattern = 4,    // n01000002/d_pattern.JPEG, 48x40 pattern.
  kBlueImage = 5,  // n01000002/e_blue.JPEG, 33x31 solid.
  kBig = 6,        // n01000003/f_big.JPEG, 375x500 pattern, 4:2:0.
  kGray = 7,       // n01000003/g_gray.JPEG, 50x60 grayscale.
  kTruncated = 8,  // n01000003/truncated.JPEG, first 60% of a JPEG.
  kNumImages = 9,
};
const std::vector<int64_t> kGoodImages = {
    kRedImage, kGradient, kCmykImage, kPattern, kBlueImage, kBig, kGray};

class ImageFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = MakeTempDir();
    train_ = root_ / "train";
    const fs::path c1 = train_ / "n01000001", c2 = train_ / "n01000002",
                   c3 = train_ / "n01000003";
    for (const fs::path& c : {c1, c2, c3}) fs::create_directories(c);

    jpegs_[kRedImage] = EncodeJpeg(Solid(40, 50, {kRed[0], kRed[1], kRed[2]}),
                                   50, 40, TJPF_RGB, TJSAMP_444);
    std::vector<uint8_t> gradient(64 * 64 * 3);
    for (int y = 0; y < 64; ++y) {
      for (int x = 0; x < 64; ++x) {
        gradient[(y * 64 + x) * 3 + 0] = static_cast<uint8_t>(2 * x + y);
        gradient[(y * 64 + x) * 3 + 1] = static_cast<uint8_t>(3 * y);
        gradient[(y * 64 + x) * 3 + 2] = static_cast<uint8_t>(x + 100);
      }
    }
    jpegs_[kGradient] = EncodeJpeg(gradient, 64, 64, TJPF_RGB, TJSAMP_444);
    jpegs_[kCmykImage] =
        EncodeJpeg(Solid(24, 24, {kCmyk[0], kCmyk[1], kCmyk[2], kCmyk[3]}), 24,
                   24, TJPF_CMYK, TJSAMP_444);
    Rng rng(123);
    jpegs_[kCorrupt].resize(2000);
    for (uint8_t& b : jpegs_[kCorrupt]) b = static_cast<uint8_t>(rng.Next());
    jpegs_[kPattern] =
        EncodeJpeg(Pattern(40, 48), 48, 40, TJPF_RGB, TJSAMP_444);
    jpegs_[kBlueImage] =
        EncodeJpeg(Solid(31, 33, {kBlue[0], kBlue[1], kBlue[2]}), 33, 31,
                   TJPF_RGB, TJSAMP_444);
    jpegs_[kBig] =
        EncodeJpeg(Pattern(375, 500), 500, 375, TJPF_RGB, TJSAMP_420);
    std::vector<uint8_t> gray(50 * 60);
    for (int i = 0; i < 50 * 60; ++i) gray[i] = static_cast<uint8_t>(i % 251);
    jpegs_[kGray] = EncodeJpeg(gray, 60, 50, TJPF_GRAY, TJSAMP_GRAY);
    const std::vector<uint8_t> whole =
        EncodeJpeg(Pattern(64, 64), 64, 64, TJPF_RGB, TJSAMP_444);
    jpegs_[kTruncated].assign(whole.begin(),
                              whole.begin() + whole.size() * 6 / 10);

    const std::vector<fs::path> paths = {
        c1 / "a_red.JPEG",   c1 / "b_grad.jpeg",    c1 / "c_cmyk.jpg",
        c2 / "corrupt.JPEG", c2 / "d_pattern.JPEG", c2 / "e_blue.JPEG",
        c3 / "f_big.JPEG",   c3 / "g_gray.JPEG",    c3 / "truncated.JPEG"};
    for (int i = 0; i < kNumImages; ++i) WriteFile(paths[i], jpegs_[i]);
    // Files that must be ignored.
    WriteFile(c1 / "notes.txt", {'h', 'i'});
    WriteFile(c2 / "thumb.png", {0x89, 'P', 'N', 'G'});
    WriteFile(c3 / "JPEG", {1, 2, 3});
    WriteFile(train_ / "README.txt", {'x'});
  }

  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  /// What image i should read as: TurboJPEG's decode, converted to RGB as
  /// PIL does, resized with ResizeRgbPil.
  std::vector<uint8_t> Expected(int64_t i) const {
    int w = 0, h = 0;
    std::vector<uint8_t> rgb;
    if (i == kCmykImage) {
      const std::vector<uint8_t> cmyk =
          DecodeJpeg(jpegs_[i], TJPF_CMYK, &w, &h);
      for (size_t p = 0; p < cmyk.size(); p += 4) {
        for (int c = 0; c < 3; ++c) {
          // PIL: invert ("CMYK;I"), then cmyk2rgb.
          const int nk = cmyk[p + 3];
          const int tmp = (255 - cmyk[p + c]) * nk + 128;
          rgb.push_back(static_cast<uint8_t>(
              std::clamp(nk - (((tmp >> 8) + tmp) >> 8), 0, 255)));
        }
      }
    } else {
      rgb = DecodeJpeg(jpegs_[i], TJPF_RGB, &w, &h);
    }
    std::vector<uint8_t> out(32 * 32 * 3);
    ResizeRgbPil(rgb.data(), h, w, 32, 32, out.data());
    return out;
  }

  absl::StatusOr<ImageDataset> Load(ImageFolderOptions options = {}) const {
    return LoadImageFolder(root_.string(), options);
  }

  fs::path root_;
  fs::path train_;
  std::vector<uint8_t> jpegs_[kNumImages];
};

// ---------------------------------------------------------------------------
// Listing.

TEST_F(ImageFolderTest, ListsClassesImagesAndLabelsWithoutDecoding) {
  absl::StatusOr<ImageDataset> d = Load();
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->name, "imagenet-1k");
  EXPECT_EQ(d->num_classes, 3);
  EXPECT_EQ(d->channels, 3);
  EXPECT_EQ(d->height, 32);
  EXPECT_EQ(d->width, 32);
  EXPECT_EQ(d->image_bytes(), 3072);
  EXPECT_EQ(d->size(), kNumImages);
  EXPECT_EQ(d->labels, (std::vector<int32_t>{0, 0, 0, 1, 1, 1, 2, 2, 2}));
  EXPECT_TRUE(d->pixels.empty());
  ASSERT_NE(d->lazy, nullptr);
  EXPECT_FLOAT_EQ(d->mean[0], 0.485f);
  EXPECT_FLOAT_EQ(d->mean[1], 0.456f);
  EXPECT_FLOAT_EQ(d->mean[2], 0.406f);
  EXPECT_FLOAT_EQ(d->std[0], 0.229f);
  EXPECT_FLOAT_EQ(d->std[1], 0.224f);
  EXPECT_FLOAT_EQ(d->std[2], 0.225f);
  const ImageFolderStats s = Stats(*d);
  EXPECT_EQ(s.images, kNumImages);
  EXPECT_EQ(s.decoded, 0);  // Nothing is decoded at load.
  EXPECT_EQ(s.cache_hits, 0);
  EXPECT_EQ(s.corrupt, 0);
}

TEST_F(ImageFolderTest, AcceptsParentTrainAndNestedLayouts) {
  absl::StatusOr<ImageDataset> from_train = LoadImageFolder(train_.string());
  ASSERT_TRUE(from_train.ok()) << from_train.status();
  EXPECT_EQ(from_train->size(), kNumImages);
  EXPECT_EQ(from_train->num_classes, 3);
  // A trailing separator is fine too.
  absl::StatusOr<ImageDataset> slash = LoadImageFolder(train_.string() + "/");
  ASSERT_TRUE(slash.ok()) << slash.status();
  EXPECT_EQ(ReadImage(*slash, kPattern), Expected(kPattern));

  const fs::path outer = MakeTempDir();
  fs::create_directories(outer / "imagenet");
  fs::copy(train_, outer / "imagenet" / "train", fs::copy_options::recursive);
  fs::create_directories(outer / "imagenet" / "val");
  absl::StatusOr<ImageDataset> nested = LoadImageFolder(outer.string());
  ASSERT_TRUE(nested.ok()) << nested.status();
  EXPECT_EQ(nested->size(), kNumImages);
  EXPECT_EQ(nested->labels, from_train->labels);
  EXPECT_EQ(ReadImage(*nested, kBig), Expected(kBig));
  fs::remove_all(outer);
}

TEST_F(ImageFolderTest, MissingFolderNamesExpectedLayout) {
  const std::string missing = (root_ / "no_such_dir").string();
  absl::StatusOr<ImageDataset> d = LoadImageFolder(missing);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound);
  const std::string msg(d.status().message());
  EXPECT_NE(msg.find(missing), std::string::npos) << msg;
  EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;
  EXPECT_NE(msg.find("train/<wnid>/*.JPEG"), std::string::npos) << msg;
  EXPECT_NE(msg.find("imagenet/train/<wnid>/*.JPEG"), std::string::npos) << msg;

  // A dataset folder holding only val/ is not a train folder.
  const fs::path only_val = MakeTempDir();
  fs::create_directories(only_val / "val" / "n01000001");
  d = LoadImageFolder(only_val.string());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(std::string(d.status().message()).find("train/<wnid>/*.JPEG"),
            std::string::npos)
      << d.status();

  // train/ without class folders.
  fs::remove_all(only_val / "val");
  fs::create_directories(only_val / "train");
  d = LoadImageFolder(only_val.string());
  ASSERT_FALSE(d.ok());
  EXPECT_NE(std::string(d.status().message()).find("no class subfolders"),
            std::string::npos)
      << d.status();

  // A class folder without JPEG files is named.
  fs::create_directories(only_val / "train" / "n09999999");
  WriteFile(only_val / "train" / "n09999999" / "x.png", {1});
  d = LoadImageFolder(only_val.string());
  ASSERT_FALSE(d.ok());
  EXPECT_NE(std::string(d.status().message()).find("n09999999"),
            std::string::npos)
      << d.status();
  fs::remove_all(only_val);

  ImageFolderOptions bad;
  bad.cache_images = -1;
  EXPECT_EQ(Load(bad).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ImageFolderStatsTest, RejectsOtherDatasets) {
  ImageDataset d;
  d.name = "cifar10";
  EXPECT_EQ(GetImageFolderStats(d).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------
// Decoding.

TEST_F(ImageFolderTest, SolidColoursDecodeToThatColour) {
  absl::StatusOr<ImageDataset> d = Load();
  ASSERT_TRUE(d.ok()) << d.status();
  const std::pair<int64_t, const uint8_t*> cases[] = {{kRedImage, kRed},
                                                      {kBlueImage, kBlue}};
  for (const auto& [i, colour] : cases) {
    const std::vector<uint8_t> img = ReadImage(*d, i);
    for (int c = 0; c < 3; ++c) {
      for (int p = 0; p < 32 * 32; ++p) {
        ASSERT_NEAR(img[c * 1024 + p], colour[c], 2)
            << "image " << i << " channel " << c << " pixel " << p;
      }
    }
  }
}

TEST_F(ImageFolderTest, CmykAndGrayscaleJpegsBecomeRgbLikePil) {
  absl::StatusOr<ImageDataset> d = Load();
  ASSERT_TRUE(d.ok()) << d.status();
  // PIL: R = K - (255 - C) * K / 255 = C * K / 255 (decoded values).
  const std::vector<uint8_t> cmyk = ReadImage(*d, kCmykImage);
  for (int c = 0; c < 3; ++c) {
    const double expected = kCmyk[c] * kCmyk[3] / 255.0;
    for (int p = 0; p < 32 * 32; ++p) {
      ASSERT_NEAR(cmyk[c * 1024 + p], expected, 3) << c << " " << p;
    }
  }
  const std::vector<uint8_t> gray = ReadImage(*d, kGray);
  for (int p = 0; p < 32 * 32; ++p) {
    ASSERT_EQ(gray[p], gray[1024 + p]);
    ASSERT_EQ(gray[p], gray[2048 + p]);
  }
}

TEST_F(ImageFolderTest, ReadEqualsTurboJpegDecodeThenPilResize) {
  absl::StatusOr<ImageDataset> d = Load();
  ASSERT_TRUE(d.ok()) << d.status();
  for (int64_t i : kGoodImages) {
    absl::Status status;
    const std::vector<uint8_t> img = ReadImage(*d, i, &status);
    ASSERT_TRUE(status.ok()) << i << ": " << status;
    EXPECT_EQ(img, Expected(i)) << "image " << i;
  }
  const ImageFolderStats s = Stats(*d);
  EXPECT_EQ(s.decoded, static_cast<int64_t>(kGoodImages.size()));
  EXPECT_EQ(s.corrupt, 0);
}

TEST_F(ImageFolderTest, GradientDownscaleMatchesBoxAverageInside) {
  absl::StatusOr<ImageDataset> d = Load();
  ASSERT_TRUE(d.ok()) << d.status();
  const std::vector<uint8_t> img = ReadImage(*d, kGradient);
  // For a linear ramp PIL's 2x kernel (weights 1,3,3,1 / 8) equals the 2x2
  // box average away from the borders; JPEG adds at most a level or two.
  for (int y = 1; y < 31; ++y) {
    for (int x = 1; x < 31; ++x) {
      const double r = 2 * (2 * x + 0.5) + (2 * y + 0.5);
      const double g = 3 * (2 * y + 0.5);
      const double b = (2 * x + 0.5) + 100;
      ASSERT_NEAR(img[y * 32 + x], r, 2) << x << "," << y;
      ASSERT_NEAR(img[1024 + y * 32 + x], g, 2) << x << "," << y;
      ASSERT_NEAR(img[2048 + y * 32 + x], b, 2) << x << "," << y;
    }
  }
}

TEST_F(ImageFolderTest, CorruptAndTruncatedFilesFailReadAndAreCounted) {
  absl::StatusOr<ImageDataset> d = Load();
  ASSERT_TRUE(d.ok()) << d.status();
  absl::Status status;
  ReadImage(*d, kCorrupt, &status);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(std::string(status.message()).find("corrupt.JPEG"),
            std::string::npos)
      << status;
  ReadImage(*d, kTruncated, &status);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(std::string(status.message()).find("truncated JPEG"),
            std::string::npos)
      << status;
  ImageFolderStats s = Stats(*d);
  EXPECT_EQ(s.corrupt, 2);
  EXPECT_EQ(s.failed_reads, 2);
  // A second read fails again (without decoding again) and is not a new
  // corrupt file.
  ReadImage(*d, kCorrupt, &status);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  s = Stats(*d);
  EXPECT_EQ(s.corrupt, 2);
  EXPECT_EQ(s.failed_reads, 3);
  EXPECT_EQ(s.decoded, 0);
  // Out of range.
  ReadImage(*d, kNumImages, &status);
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
}

TEST_F(ImageFolderTest, FileVanishingAfterLoadIsAReadError) {
  absl::StatusOr<ImageDataset> d = Load();
  ASSERT_TRUE(d.ok()) << d.status();
  fs::remove(train_ / "n01000002" / "e_blue.JPEG");
  absl::Status status;
  ReadImage(*d, kBlueImage, &status);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_EQ(Stats(*d).corrupt, 1);
}

// ---------------------------------------------------------------------------
// Cache.

TEST_F(ImageFolderTest, CacheServesRepeatsAndRespectsItsBound) {
  // No cache: every read decodes.
  ImageFolderOptions none;
  none.cache_images = 0;
  absl::StatusOr<ImageDataset> uncached = Load(none);
  ASSERT_TRUE(uncached.ok()) << uncached.status();
  for (int pass = 0; pass < 2; ++pass) {
    for (int64_t i : kGoodImages) ReadImage(*uncached, i);
  }
  ImageFolderStats s = Stats(*uncached);
  EXPECT_EQ(s.decoded, 14);
  EXPECT_EQ(s.cache_hits, 0);
  EXPECT_EQ(s.cached, 0);

  // Large cache: the second pass only hits.
  absl::StatusOr<ImageDataset> big = Load();
  ASSERT_TRUE(big.ok()) << big.status();
  for (int pass = 0; pass < 2; ++pass) {
    for (int64_t i : kGoodImages) {
      EXPECT_EQ(ReadImage(*big, i), Expected(i)) << pass << " " << i;
    }
  }
  s = Stats(*big);
  EXPECT_EQ(s.decoded, 7);
  EXPECT_EQ(s.cache_hits, 7);
  EXPECT_EQ(s.cached, 7);
  EXPECT_EQ(s.evictions, 0);

  // Tiny cache: evictions happen and results stay right.
  ImageFolderOptions tiny;
  tiny.cache_images = 2;
  absl::StatusOr<ImageDataset> small = Load(tiny);
  ASSERT_TRUE(small.ok()) << small.status();
  for (int pass = 0; pass < 3; ++pass) {
    for (int64_t i : kGoodImages) {
      EXPECT_EQ(ReadImage(*small, i), Expected(i)) << pass << " " << i;
      EXPECT_LE(Stats(*small).cached, 2);
    }
    // Re-reading the last image hits.
    EXPECT_EQ(ReadImage(*small, kGray), Expected(kGray));
  }
  s = Stats(*small);
  EXPECT_LE(s.cached, 2);
  EXPECT_GT(s.evictions, 0);
  EXPECT_GE(s.cache_hits, 3);
  EXPECT_EQ(s.decoded + s.cache_hits, 3 * 8);
}

TEST_F(ImageFolderTest, ConcurrentReadsWithTinyCacheAreCorrect) {
  ImageFolderOptions tiny;
  tiny.cache_images = 3;
  absl::StatusOr<ImageDataset> d = Load(tiny);
  ASSERT_TRUE(d.ok()) << d.status();
  std::vector<std::vector<uint8_t>> expected(kNumImages);
  for (int64_t i : kGoodImages) expected[i] = Expected(i);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Rng rng(static_cast<uint64_t>(t));
      for (int k = 0; k < 100; ++k) {
        const int64_t i = static_cast<int64_t>(rng.Uniform(kNumImages));
        absl::Status status;
        const std::vector<uint8_t> img = ReadImage(*d, i, &status);
        const bool bad = i == kCorrupt || i == kTruncated;
        if (bad == status.ok() || (!bad && img != expected[i])) ++mismatches;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
  const ImageFolderStats s = Stats(*d);
  EXPECT_LE(s.cached, 3);
  EXPECT_EQ(s.corrupt, 2);
}

// ---------------------------------------------------------------------------
// Samplers on the folder.

TEST_F(ImageFolderTest, NtkAndLrBatchesAreDeterministicAndSkipCorruptFiles) {
  absl::StatusOr<ImageDataset> d = Load();
  ASSERT_TRUE(d.ok()) << d.status();
  const int64_t failures_before = LazyReadFailures();
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Rng a(seed), b(seed);
    absl::StatusOr<at::Tensor> x = SampleNtkBatch(*d, 7, a);
    absl::StatusOr<at::Tensor> y = SampleNtkBatch(*d, 7, b);
    ASSERT_TRUE(x.ok()) << x.status();
    ASSERT_TRUE(y.ok()) << y.status();
    EXPECT_EQ(x->sizes(), (std::vector<int64_t>{7, 3, 32, 32}));
    EXPECT_EQ(x->scalar_type(), torch::kFloat32);
    EXPECT_TRUE(torch::equal(*x, *y)) << seed;
    absl::StatusOr<at::Tensor> lr = SampleLrBatch(*d, 5, a);
    absl::StatusOr<at::Tensor> lr2 = SampleLrBatch(*d, 5, b);
    ASSERT_TRUE(lr.ok()) << lr.status();
    ASSERT_TRUE(lr2.ok()) << lr2.status();
    EXPECT_EQ(lr->sizes(), (std::vector<int64_t>{5, 1, 3, 3}));
    EXPECT_TRUE(torch::equal(*lr, *lr2)) << seed;
  }
  // A batch of all 7 good images always succeeds, so both corrupt files were
  // met, skipped and counted.
  const ImageFolderStats s = Stats(*d);
  EXPECT_EQ(s.corrupt, 2);
  EXPECT_GT(LazyReadFailures(), failures_before);
  EXPECT_GT(s.cache_hits, 0);

  // Different seeds give different batches.
  Rng r1(1), r2(2);
  EXPECT_FALSE(
      torch::equal(*SampleNtkBatch(*d, 4, r1), *SampleNtkBatch(*d, 4, r2)));

  // Only 7 of the 9 images can be read: a batch of 8 fails, not crashes.
  Rng r3(3);
  absl::StatusOr<at::Tensor> too_big = SampleNtkBatch(*d, 8, r3);
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(std::string(too_big.status().message()).find("only 7 of 9"),
            std::string::npos)
      << too_big.status();
}

// ---------------------------------------------------------------------------
// The samplers' lazy path against in-memory datasets.

/// Serves an in-memory dataset's images lazily; reads of `bad` fail.
class MemorySource : public LazyImageSource {
 public:
  MemorySource(const ImageDataset& d, std::set<int64_t> bad)
      : d_(d), bad_(std::move(bad)) {}
  absl::Status Read(int64_t i, uint8_t* out) const override {
    if (bad_.count(i) != 0) {
      return absl::DataLossError(absl::StrCat("image ", i, " is bad"));
    }
    std::copy(d_.image(i), d_.image(i) + d_.image_bytes(), out);
    return absl::OkStatus();
  }

 private:
  const ImageDataset& d_;
  const std::set<int64_t> bad_;
};

/// `n` random 32x32 images.
ImageDataset RandomDataset(int64_t n) {
  ImageDataset d;
  d.name = "random";
  d.num_classes = 10;
  d.height = d.width = 32;
  d.mean = {0.485f, 0.456f, 0.406f};
  d.std = {0.229f, 0.224f, 0.225f};
  d.pixels.resize(static_cast<size_t>(n * d.image_bytes()));
  Rng rng(99);
  for (uint8_t& p : d.pixels) p = static_cast<uint8_t>(rng.Next());
  for (int64_t i = 0; i < n; ++i) {
    d.labels.push_back(static_cast<int32_t>(i % 10));
  }
  return d;
}

ImageDataset LazyCopy(const ImageDataset& mem, std::set<int64_t> bad) {
  ImageDataset lazy = mem;
  lazy.pixels.clear();
  lazy.lazy = std::make_shared<MemorySource>(mem, std::move(bad));
  return lazy;
}

TEST(LazySamplerTest, WithoutFailuresEqualsInMemoryBatches) {
  const ImageDataset mem = RandomDataset(300);
  const ImageDataset lazy = LazyCopy(mem, {});
  for (uint64_t seed : {0, 1, 17}) {
    Rng a(seed), b(seed);
    absl::StatusOr<at::Tensor> x = SampleNtkBatch(mem, 64, a);
    absl::StatusOr<at::Tensor> y = SampleNtkBatch(lazy, 64, b);
    ASSERT_TRUE(x.ok() && y.ok());
    EXPECT_TRUE(torch::equal(*x, *y)) << seed;
    absl::StatusOr<at::Tensor> u = SampleLrBatch(mem, 300, a);
    absl::StatusOr<at::Tensor> v = SampleLrBatch(lazy, 300, b);
    ASSERT_TRUE(u.ok() && v.ok());
    EXPECT_TRUE(torch::equal(*u, *v)) << seed;
  }
}

TEST(LazySamplerTest, FailedImagesAreReplacedDeterministically) {
  // Image i is solid 5 * i, so a batch entry's centre pixel names its image.
  constexpr int64_t kN = 50;
  ImageDataset mem = RandomDataset(kN);
  for (int64_t i = 0; i < kN; ++i) {
    std::fill(mem.pixels.begin() + i * 3072,
              mem.pixels.begin() + (i + 1) * 3072, static_cast<uint8_t>(5 * i));
  }
  const std::set<int64_t> bad = {0, 3, 10, 11, 27, 49};
  const ImageDataset lazy = LazyCopy(mem, bad);
  const int64_t failures_before = LazyReadFailures();
  for (uint64_t seed = 0; seed < 10; ++seed) {
    Rng a(seed), b(seed);
    absl::StatusOr<at::Tensor> x = SampleNtkBatch(lazy, 44, a);
    absl::StatusOr<at::Tensor> y = SampleNtkBatch(lazy, 44, b);
    ASSERT_TRUE(x.ok()) << x.status();
    ASSERT_TRUE(y.ok()) << y.status();
    EXPECT_TRUE(torch::equal(*x, *y));
    std::set<int64_t> seen;
    const at::Tensor centre = x->index({torch::indexing::Slice(), 0, 16, 16});
    for (int64_t k = 0; k < 44; ++k) {
      const float v = centre[k].item<float>();
      int64_t found = -1;
      for (int64_t i = 0; i < kN; ++i) {
        if ((static_cast<float>(5 * i) / 255.0f - mem.mean[0]) / mem.std[0] ==
            v) {
          found = i;
        }
      }
      ASSERT_GE(found, 0);
      EXPECT_EQ(bad.count(found), 0u) << found;
      seen.insert(found);
    }
    EXPECT_EQ(seen.size(), 44u);  // Distinct images: all 44 good ones.
  }
  EXPECT_GT(LazyReadFailures(), failures_before);

  // Exactly enough readable images: fine; one fewer: an error, not a crash.
  Rng r(5);
  EXPECT_TRUE(SampleLrBatch(lazy, 44, r).ok());
  absl::StatusOr<at::Tensor> too_many = SampleLrBatch(lazy, 45, r);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(std::string(too_many.status().message()).find("only 44 of 50"),
            std::string::npos)
      << too_many.status();

  std::set<int64_t> all;
  for (int64_t i = 0; i < kN; ++i) all.insert(i);
  const ImageDataset none_readable = LazyCopy(mem, all);
  absl::StatusOr<at::Tensor> nothing = SampleNtkBatch(none_readable, 1, r);
  ASSERT_FALSE(nothing.ok());
  EXPECT_NE(std::string(nothing.status().message()).find("only 0 of 50"),
            std::string::npos)
      << nothing.status();
}

TEST(LazySamplerTest, LazyDatasetMustNotHoldPixels) {
  const ImageDataset mem = RandomDataset(10);
  ImageDataset both = LazyCopy(mem, {});
  both.pixels = mem.pixels;
  Rng rng(0);
  EXPECT_EQ(SampleNtkBatch(both, 2, rng).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tenas::data
