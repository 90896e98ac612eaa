// Copyright 2026 The tenas Authors.
//
// NTK condition number: the reference path against the original code.

#include "tenas/measures/ntk.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "tenas/nn/init.h"
#include "tenas/nn/nb201_network.h"
#include "testing/golden.h"
#include "testing/golden_networks.h"

namespace tenas::measures {
namespace {

using nn::Nb201SearchNetwork;

using testing::Nb201NtkNetFromGolden;

class NtkGoldenTest : public ::testing::TestWithParam<const char*> {};

TEST_P(NtkGoldenTest, MatchesOriginalCode) {
  testing::GoldenFixture g = testing::LoadGolden(GetParam());
  auto net = Nb201NtkNetFromGolden(g);
  const auto& scalars = g.manifest["expected_scalars"];

  NtkOptions options;
  options.keep_gram = true;
  auto result = ComputeNtkReference(*net, g.Get("x"), options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->num_gradient_entries,
            scalars["num_grad_params"].get<int64_t>());
  const at::Tensor& ref_gram = g.Get("ntk_gram");
  const double gram_rel = (result->gram - ref_gram).abs().max().item<double>() /
                          ref_gram.abs().max().item<double>();
  EXPECT_LT(gram_rel, 1e-4);
  // Symmetric up to the BLAS's blocking (OpenBLAS and MKL sum G·Gᵀ's two
  // triangles in different orders).
  EXPECT_LE((result->gram - result->gram.t()).abs().max().item<double>(),
            1e-6 * result->gram.abs().max().item<double>());
  const double kappa_ref = scalars["kappa_official"].get<double>();
  EXPECT_NEAR(result->kappa, kappa_ref, 1e-4 * kappa_ref);

  // fp64 Gram/eigen reproduces the fp64 value of the fixture closely.
  options.fp64 = true;
  auto result64 = ComputeNtkReference(*net, g.Get("x"), options);
  ASSERT_TRUE(result64.ok());
  const double kappa64 = scalars["kappa_fp64"].get<double>();
  EXPECT_NEAR(result64->kappa, kappa64, 5e-5 * kappa64);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, NtkGoldenTest,
                         ::testing::Values("nb201_ntk_supernet",
                                           "nb201_ntk_arch_best",
                                           "nb201_ntk_arch_skip",
                                           "nb201_ntk_arch_mixed"));

TEST(NtkTest, PerSampleGradientsMatchOriginalRows) {
  testing::GoldenFixture g = testing::LoadGolden("nb201_ntk_supernet");
  auto net = Nb201NtkNetFromGolden(g);
  net->train();
  at::Tensor logits = net->forward(g.Get("x"));
  auto params = net->WeightParameters();
  const at::Tensor& ref = g.Get("per_sample_grads");
  for (int64_t b : {0, 17, 71}) {
    auto grads =
        torch::autograd::grad({logits[b].sum()}, params, {}, true, false, true);
    std::vector<at::Tensor> flat;
    for (auto& t : grads) {
      if (t.defined()) flat.push_back(t.reshape({-1}));
    }
    at::Tensor row = torch::cat(flat);
    const double rel = (row - ref[b]).abs().max().item<double>() /
                       ref[b].abs().max().item<double>();
    EXPECT_LT(rel, 1e-4) << "row " << b;
  }
}

TEST(NtkTest, HealthyNetworkHasKappaAtLeastOne) {
  std::shared_ptr<Nb201SearchNetwork> net;
  nn::RunSeeded(5, [&] {
    net = std::make_shared<Nb201SearchNetwork>(nn::Nb201NtkConfig(10));
  });
  auto result = ComputeNtkReference(*net, torch::randn({16, 3, 32, 32}));
  ASSERT_TRUE(result.ok());
  EXPECT_GE(result->kappa, 1.0);
  EXPECT_GT(result->lambda_min, 0.0);
}

TEST(NtkTest, KappaFromGramHandlesDegenerateSpectra) {
  // Zero matrix: 0/0 = NaN -> 100000, as numpy.nan_to_num in the original.
  EXPECT_EQ(KappaFromGram(torch::zeros({3, 3})).kappa, kNanKappa);
  // Exactly singular PSD matrix in fp64: λmin = 0 -> +inf -> DBL_MAX.
  at::Tensor g = torch::tensor({{1.0, 1.0}, {1.0, 1.0}}, torch::kFloat64);
  const double k = KappaFromGram(g).kappa;
  EXPECT_TRUE(k == std::numeric_limits<double>::max() || k < 0 || k > 1e15);
  // Diagonal: exact ratio.
  EXPECT_DOUBLE_EQ(
      KappaFromGram(torch::diag(torch::tensor({2.0, 8.0}, torch::kFloat64)))
          .kappa,
      4.0);
  EXPECT_EQ(NanToNumKappa(std::nan("")), kNanKappa);
  EXPECT_EQ(NanToNumKappa(-std::numeric_limits<double>::infinity()),
            std::numeric_limits<double>::lowest());
}

TEST(NtkTest, CancellationStopsBetweenBackwardPasses) {
  std::shared_ptr<Nb201SearchNetwork> net;
  nn::RunSeeded(5, [&] {
    net = std::make_shared<Nb201SearchNetwork>(nn::Nb201NtkConfig(10));
  });
  std::atomic<bool> cancel{true};
  NtkOptions options;
  options.cancel = &cancel;
  auto result =
      ComputeNtkReference(*net, torch::randn({8, 3, 32, 32}), options);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled);
}

TEST(NtkTest, RejectsEmptyBatch) {
  std::shared_ptr<Nb201SearchNetwork> net;
  nn::RunSeeded(5, [&] {
    net = std::make_shared<Nb201SearchNetwork>(nn::Nb201NtkConfig(10));
  });
  EXPECT_EQ(
      ComputeNtkReference(*net, torch::randn({0, 3, 32, 32})).status().code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tenas::measures
