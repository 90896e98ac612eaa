// Copyright 2026 The tenas Authors.
//
// DatasetStore: load once, serve seeded batches to many threads.

#include "tenas/data/dataset_store.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "tenas/data/transforms.h"
#include "tenas/util/rng.h"
#include "testing/test_data.h"

namespace tenas::data {
namespace {

// A CIFAR-100 train.bin built from the 20 shared CIFAR-100 test images,
// repeated to 100 records, inside the official tarball folder.
std::string MakeCifar100Dir() {
  const std::string dir = ::testing::TempDir() + "/store_c100";
  std::filesystem::create_directories(dir + "/cifar-100-binary");
  std::ifstream in(testing::TestDataDir() + "/cifar100_sample.bin",
                   std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  std::ofstream out(dir + "/cifar-100-binary/train.bin", std::ios::binary);
  for (int i = 0; i < 5; ++i) out << bytes;
  return dir;
}

TEST(DatasetStoreTest, LoadsEachDatasetOnceAndReportsIt) {
  auto store =
      DatasetStore::Load({{"cifar10", ""}, {"cifar100", MakeCifar100Dir()}});
  ASSERT_TRUE(store.ok()) << store.status();
  const auto& info = (*store)->Info();
  ASSERT_EQ(info.size(), 2u);
  EXPECT_EQ(info[0].name, "cifar10");
  EXPECT_EQ(info[0].images, 2000);
  EXPECT_EQ(info[0].num_classes, 10);
  EXPECT_EQ(info[0].memory_bytes, 2000 * (3072 + 4));
  EXPECT_EQ(info[0].source, "bundled sample");
  EXPECT_EQ(info[1].images, 100);
  EXPECT_EQ(info[1].num_classes, 100);
  auto c10 = (*store)->Get("cifar10");
  ASSERT_TRUE(c10.ok());
  EXPECT_EQ((*c10)->name, "cifar10");
}

TEST(DatasetStoreTest, ErrorsSayWhatWasExpected) {
  auto unknown = DatasetStore::Load({{"mnist", ""}});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("ImageNet16-120"),
            std::string::npos);
  auto twice = DatasetStore::Load({{"cifar10", ""}, {"cifar10", ""}});
  EXPECT_NE(twice.status().message().find("twice"), std::string::npos);
  auto empty = DatasetStore::Load({{"cifar100", ::testing::TempDir()}});
  EXPECT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("train.bin"), std::string::npos);
  auto no_dir = DatasetStore::Load({{"ImageNet16-120", ""}});
  EXPECT_NE(no_dir.status().message().find("--data-dir"), std::string::npos);
  auto store = DatasetStore::Load({{"cifar10", ""}});
  ASSERT_TRUE(store.ok());
  auto missing = (*store)->Get("cifar100");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("loaded: cifar10"),
            std::string::npos);
}

TEST(DatasetStoreTest, SeededDrawsAreReproducibleAcrossEightThreads) {
  auto loaded = DatasetStore::Load({{"cifar10", ""}});
  ASSERT_TRUE(loaded.ok());
  const DatasetStore& store = **loaded;
  const ImageDataset& cifar = **store.Get("cifar10");
  // One seeded draw of each kind, as a request handler makes them.
  auto ntk_batch = [&cifar](uint64_t seed) {
    Rng rng(seed);
    return SampleNtkBatch(cifar, 16, rng);
  };
  auto lr_batch = [&cifar](uint64_t seed) {
    Rng rng(seed);
    return SampleLrBatch(cifar, 100, rng);
  };
  constexpr int kThreads = 8;
  constexpr int kDraws = 40;
  // Reference: every seed drawn once on this thread.
  std::vector<at::Tensor> ntk_ref, lr_ref;
  for (int s = 0; s < kDraws; ++s) {
    ntk_ref.push_back(*ntk_batch(s));
    lr_ref.push_back(*lr_batch(s));
  }
  std::atomic<int> mismatches{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kDraws; ++i) {
        const int s = (i * 7 + t * 3) % kDraws;  // each thread its own order
        auto ntk = ntk_batch(s);
        auto lr = lr_batch(s);
        if (!ntk.ok() || !lr.ok()) {
          ++errors;
          continue;
        }
        if (!torch::equal(*ntk, ntk_ref[s]) || !torch::equal(*lr, lr_ref[s])) {
          ++mismatches;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_FALSE(torch::equal(ntk_ref[0], ntk_ref[1]));  // seeds differ
}

}  // namespace
}  // namespace tenas::data
