// Copyright 2026 The tenas Authors.
//
// Tests of the NB201 networks against the original TE-NAS code's fixtures.

#include "tenas/nn/nb201_network.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tenas/nn/init.h"
#include "tenas/space/nb201.h"
#include "testing/golden.h"
#include "testing/relu_sharing.h"

namespace tenas::nn {
namespace {

using testing::GoldenFixture;
using testing::LoadGolden;

std::shared_ptr<Nb201SearchNetwork> BuildSeeded(const Nb201NetworkConfig& cfg,
                                                uint64_t seed) {
  std::shared_ptr<Nb201SearchNetwork> net;
  RunSeeded(seed, [&] { net = std::make_shared<Nb201SearchNetwork>(cfg); });
  return net;
}

TEST(Nb201NetworkTest, NamesOrderAndDefaultInitMatchOriginalCode) {
  for (const char* name : {"nb201_ntk_supernet", "nb201_lr_supernet"}) {
    SCOPED_TRACE(name);
    GoldenFixture g = LoadGolden(name);
    const bool ntk = std::string(name).find("ntk") != std::string::npos;
    auto net = BuildSeeded(ntk ? Nb201NtkConfig(10) : Nb201LrConfig(10), 0);
    auto params = net->named_parameters();
    std::vector<std::string> golden_names;
    for (const auto& n : g.param_names) {
      if (n != "arch_parameters") golden_names.push_back(n);
    }
    ASSERT_EQ(params.size(), golden_names.size());
    for (size_t i = 0; i < golden_names.size(); ++i) {
      EXPECT_EQ(params[i].key(), golden_names[i]);
      const at::Tensor& ref = g.Get(golden_names[i]);
      ASSERT_EQ(params[i].value().sizes(), ref.sizes()) << golden_names[i];
      // Same construction order + same generator => bit-identical weights.
      EXPECT_TRUE(torch::equal(params[i].value(), ref)) << golden_names[i];
    }
  }
}

TEST(Nb201NetworkTest, LogitsMatchOriginalCode) {
  GoldenFixture g = LoadGolden("nb201_ntk_supernet");
  auto net = BuildSeeded(Nb201NtkConfig(10), 0);
  net->train();
  at::Tensor logits = net->forward(g.Get("x"));
  const at::Tensor& ref = g.Get("logits");
  const double rel = (logits - ref).abs().max().item<double>() /
                     ref.abs().max().item<double>();
  EXPECT_LT(rel, 1e-5);
}

TEST(Nb201NetworkTest, WeightParameterCountMatchesSpec) {
  // docs/ALGORITHM.md §1.5: 14,244 + 12*K scalars in "weight" params, all ops
  // alive.
  for (int64_t k : {10, 100, 120}) {
    auto net = BuildSeeded(Nb201NtkConfig(k), 1);
    int64_t total = 0;
    for (const auto& p : net->WeightParameters()) total += p.numel();
    EXPECT_EQ(total, 14244 + 12 * k) << "K=" << k;
  }
}

TEST(Nb201NetworkTest, MaskedOpGetsNoGradient) {
  auto net = BuildSeeded(Nb201NtkConfig(10), 0);
  at::Tensor alphas = Nb201InitialAlphas();
  alphas[2][nb201::kNorConv3x3] = kMaskedAlpha;  // prune 3x3 conv on edge 2<-1
  net->SetAlphas(alphas);
  net->train();
  at::Tensor out = net->forward(torch::randn({4, 3, 32, 32})).sum();
  out.backward();
  for (const auto& p : net->named_parameters()) {
    // The alphas are shared by every search cell (cells 0, 2 and 4).
    const bool masked = p.key().find(".edges.2<-1.3.") != std::string::npos;
    if (masked) {
      EXPECT_FALSE(p.value().grad().defined()) << p.key();
    } else if (p.key().find("edges") != std::string::npos) {
      // Every other conv op of every cell is alive and gets a gradient.
      EXPECT_TRUE(p.value().grad().defined()) << p.key();
    }
  }
}

// The cell computes ReLU(node) once for every op that starts with it,
// except while linear regions are recorded (then each op's ReLU runs and is
// recorded). Both give the same logits bit for bit and the same gradients.
TEST(Nb201NetworkTest, SharedReluEqualsOneReluPerOp) {
  auto net = BuildSeeded(Nb201NtkConfig(10), 3);
  net->train();
  const at::Tensor x = torch::randn({6, 3, 32, 32});
  testing::ExpectSharedReluEqualsReluPerOp(*net, x);
  // Per cell: 12 conv ops' ReLUs become 3 (one per source node); plus the
  // two residual blocks' 2 each and the final one.
  net->recorder().enabled = true;
  const int per_op = testing::CountGraphNodes(net->forward(x), "ReluBackward0");
  net->recorder().enabled = false;
  net->recorder().outputs.clear();
  const int shared = testing::CountGraphNodes(net->forward(x), "ReluBackward0");
  EXPECT_EQ(per_op, 3 * 12 + 2 * 2 + 1);
  EXPECT_EQ(shared, 3 * 3 + 2 * 2 + 1);
}

TEST(Nb201NetworkTest, EdgeIsSoftmaxWeightedMeanOfAliveOps) {
  // Only skip and avg_pool alive: softmax gives 0.5 each, so every edge maps
  // t to 0.5 t + 0.5 pool(t); nodes sum their incoming edges.
  Nb201SearchCell cell(std::make_shared<ActivationRecorder>(), 2, 2);
  Nb201MixWeights mix;
  for (int e = 0; e < 6; ++e) {
    mix.weight[e] = {0.f, 0.5f, 0.f, 0.f, 0.5f};
    mix.all_masked[e] = false;
  }
  at::Tensor x = torch::randn({3, 2, 5, 5});
  auto edge = [](const at::Tensor& t) {
    return t * 0.5 + torch::avg_pool2d(t, 3, 1, 1, false,
                                       /*count_include_pad=*/false) *
                         0.5;
  };
  at::Tensor n1 = edge(x);
  at::Tensor n2 = edge(x) + edge(n1);
  at::Tensor n3 = edge(x) + edge(n1) + edge(n2);
  EXPECT_TRUE(torch::allclose(cell.forward(x, mix), n3, 1e-5, 1e-6));

  // An all-masked edge contributes exactly zero: mask every edge into node 3
  // except 3<-0, which is then the only term.
  for (int e : {4, 5}) mix.all_masked[e] = true;
  EXPECT_TRUE(torch::allclose(cell.forward(x, mix), edge(x), 1e-5, 1e-6));
}

// Ground truth: the `params` column (millions) of NASLib's NB201 table for
// the benchmark network (C=16, N=5), for every architecture listed there.
TEST(Nb201BenchmarkNetworkTest, ParameterCountsMatchNasBench201) {
  const std::map<int, std::string> arch_by_index = testing::Nb201ArchByIndex();
  ASSERT_FALSE(arch_by_index.empty()) << "nb201_accuracy.csv missing";
  std::string line;
  std::ifstream zc(testing::TestDataDir() +
                   "/nb201_zc_proxies_naslib_subset.csv");
  ASSERT_TRUE(zc);
  std::getline(zc, line);
  int checked = 0;
  while (std::getline(zc, line) && checked < 40) {
    std::stringstream ss(line);
    std::string index, dataset, flops, params;
    std::getline(ss, index, ',');
    std::getline(ss, dataset, ',');
    std::getline(ss, flops, ',');
    std::getline(ss, params, ',');
    if (dataset != "cifar10") continue;
    auto arch = nb201::ParseArchitecture(arch_by_index.at(std::stoi(index)));
    ASSERT_TRUE(arch.ok()) << arch.status();
    Nb201NetworkConfig cfg;  // C=16, N=5, 10 classes
    Nb201BenchmarkNetwork net(*arch, cfg);
    EXPECT_NEAR(CountParameters(net) / 1e6, std::stod(params), 1e-6)
        << arch_by_index.at(std::stoi(index));
    ++checked;
  }
  EXPECT_EQ(checked, 40);
}

TEST(Nb201BenchmarkNetworkTest, ForwardShape) {
  auto arch = nb201::ParseArchitecture(
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|"
      "nor_conv_3x3~1|skip_connect~2|");
  ASSERT_TRUE(arch.ok());
  Nb201BenchmarkNetwork net(*arch, Nb201NetworkConfig{});
  EXPECT_EQ(net.forward(torch::randn({2, 3, 32, 32})).sizes(),
            (std::vector<int64_t>{2, 10}));
}

}  // namespace
}  // namespace tenas::nn
