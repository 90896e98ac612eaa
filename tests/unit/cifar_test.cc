// Copyright 2026 The tenas Authors.
//
// cifar_test.cc: CIFAR binary readers, directory layouts, error reporting and
// the bundled CIFAR-10 sample.

#include "tenas/data/cifar.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "tenas/util/data_dir.h"
#include "testing/test_data.h"

namespace tenas::data {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kRecord10 = 3073;
constexpr int64_t kRecord100 = 3074;

std::string SharedData(const std::string& file) {
  return tenas::testing::TestDataDir() + "/" + file;
}

std::vector<char> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>((std::istreambuf_iterator<char>(in)),
                           std::istreambuf_iterator<char>());
}

void WriteBytes(const std::string& path, const char* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data, static_cast<std::streamsize>(size));
  ASSERT_TRUE(out.good()) << path;
}

/// A fresh, empty temporary directory for one test.
std::string FreshDir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("tenas_cifar_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

/// The first `records` CIFAR-10 records of the shared sample, from `first`.
std::vector<char> SampleRecords(int64_t first, int64_t records) {
  const std::vector<char> all = ReadBytes(SharedData("cifar10_sample.bin"));
  return std::vector<char>(all.begin() + first * kRecord10,
                           all.begin() + (first + records) * kRecord10);
}

TEST(CifarTest, LoadsSharedCifar10Sample) {
  absl::StatusOr<ImageDataset> d =
      LoadCifarFile(SharedData("cifar10_sample.bin"), CifarKind::kCifar10);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->name, "cifar10");
  EXPECT_EQ(d->num_classes, 10);
  EXPECT_EQ(d->channels, 3);
  EXPECT_EQ(d->height, 32);
  EXPECT_EQ(d->width, 32);
  ASSERT_EQ(d->size(), 4000);
  EXPECT_EQ(d->pixels.size(), 4000u * 3072u);
  const std::vector<int32_t> first = {6, 9, 9, 4, 1, 1, 2, 7, 8, 3};
  EXPECT_EQ(std::vector<int32_t>(d->labels.begin(), d->labels.begin() + 10),
            first);
  // Pixel (0, 0) of image 0 is RGB(59, 62, 63): one byte per channel plane.
  EXPECT_EQ(d->image(0)[0], 59);
  EXPECT_EQ(d->image(0)[1024], 62);
  EXPECT_EQ(d->image(0)[2048], 63);
  // Class counts documented in the shared README.
  std::vector<int> counts(10, 0);
  for (int32_t label : d->labels) ++counts[label];
  EXPECT_EQ(counts, std::vector<int>(
                        {396, 366, 420, 384, 422, 393, 414, 385, 407, 413}));
}

TEST(CifarTest, Cifar10NormalisationConstants) {
  absl::StatusOr<ImageDataset> d =
      LoadCifarFile(SharedData("cifar10_sample.bin"), CifarKind::kCifar10);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_FLOAT_EQ(d->mean[0], 125.3f / 255);
  EXPECT_FLOAT_EQ(d->mean[1], 123.0f / 255);
  EXPECT_FLOAT_EQ(d->mean[2], 113.9f / 255);
  EXPECT_FLOAT_EQ(d->std[0], 63.0f / 255);
  EXPECT_FLOAT_EQ(d->std[1], 62.1f / 255);
  EXPECT_FLOAT_EQ(d->std[2], 66.7f / 255);
}

TEST(CifarTest, LoadsSharedCifar100Sample) {
  absl::StatusOr<ImageDataset> d =
      LoadCifarFile(SharedData("cifar100_sample.bin"), CifarKind::kCifar100);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->name, "cifar100");
  EXPECT_EQ(d->num_classes, 100);
  EXPECT_EQ(d->labels,
            std::vector<int32_t>({49, 33, 72, 51, 71, 92, 15, 14, 23, 0,
                                  71, 75, 81, 69, 40, 43, 92, 97, 70, 53}));
  // Pixels follow the two label bytes.
  const std::vector<char> raw = ReadBytes(SharedData("cifar100_sample.bin"));
  for (int64_t i : {0, 7, 19}) {
    for (int64_t k : {0, 1023, 1024, 3071}) {
      EXPECT_EQ(d->image(i)[k],
                static_cast<uint8_t>(raw[i * kRecord100 + 2 + k]));
    }
  }
  EXPECT_FLOAT_EQ(d->mean[0], 129.3f / 255);
  EXPECT_FLOAT_EQ(d->mean[1], 124.1f / 255);
  EXPECT_FLOAT_EQ(d->mean[2], 112.4f / 255);
  EXPECT_FLOAT_EQ(d->std[0], 68.2f / 255);
  EXPECT_FLOAT_EQ(d->std[1], 65.4f / 255);
  EXPECT_FLOAT_EQ(d->std[2], 70.4f / 255);
}

TEST(CifarTest, BundledSampleEqualsFirst2000SharedImages) {
  absl::StatusOr<ImageDataset> bundled = LoadBundledCifar10();
  ASSERT_TRUE(bundled.ok()) << bundled.status();
  absl::StatusOr<ImageDataset> shared =
      LoadCifarFile(SharedData("cifar10_sample.bin"), CifarKind::kCifar10);
  ASSERT_TRUE(shared.ok()) << shared.status();
  EXPECT_EQ(bundled->name, "cifar10");
  EXPECT_EQ(bundled->num_classes, 10);
  EXPECT_EQ(bundled->mean, shared->mean);
  EXPECT_EQ(bundled->std, shared->std);
  ASSERT_EQ(bundled->size(), 2000);
  EXPECT_EQ(bundled->labels,
            std::vector<int32_t>(shared->labels.begin(),
                                 shared->labels.begin() + 2000));
  EXPECT_TRUE(bundled->pixels ==
              std::vector<uint8_t>(shared->pixels.begin(),
                                   shared->pixels.begin() + 2000 * 3072));
}

TEST(CifarTest, BundledDataDirHonoursEnvironment) {
  const char* old = std::getenv("TENAS_DATA_DIR");
  const std::string saved = old != nullptr ? old : "";
  const std::string dir = FreshDir("env");
  setenv("TENAS_DATA_DIR", dir.c_str(), 1);
  EXPECT_EQ(BundledDataDir(), dir);
  // The folder has no bundle: a clear NotFound naming the file.
  absl::StatusOr<ImageDataset> d = LoadBundledCifar10();
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(d.status().message().find("cifar10_sample_2000.bin.gz"),
            std::string::npos)
      << d.status();
  if (old != nullptr) {
    setenv("TENAS_DATA_DIR", saved.c_str(), 1);
  } else {
    unsetenv("TENAS_DATA_DIR");
    // Without the variable the source tree's data/ holds the bundle.
    EXPECT_TRUE(
        fs::exists(fs::path(BundledDataDir()) / "cifar10_sample_2000.bin.gz"))
        << BundledDataDir();
  }
}

TEST(CifarTest, TruncatedFileNamesFileAndOffset) {
  const std::string path = FreshDir("truncated") + "/cut_batch.bin";
  std::vector<char> bytes = SampleRecords(0, 3);
  bytes.resize(2 * kRecord10 + 1000);  // Cut in the middle of record 2.
  WriteBytes(path, bytes.data(), bytes.size());
  absl::StatusOr<ImageDataset> d = LoadCifarFile(path, CifarKind::kCifar10);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(d.status().message());
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find(std::to_string(2 * kRecord10)), std::string::npos) << msg;
}

TEST(CifarTest, GarbageOfOddLengthIsError) {
  const std::string path = FreshDir("garbage") + "/garbage.bin";
  std::vector<char> bytes(5 * kRecord10 + 17);
  uint32_t state = 12345;
  for (char& b : bytes) {
    state = state * 1664525u + 1013904223u;
    b = static_cast<char>(state >> 24);
  }
  WriteBytes(path, bytes.data(), bytes.size());
  for (CifarKind kind : {CifarKind::kCifar10, CifarKind::kCifar100}) {
    absl::StatusOr<ImageDataset> d = LoadCifarFile(path, kind);
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.status().message().find(path), std::string::npos) << d.status();
  }
}

TEST(CifarTest, LabelOutOfRangeIsError) {
  const std::string dir = FreshDir("label");
  const std::string path = dir + "/bad_label.bin";
  std::vector<char> bytes = SampleRecords(0, 4);
  bytes[2 * kRecord10] = 10;  // Record 2 gets label 10.
  WriteBytes(path, bytes.data(), bytes.size());
  absl::StatusOr<ImageDataset> d = LoadCifarFile(path, CifarKind::kCifar10);
  ASSERT_FALSE(d.ok());
  const std::string msg(d.status().message());
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find(std::to_string(2 * kRecord10)), std::string::npos) << msg;

  // CIFAR-100: fine label 100 in record 1.
  const std::string path100 = dir + "/bad_fine.bin";
  std::vector<char> bytes100 = ReadBytes(SharedData("cifar100_sample.bin"));
  bytes100[kRecord100 + 1] = 100;
  WriteBytes(path100, bytes100.data(), bytes100.size());
  d = LoadCifarFile(path100, CifarKind::kCifar100);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find(path100), std::string::npos)
      << d.status();
  EXPECT_NE(d.status().message().find(std::to_string(kRecord100 + 1)),
            std::string::npos)
      << d.status();
}

TEST(CifarTest, EmptyFileIsError) {
  const std::string path = FreshDir("empty") + "/empty.bin";
  WriteBytes(path, "", 0);
  absl::StatusOr<ImageDataset> d = LoadCifarFile(path, CifarKind::kCifar10);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find(path), std::string::npos) << d.status();
  EXPECT_NE(d.status().message().find("empty"), std::string::npos)
      << d.status();
}

TEST(CifarTest, ParseCifarRecordsMatchesTheFileReader) {
  const std::vector<char> chars = SampleRecords(5, 3);
  const std::vector<uint8_t> bytes(chars.begin(), chars.end());
  absl::StatusOr<ImageDataset> d =
      ParseCifarRecords(bytes, CifarKind::kCifar10, "in-memory");
  ASSERT_TRUE(d.ok()) << d.status();
  const std::string path = FreshDir("parse") + "/records.bin";
  WriteBytes(path, chars.data(), chars.size());
  absl::StatusOr<ImageDataset> f = LoadCifarFile(path, CifarKind::kCifar10);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(d->name, "cifar10");
  EXPECT_EQ(d->size(), 3);
  EXPECT_EQ(d->labels, f->labels);
  EXPECT_EQ(d->pixels, f->pixels);
  EXPECT_EQ(d->labels[1], bytes[kRecord10]);

  // Errors name the source given instead of a path.
  absl::StatusOr<ImageDataset> cut =
      ParseCifarRecords(absl::MakeConstSpan(bytes).subspan(0, kRecord10 + 5),
                        CifarKind::kCifar10, "in-memory");
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(cut.status().message().find("in-memory"), std::string::npos)
      << cut.status();
}

TEST(CifarTest, MissingFileIsNotFound) {
  const std::string path = FreshDir("missing") + "/no_such_batch.bin";
  absl::StatusOr<ImageDataset> d = LoadCifarFile(path, CifarKind::kCifar10);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(d.status().message().find(path), std::string::npos) << d.status();
}

/// Writes data_batch_1..5.bin into `dir`, batch k holding k+1 records taken
/// consecutively from the shared sample (15 images in all).
void WriteFiveBatches(const std::string& dir) {
  int64_t first = 0;
  for (int k = 0; k < 5; ++k) {
    const std::vector<char> bytes = SampleRecords(first, k + 1);
    WriteBytes(dir + "/data_batch_" + std::to_string(k + 1) + ".bin",
               bytes.data(), bytes.size());
    first += k + 1;
  }
}

void ExpectFirst15SharedImages(const ImageDataset& d) {
  absl::StatusOr<ImageDataset> shared =
      LoadCifarFile(SharedData("cifar10_sample.bin"), CifarKind::kCifar10);
  ASSERT_TRUE(shared.ok()) << shared.status();
  ASSERT_EQ(d.size(), 15);
  EXPECT_EQ(d.name, "cifar10");
  EXPECT_EQ(d.labels, std::vector<int32_t>(shared->labels.begin(),
                                           shared->labels.begin() + 15));
  EXPECT_TRUE(d.pixels ==
              std::vector<uint8_t>(shared->pixels.begin(),
                                   shared->pixels.begin() + 15 * 3072));
}

TEST(CifarTest, LoadCifarDirFindsBatchesDirectly) {
  const std::string dir = FreshDir("dir_direct");
  WriteFiveBatches(dir);
  absl::StatusOr<ImageDataset> d = LoadCifarDir(dir, CifarKind::kCifar10);
  ASSERT_TRUE(d.ok()) << d.status();
  ExpectFirst15SharedImages(*d);
}

TEST(CifarTest, LoadCifarDirFindsTarballFolder) {
  const std::string dir = FreshDir("dir_tarball");
  fs::create_directories(dir + "/cifar-10-batches-bin");
  WriteFiveBatches(dir + "/cifar-10-batches-bin");
  absl::StatusOr<ImageDataset> d = LoadCifarDir(dir, CifarKind::kCifar10);
  ASSERT_TRUE(d.ok()) << d.status();
  ExpectFirst15SharedImages(*d);
}

TEST(CifarTest, LoadCifarDirCifar100TarballFolder) {
  const std::string dir = FreshDir("dir_c100");
  fs::create_directories(dir + "/cifar-100-binary");
  fs::copy_file(SharedData("cifar100_sample.bin"),
                dir + "/cifar-100-binary/train.bin");
  absl::StatusOr<ImageDataset> d = LoadCifarDir(dir, CifarKind::kCifar100);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->name, "cifar100");
  EXPECT_EQ(d->size(), 20);
  EXPECT_EQ(d->labels[0], 49);
}

TEST(CifarTest, LoadCifarDirEmptyDirSaysWhatWasExpected) {
  const std::string dir = FreshDir("dir_empty");
  absl::StatusOr<ImageDataset> d = LoadCifarDir(dir, CifarKind::kCifar10);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound);
  const std::string msg(d.status().message());
  EXPECT_NE(msg.find(dir), std::string::npos) << msg;
  EXPECT_NE(msg.find("data_batch_1.bin"), std::string::npos) << msg;
  EXPECT_NE(msg.find("data_batch_5.bin"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cifar-10-batches-bin"), std::string::npos) << msg;

  d = LoadCifarDir(dir, CifarKind::kCifar100);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("train.bin"), std::string::npos)
      << d.status();
  EXPECT_NE(d.status().message().find("cifar-100-binary"), std::string::npos)
      << d.status();
}

TEST(CifarTest, LoadCifarDirPartialBatchesNamesMissingFile) {
  const std::string dir = FreshDir("dir_partial");
  WriteFiveBatches(dir);
  fs::remove(dir + "/data_batch_4.bin");
  absl::StatusOr<ImageDataset> d = LoadCifarDir(dir, CifarKind::kCifar10);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("lacks data_batch_4.bin"),
            std::string::npos)
      << d.status();
}

TEST(CifarTest, LoadCifarDirPropagatesBadBatch) {
  const std::string dir = FreshDir("dir_bad");
  WriteFiveBatches(dir);
  const std::string bad = dir + "/data_batch_3.bin";
  WriteBytes(bad, "xyz", 3);
  absl::StatusOr<ImageDataset> d = LoadCifarDir(dir, CifarKind::kCifar10);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find(bad), std::string::npos) << d.status();
}

}  // namespace
}  // namespace tenas::data
