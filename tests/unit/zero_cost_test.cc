// Copyright 2026 The tenas Authors.
//
// The zero-cost proxies (measures/internal/zero_cost.h): params and flops
// equal NASLib's stored NB201 values; every proxy is deterministic, finite
// (or the sentinel) on degenerate cells, and the gradient proxies agree with
// the same quantities taken through the network's own module forward.

#include "tenas/measures/internal/zero_cost.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tenas/nn/darts_network.h"
#include "tenas/nn/init.h"
#include "tenas/nn/nb201_network.h"
#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"
#include "testing/test_data.h"

namespace tenas::measures::internal {
namespace {

std::shared_ptr<nn::Nb201SearchNetwork> Nb201Net(const std::string& arch_text,
                                                 nn::Nb201NetworkConfig config,
                                                 uint64_t seed = 0) {
  auto arch = nb201::ParseArchitecture(arch_text);
  EXPECT_TRUE(arch.ok()) << arch.status();
  std::shared_ptr<nn::Nb201SearchNetwork> net;
  nn::RunSeeded(
      seed, [&] { net = std::make_shared<nn::Nb201SearchNetwork>(config); });
  net->SetAlphas(nn::Nb201ArchitectureAlphas(*arch));
  return net;
}

nn::Nb201NetworkConfig SmallConfig() {
  nn::Nb201NetworkConfig config;
  config.channels = 4;
  config.cells_per_stage = 1;
  return config;
}

struct Batch {
  at::Tensor images, labels;
};

Batch RandomBatch(int64_t n, int64_t size, int64_t classes, uint64_t seed) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  Batch b;
  b.images = at::normal(0.0, 1.0, {n, 3, size, size}, gen);
  b.labels = at::randint(classes, {n}, gen, at::kLong);
  return b;
}

const char* kArch =
    "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|"
    "nor_conv_3x3~1|nor_conv_1x1~2|";
const char* kAllNone = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";
const char* kAllSkip =
    "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|"
    "skip_connect~1|skip_connect~2|";

std::vector<Measure> EveryProxy() {
  std::vector<Measure> out;
  for (Measure m : AllMeasures()) {
    if (IsZeroCostProxy(m)) out.push_back(m);
  }
  return out;
}

// NASLib's stored params (millions) and flops (millions, per image) of the
// benchmark network (C=16, N=5) for the first architectures of each dataset
// in tests/data/nb201_zc_proxies_naslib_subset.csv.
TEST(ZeroCostTest, ParamsAndFlopsEqualNaslibStoredValues) {
  const std::map<int, std::string> arch_by_index = testing::Nb201ArchByIndex();
  ASSERT_FALSE(arch_by_index.empty());
  std::string line;
  std::ifstream zc(testing::TestDataDir() +
                   "/nb201_zc_proxies_naslib_subset.csv");
  ASSERT_TRUE(zc);
  std::getline(zc, line);
  std::map<std::string, int> checked;
  while (std::getline(zc, line)) {
    std::stringstream ss(line);
    std::string index, dataset, flops, params;
    std::getline(ss, index, ',');
    std::getline(ss, dataset, ',');
    std::getline(ss, flops, ',');
    std::getline(ss, params, ',');
    if (checked[dataset] >= 12) continue;
    ++checked[dataset];
    const int64_t classes = dataset == "cifar10"    ? 10
                            : dataset == "cifar100" ? 100
                                                    : 120;
    const int64_t size = dataset == "imagenet16" ? 16 : 32;
    nn::Nb201NetworkConfig config;  // C=16, N=5
    config.num_classes = classes;
    auto net = Nb201Net(arch_by_index.at(std::stoi(index)), config);
    const Batch batch = RandomBatch(2, size, classes, 1);
    const std::vector<double> v =
        ComputeZeroCostProxies(*net, batch.images, batch.labels,
                               {Measure::kParams, Measure::kFlops}, 0);
    EXPECT_NEAR(v[0], std::stod(params), 1e-9) << dataset << " #" << index;
    EXPECT_NEAR(v[1], std::stod(flops), 1e-9) << dataset << " #" << index;
  }
  EXPECT_EQ(checked["cifar10"], 12);
  EXPECT_EQ(checked["cifar100"], 12);
  EXPECT_EQ(checked["imagenet16"], 12);
}

TEST(ZeroCostTest, EveryProxyIsDeterministic) {
  const Batch batch = RandomBatch(8, 32, 10, 3);
  std::vector<double> first;
  for (int run = 0; run < 2; ++run) {
    auto net = Nb201Net(kArch, SmallConfig(), /*seed=*/5);
    const std::vector<double> v = ComputeZeroCostProxies(
        *net, batch.images, batch.labels, EveryProxy(), /*seed=*/7);
    ASSERT_EQ(v.size(), EveryProxy().size());
    if (run == 0) {
      first = v;
      continue;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      EXPECT_EQ(v[i], first[i]) << MeasureName(EveryProxy()[i]);
    }
  }
  // A different network seed changes the weight-dependent proxies.
  auto other = Nb201Net(kArch, SmallConfig(), /*seed=*/6);
  const std::vector<double> v =
      ComputeZeroCostProxies(*other, batch.images, batch.labels,
                             {Measure::kSnip, Measure::kL2Norm}, 7);
  EXPECT_NE(v[0], first[3]);  // snip is EveryProxy()[3]
}

// Values with no finite formula (the log of 0, constant rows) are the
// sentinel; nothing is NaN or infinite.
TEST(ZeroCostTest, FiniteOrSentinelOnAllSkipAndAllNoneCells) {
  const Batch batch = RandomBatch(8, 32, 10, 4);
  for (const char* arch : {kAllNone, kAllSkip}) {
    auto net = Nb201Net(arch, SmallConfig());
    const std::vector<double> v = ComputeZeroCostProxies(
        *net, batch.images, batch.labels, EveryProxy(), 1);
    for (size_t i = 0; i < v.size(); ++i) {
      EXPECT_TRUE(std::isfinite(v[i]))
          << arch << " " << MeasureName(EveryProxy()[i]);
    }
  }
  // All-none cells cut every path from the input: the input-gradient and
  // path-flow proxies have nothing to measure.
  auto none = Nb201Net(kAllNone, SmallConfig());
  const std::vector<double> v =
      ComputeZeroCostProxies(*none, batch.images, batch.labels,
                             {Measure::kSynflow, Measure::kJacov}, 1);
  EXPECT_EQ(v[0], kProxySentinel);
  EXPECT_EQ(v[1], kProxySentinel);
}

// grad_norm, snip, plain and l2_norm from the replay against the same sums
// taken through the network's module forward and autograd.
TEST(ZeroCostTest, GradientProxiesAgreeWithTheModuleForward) {
  const Batch batch = RandomBatch(8, 32, 10, 5);
  auto net = Nb201Net(kArch, SmallConfig(), 11);
  const std::vector<double> v = ComputeZeroCostProxies(
      *net, batch.images, batch.labels,
      {Measure::kSnip, Measure::kGradNorm, Measure::kL2Norm, Measure::kPlain},
      0);

  auto twin = Nb201Net(kArch, SmallConfig(), 11);
  twin->train();
  twin->zero_grad();
  const at::Tensor loss =
      at::cross_entropy_loss(twin->forward(batch.images), batch.labels);
  loss.backward();
  double snip = 0, grad_norm = 0, l2 = 0, plain = 0;
  for (const auto& m : twin->modules(/*include_self=*/false)) {
    at::Tensor w;
    if (auto* conv = m->as<torch::nn::Conv2dImpl>()) w = conv->weight;
    if (auto* fc = m->as<torch::nn::LinearImpl>()) w = fc->weight;
    if (!w.defined() || !w.grad().defined()) continue;
    const at::Tensor g = w.grad();
    snip += (g * w).abs().sum().item<double>();
    plain += (g * w).sum().item<double>();
    grad_norm += g.norm().item<double>();
    l2 += w.norm().item<double>();
  }
  EXPECT_NEAR(v[0], snip, 1e-4 * std::abs(snip));
  EXPECT_NEAR(v[1], grad_norm, 1e-4 * grad_norm);
  EXPECT_NEAR(v[2], l2, 1e-5 * l2);
  EXPECT_NEAR(v[3], plain, 1e-3 * std::abs(snip));
}

// An edge feeding a node twice the ReLU of the tape stands for one ReLU
// module per convolution: flops count it per consumer, as NASLib's networks.
TEST(ZeroCostTest, FlopsCountOneReluPerConvolution) {
  const Batch batch = RandomBatch(2, 32, 10, 6);
  auto one = Nb201Net("|nor_conv_1x1~0|+|none~0|none~1|+|none~0|none~1|none~2|",
                      SmallConfig());
  auto two = Nb201Net(
      "|nor_conv_1x1~0|+|nor_conv_1x1~0|none~1|+|none~0|none~1|none~2|",
      SmallConfig());
  const double f1 = ComputeZeroCostProxies(*one, batch.images, batch.labels,
                                           {Measure::kFlops}, 0)[0];
  const double f2 = ComputeZeroCostProxies(*two, batch.images, batch.labels,
                                           {Measure::kFlops}, 0)[0];
  // The second 1x1 conv of each stage's cell (C x H x W = 4x32x32, 8x16x16,
  // 16x8x8): C*C MACs per pixel, and per element 2 for its batch norm and 1
  // for its own ReLU.
  double expected = 0;
  for (const auto& [c, h] : {std::pair{4.0, 32.0}, {8.0, 16.0}, {16.0, 8.0}}) {
    expected += (c * c * h * h + 3.0 * c * h * h) / 1e6;
  }
  EXPECT_NEAR(f2 - f1, expected, 1e-9);
}

TEST(ZeroCostTest, DartsGenotypeGivesFiniteProxies) {
  auto genotype = darts::ParseGenotype(
      "Genotype(normal=[('sep_conv_3x3', 0), ('skip_connect', 1), "
      "('dil_conv_3x3', 0), ('max_pool_3x3', 1), ('sep_conv_5x5', 2), "
      "('avg_pool_3x3', 0), ('dil_conv_5x5', 3), ('skip_connect', 2)], "
      "normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
      "('sep_conv_3x3', 1), ('skip_connect', 2), ('avg_pool_3x3', 1), "
      "('dil_conv_3x3', 0), ('sep_conv_5x5', 3), ('skip_connect', 4), "
      "('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])");
  ASSERT_TRUE(genotype.ok()) << genotype.status();
  nn::DartsNetworkConfig config;
  config.channels = 4;
  config.cells_per_stage = 1;
  std::shared_ptr<nn::DartsSearchNetwork> net;
  nn::RunSeeded(
      0, [&] { net = std::make_shared<nn::DartsSearchNetwork>(config); });
  net->SetAlphas(nn::DartsGenotypeAlphas(*genotype, false),
                 nn::DartsGenotypeAlphas(*genotype, true));
  const Batch batch = RandomBatch(8, 32, 10, 8);
  const std::vector<double> v =
      ComputeZeroCostProxies(*net, batch.images, batch.labels, EveryProxy(), 2);
  for (size_t i = 0; i < v.size(); ++i) {
    EXPECT_TRUE(std::isfinite(v[i])) << MeasureName(EveryProxy()[i]);
    EXPECT_NE(v[i], kProxySentinel) << MeasureName(EveryProxy()[i]);
  }
}

}  // namespace
}  // namespace tenas::measures::internal
