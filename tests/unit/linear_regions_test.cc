// Copyright 2026 The tenas Authors.
//
// Linear-region counting against the original code's fixtures.

#include "tenas/measures/linear_regions.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "tenas/nn/init.h"
#include "tenas/nn/nb201_network.h"
#include "tenas/space/nb201.h"
#include "testing/golden.h"

namespace tenas::measures {
namespace {

using nn::Nb201SearchNetwork;

std::shared_ptr<Nb201SearchNetwork> LrNet(uint64_t seed) {
  std::shared_ptr<Nb201SearchNetwork> net;
  nn::RunSeeded(seed, [&] {
    net = std::make_shared<Nb201SearchNetwork>(nn::Nb201LrConfig(10));
  });
  return net;
}

std::vector<at::Tensor> Batches(const at::Tensor& x_batches) {
  std::vector<at::Tensor> out;
  for (int64_t i = 0; i < x_batches.size(0); ++i) out.push_back(x_batches[i]);
  return out;
}

TEST(LinearRegionsTest, MatchesOriginalCode) {
  for (const char* name : {"nb201_lr_supernet", "nb201_lr_arch_best"}) {
    SCOPED_TRACE(name);
    testing::GoldenFixture g = testing::LoadGolden(name);
    auto net = LrNet(77);
    {
      torch::NoGradGuard no_grad;
      for (auto& p : net->named_parameters()) p.value().copy_(g.Get(p.key()));
    }
    net->SetAlphas(g.Get("arch_parameters"));
    auto result = CountLinearRegions(*net, Batches(g.Get("x_batches")));
    ASSERT_TRUE(result.ok()) << result.status();
    const auto& s = g.manifest["expected_scalars"];
    EXPECT_EQ(result->regions, s["lr_unique_patterns"].get<int64_t>());
    EXPECT_EQ(result->num_columns, s["num_relu_columns"].get<int64_t>());
    EXPECT_EQ(result->num_samples, 3000);
    EXPECT_LE(result->regions, 3000);
  }
}

TEST(LinearRegionsTest, AllOpsAliveGive117Columns) {
  auto net = LrNet(0);
  auto result = CountLinearRegions(
      *net, {torch::randn({1000, 1, 3, 3}), torch::randn({1000, 1, 3, 3})});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->num_columns, 117);
  EXPECT_LE(result->regions, 2000);
}

TEST(LinearRegionsTest, CountDistinctRowsCountsExactly) {
  at::Tensor bits = torch::tensor({{1, 0, 1}, {1, 0, 1}, {0, 0, 0}, {0, 1, 0}},
                                  torch::kUInt8);
  EXPECT_EQ(CountDistinctRows(bits), 3);
  // Rows longer than one word, differing only in the last bit.
  at::Tensor wide = torch::zeros({3, 130}, torch::kUInt8);
  wide[1][129] = 1;
  EXPECT_EQ(CountDistinctRows(wide), 2);
  EXPECT_EQ(CountDistinctRows(torch::zeros({0, 4}, torch::kUInt8)), 0);
}

TEST(LinearRegionsTest, IdenticalNetworksGiveIdenticalCounts) {
  auto a = LrNet(11);
  auto b = LrNet(12);
  b->CopyParametersFrom(*a);
  torch::manual_seed(3);
  std::vector<at::Tensor> batches = {torch::randn({1000, 1, 3, 3}),
                                     torch::randn({1000, 1, 3, 3}),
                                     torch::randn({1000, 1, 3, 3})};
  auto ra = CountLinearRegions(*a, batches);
  auto rb = CountLinearRegions(*b, batches);
  ASSERT_TRUE(ra.ok() && rb.ok());
  EXPECT_EQ(ra->regions, rb->regions);
}

TEST(LinearRegionsTest, PoolAndSkipCellHasFewerRegionsThanConvCell) {
  auto conv_arch = nb201::ParseArchitecture(
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|"
      "nor_conv_3x3~1|nor_conv_3x3~2|");
  auto pool_arch = nb201::ParseArchitecture(
      "|avg_pool_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|skip_connect~0|"
      "avg_pool_3x3~1|skip_connect~2|");
  ASSERT_TRUE(conv_arch.ok() && pool_arch.ok());
  torch::manual_seed(4);
  std::vector<at::Tensor> batches = {torch::randn({1000, 1, 3, 3}),
                                     torch::randn({1000, 1, 3, 3}),
                                     torch::randn({1000, 1, 3, 3})};
  for (uint64_t seed : {0, 1, 2}) {
    auto conv = LrNet(seed);
    conv->SetAlphas(nn::Nb201ArchitectureAlphas(*conv_arch));
    auto pool = LrNet(seed);
    pool->SetAlphas(nn::Nb201ArchitectureAlphas(*pool_arch));
    auto rc = CountLinearRegions(*conv, batches);
    auto rp = CountLinearRegions(*pool, batches);
    ASSERT_TRUE(rc.ok() && rp.ok());
    EXPECT_LT(rp->regions, rc->regions) << "seed " << seed;
    EXPECT_EQ(rp->num_columns, 9);  // only the final ReLU fires
  }
}

}  // namespace
}  // namespace tenas::measures
