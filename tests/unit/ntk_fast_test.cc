// Copyright 2026 The tenas Authors.
//
// The fast NTK (the explicit backward over a recorded forward, and the
// vmap-batched autograd backward it replaced) against the reference path and
// the original code's fixtures: same rows, Gram and κ on NB201 architectures,
// the NB201 supernet and DARTS networks, whatever the number of rows per pass.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tenas/measures/ntk.h"
#include "tenas/nn/darts_network.h"
#include "tenas/nn/init.h"
#include "tenas/nn/nb201_network.h"
#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"
#include "testing/golden.h"
#include "testing/golden_networks.h"

namespace tenas::measures {
namespace {

double RelDiff(double a, double b) { return std::abs(a - b) / std::abs(b); }

double GramRelDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>() / b.abs().max().item<double>();
}

std::shared_ptr<nn::SearchNetwork> Nb201Net(const std::string& arch,
                                            uint64_t seed) {
  std::shared_ptr<nn::Nb201SearchNetwork> net;
  nn::RunSeeded(seed, [&] {
    net = std::make_shared<nn::Nb201SearchNetwork>(nn::Nb201NtkConfig(10));
  });
  if (!arch.empty()) {
    auto parsed = nb201::ParseArchitecture(arch);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    net->SetAlphas(nn::Nb201ArchitectureAlphas(*parsed));
  }
  return net;
}

std::shared_ptr<nn::SearchNetwork> DartsNet(bool genotype, uint64_t seed) {
  std::shared_ptr<nn::DartsSearchNetwork> net;
  nn::RunSeeded(seed, [&] {
    net = std::make_shared<nn::DartsSearchNetwork>(nn::DartsNtkConfig(10));
  });
  if (genotype) {
    const darts::Genotype g = darts::TenasCifar10Genotype();
    net->SetAlphas(nn::DartsGenotypeAlphas(g, false),
                   nn::DartsGenotypeAlphas(g, true));
  }
  return net;
}

// Checks fast against reference on one network and batch, in fp32 and fp64.
void ExpectAgreement(nn::SearchNetwork& net, const at::Tensor& batch,
                     int replicas_per_pass, bool check_fp64 = true) {
  NtkOptions options;
  options.keep_gram = true;
  options.replicas_per_pass = replicas_per_pass;
  auto ref = ComputeNtkReference(net, batch, options);
  auto fast = ComputeNtkFast(net, batch, options);
  ASSERT_TRUE(ref.ok()) << ref.status();
  ASSERT_TRUE(fast.ok()) << fast.status();
  EXPECT_EQ(fast->num_gradient_entries, ref->num_gradient_entries);
  EXPECT_LT(GramRelDiff(fast->gram, ref->gram), 1e-5);
  EXPECT_LT(RelDiff(fast->kappa, ref->kappa), 1e-3)
      << "fast " << fast->kappa << " reference " << ref->kappa;
  const int64_t B = batch.size(0);
  EXPECT_EQ(fast->backward_passes,
            (B + replicas_per_pass - 1) / replicas_per_pass);
  EXPECT_EQ(ref->backward_passes, B);
  if (!check_fp64) return;

  options.fp64 = true;
  auto ref64 = ComputeNtkReference(net, batch, options);
  auto fast64 = ComputeNtkFast(net, batch, options);
  ASSERT_TRUE(ref64.ok() && fast64.ok());
  EXPECT_LT(RelDiff(fast64->kappa, ref64->kappa), 1e-4)
      << "fast " << fast64->kappa << " reference " << ref64->kappa;
}

class NtkFastNb201Test : public ::testing::TestWithParam<const char*> {};

TEST_P(NtkFastNb201Test, AgreesWithReference) {
  auto net = Nb201Net(GetParam(), 7);
  torch::manual_seed(11);
  ExpectAgreement(*net, torch::randn({24, 3, 32, 32}), 5);
}

INSTANTIATE_TEST_SUITE_P(
    Architectures, NtkFastNb201Test,
    ::testing::Values(
        "",  // the supernet: every op alive
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|"
        "nor_conv_3x3~1|nor_conv_3x3~2|",
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|"
        "avg_pool_3x3~1|nor_conv_3x3~2|",
        "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|"
        "skip_connect~1|skip_connect~2|",
        "|nor_conv_1x1~0|+|none~0|avg_pool_3x3~1|+|nor_conv_3x3~0|none~1|"
        "nor_conv_1x1~2|",
        "|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|none~0|nor_conv_1x1~1|"
        "skip_connect~2|",
        // Node 2 is computed but feeds nothing: its weights are unused.
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|avg_pool_3x3~0|"
        "skip_connect~1|none~2|"));

TEST(NtkFastTest, SupernetAtPaperBatchSizeInOnePass) {
  auto net = Nb201Net("", 3);
  torch::manual_seed(5);
  ExpectAgreement(*net, torch::randn({72, 3, 32, 32}), 72,
                  /*check_fp64=*/false);
}

TEST(NtkFastTest, DartsSupernetAgreesWithReference) {
  auto net = DartsNet(false, 1);
  torch::manual_seed(2);
  ExpectAgreement(*net, torch::randn({14, 3, 32, 32}), 4);
}

TEST(NtkFastTest, DartsGenotypeNetworkAgreesWithReference) {
  auto net = DartsNet(true, 4);
  torch::manual_seed(3);
  ExpectAgreement(*net, torch::randn({14, 3, 32, 32}), 14);
}

// The previous fast path (vmap over the autograd backward), kept for
// comparison: it still agrees with the reference, and with the explicit
// backward up to float rounding.
TEST(NtkFastTest, VmapBackwardAgreesWithTheExplicitOne) {
  for (bool darts : {false, true}) {
    auto net = darts ? DartsNet(false, 2) : Nb201Net("", 2);
    torch::manual_seed(6);
    const at::Tensor batch = torch::randn({12, 3, 32, 32});
    NtkOptions options;
    options.keep_gram = true;
    options.replicas_per_pass = 4;
    auto explicit_result = ComputeNtkFast(*net, batch, options);
    options.explicit_backward = false;
    auto vmap_result = ComputeNtkFast(*net, batch, options);
    auto ref = ComputeNtkReference(*net, batch, options);
    ASSERT_TRUE(explicit_result.ok() && vmap_result.ok() && ref.ok());
    EXPECT_EQ(vmap_result->num_gradient_entries,
              explicit_result->num_gradient_entries);
    EXPECT_LT(GramRelDiff(vmap_result->gram, ref->gram), 1e-5);
    EXPECT_LT(GramRelDiff(explicit_result->gram, vmap_result->gram), 1e-5);
    EXPECT_LT(RelDiff(explicit_result->kappa, vmap_result->kappa), 1e-3)
        << (darts ? "DARTS" : "NB201");
  }
}

TEST(NtkFastTest, RowsPerPassDoNotChangeTheResult) {
  auto net = Nb201Net("", 9);
  torch::manual_seed(9);
  const at::Tensor batch = torch::randn({10, 3, 32, 32});
  NtkOptions options;
  options.keep_gram = true;
  options.replicas_per_pass = 10;
  auto whole = ComputeNtkFast(*net, batch, options);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->backward_passes, 1);
  for (int r : {1, 3, 7}) {
    options.replicas_per_pass = r;
    auto part = ComputeNtkFast(*net, batch, options);
    ASSERT_TRUE(part.ok());
    EXPECT_EQ(part->backward_passes, (10 + r - 1) / r);
    EXPECT_LT(GramRelDiff(part->gram, whole->gram), 1e-6) << r;
  }
}

TEST(NtkFastTest, MemoryBudgetBoundsTheRowsPerPass) {
  auto net = Nb201Net("", 1);
  const at::Tensor batch = torch::randn({8, 3, 32, 32});
  NtkOptions options;
  options.replicas_per_pass = 8;
  options.max_memory_bytes = 1;  // below one row: one row per pass
  auto result = ComputeNtkFast(*net, batch, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->backward_passes, 8);
}

TEST(NtkFastTest, JointPassesGiveEachNetworkItsOwnRows) {
  // A search's origin and candidate: same weights, one op removed.
  auto origin = Nb201Net("", 6);
  auto candidate = Nb201Net(
      "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|"
      "nor_conv_3x3~1|nor_conv_1x1~2|",
      6);
  candidate->CopyParametersFrom(*origin);
  torch::manual_seed(4);
  const at::Tensor batch = torch::randn({12, 3, 32, 32});
  NtkOptions options;
  options.keep_gram = true;
  options.replicas_per_pass = 5;
  auto joint =
      ComputeNtkFastJoint({origin.get(), candidate.get()}, batch, options);
  ASSERT_TRUE(joint.ok()) << joint.status();
  ASSERT_EQ(joint->size(), 2u);
  EXPECT_EQ((*joint)[0].backward_passes, 3);
  for (int i = 0; i < 2; ++i) {
    nn::SearchNetwork& net = i == 0 ? *origin : *candidate;
    auto alone = ComputeNtkFast(net, batch, options);
    auto ref = ComputeNtkReference(net, batch, options);
    ASSERT_TRUE(alone.ok() && ref.ok());
    EXPECT_EQ((*joint)[i].num_gradient_entries, alone->num_gradient_entries);
    EXPECT_LT(GramRelDiff((*joint)[i].gram, alone->gram), 1e-6) << i;
    EXPECT_LT(RelDiff((*joint)[i].kappa, ref->kappa), 1e-3) << i;
  }
  EXPECT_GT(RelDiff((*joint)[0].kappa, (*joint)[1].kappa), 1e-3);
  EXPECT_EQ(ComputeNtkFastJoint({}, batch).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(NtkFastTest, JointPassesTakeOneBatchPerNetwork) {
  // Several candidates of a round in one pass: each network has its own
  // weights and its own batch.
  auto a = Nb201Net("", 7);
  auto b = Nb201Net(
      "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|"
      "nor_conv_3x3~1|nor_conv_1x1~2|",
      8);
  torch::manual_seed(5);
  const at::Tensor batch_a = torch::randn({10, 3, 32, 32});
  const at::Tensor batch_b = torch::randn({10, 3, 32, 32});
  NtkOptions options;
  options.keep_gram = true;
  options.replicas_per_pass = 4;
  auto joint =
      ComputeNtkFastJoint({{a.get(), batch_a}, {b.get(), batch_b}}, options);
  ASSERT_TRUE(joint.ok()) << joint.status();
  ASSERT_EQ(joint->size(), 2u);
  EXPECT_EQ((*joint)[1].backward_passes, 3);
  auto alone_a = ComputeNtkFast(*a, batch_a, options);
  auto alone_b = ComputeNtkFast(*b, batch_b, options);
  ASSERT_TRUE(alone_a.ok() && alone_b.ok());
  // Same rows per pass: the same kernels on the same shapes.
  EXPECT_LT(GramRelDiff((*joint)[0].gram, alone_a->gram), 1e-6);
  EXPECT_LT(GramRelDiff((*joint)[1].gram, alone_b->gram), 1e-6);
  // b on a's batch differs from b on its own: the batches were not mixed.
  auto b_on_a = ComputeNtkFast(*b, batch_a, options);
  ASSERT_TRUE(b_on_a.ok());
  EXPECT_GT(GramRelDiff(b_on_a->gram, alone_b->gram), 1e-3);

  auto mismatched = ComputeNtkFastJoint(
      {{a.get(), batch_a}, {b.get(), torch::randn({6, 3, 32, 32})}});
  EXPECT_EQ(mismatched.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(mismatched.status().message()).find("batch"),
            std::string::npos);
  EXPECT_EQ(ComputeNtkFastJoint({{nullptr, batch_a}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(NtkFastTest, CancelledAndInvalidInputs) {
  auto net = Nb201Net("", 1);
  std::atomic<bool> cancel{true};
  NtkOptions options;
  options.cancel = &cancel;
  EXPECT_EQ(ComputeNtkFast(*net, torch::randn({4, 3, 32, 32}), options)
                .status()
                .code(),
            absl::StatusCode::kCancelled);
  EXPECT_EQ(ComputeNtkFast(*net, torch::randn({0, 3, 32, 32})).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ComputeNtkFast(*net, torch::randn({3, 32, 32})).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(NtkFastTest, BackwardOutsideTheFastPathIsUnaffected) {
  // The batched rules are process-wide; a plain backward after a fast NTK
  // must still give autograd's gradients.
  auto net = Nb201Net("", 2);
  const at::Tensor batch = torch::randn({6, 3, 32, 32});
  ASSERT_TRUE(ComputeNtkFast(*net, batch).ok());
  net->zero_grad();
  net->forward(batch).sum().backward();
  std::vector<at::Tensor> first;
  for (const auto& p : net->WeightParameters()) {
    first.push_back(p.grad().defined() ? p.grad().clone() : at::Tensor());
  }
  auto ref = ComputeNtkReference(*net, batch);  // does not touch .grad
  ASSERT_TRUE(ref.ok());
  net->zero_grad();
  net->forward(batch).sum().backward();
  const auto params = net->WeightParameters();
  for (size_t i = 0; i < params.size(); ++i) {
    if (!first[i].defined()) continue;
    EXPECT_TRUE(torch::allclose(params[i].grad(), first[i]));
  }
}

TEST(NtkFastTest, ConcurrentCallsOnSeveralThreadsAgreeWithSequentialOnes) {
  // Each thread has its own network; vmap levels must not collide.
  constexpr int kThreads = 4;
  std::vector<std::shared_ptr<nn::SearchNetwork>> nets;
  std::vector<at::Tensor> batches;
  std::vector<double> sequential;
  for (int t = 0; t < kThreads; ++t) {
    nets.push_back(Nb201Net("", 20 + t));
    batches.push_back(torch::randn({6, 3, 32, 32}));
    auto r = ComputeNtkFast(*nets.back(), batches.back());
    ASSERT_TRUE(r.ok()) << r.status();
    sequential.push_back(r->kappa);
  }
  std::vector<absl::StatusOr<NtkResult>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      at::set_num_threads(1);
      for (int i = 0; i < 3; ++i) {
        NtkOptions options;
        options.replicas_per_pass = 2;
        results[t] = ComputeNtkFast(*nets[t], batches[t], options);
        if (!results[t].ok()) return;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_TRUE(results[t].ok()) << results[t].status();
    EXPECT_LT(RelDiff(results[t]->kappa, sequential[t]), 1e-4);
  }
}

// With more than one LibTorch thread the backward passes (and the networks
// of a joint call) spread over threads; every pass computes the same bits
// whichever thread runs it, so κ and the Gram are bit for bit those of one
// thread. The supernet's resblocks put strided convolutions in the passes.
TEST(NtkFastTest, ThreadCountDoesNotChangeTheBits) {
  auto a = Nb201Net("", 31);
  auto b = Nb201Net(
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|"
      "nor_conv_3x3~1|nor_conv_3x3~2|",
      32);
  torch::manual_seed(33);
  const at::Tensor batch_a = torch::randn({16, 3, 32, 32});
  const at::Tensor batch_b = torch::randn({16, 3, 32, 32});
  NtkOptions options;
  options.keep_gram = true;
  options.replicas_per_pass = 3;  // 6 passes per network, the last short
  const int saved = at::get_num_threads();
  std::vector<std::vector<NtkResult>> runs;
  for (int threads : {1, 2, 3}) {
    at::set_num_threads(threads);
    auto r =
        ComputeNtkFastJoint({{a.get(), batch_a}, {b.get(), batch_b}}, options);
    ASSERT_TRUE(r.ok()) << r.status();
    runs.push_back(*std::move(r));
  }
  at::set_num_threads(saved);
  for (size_t t = 1; t < runs.size(); ++t) {
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(runs[t][i].kappa, runs[0][i].kappa) << t << " " << i;
      EXPECT_TRUE(at::equal(runs[t][i].gram, runs[0][i].gram)) << t << " " << i;
    }
  }
  auto ref = ComputeNtkReference(*a, batch_a, options);
  ASSERT_TRUE(ref.ok());
  EXPECT_LT(RelDiff(runs[1][0].kappa, ref->kappa), 1e-3);
}

TEST(NtkFastTest, AnErrorInOnePassOnAThreadIsReported) {
  auto net = Nb201Net("", 34);
  torch::manual_seed(35);
  std::atomic<bool> cancel{true};
  NtkOptions options;
  options.replicas_per_pass = 2;
  options.cancel = &cancel;
  const int saved = at::get_num_threads();
  at::set_num_threads(2);
  auto r = ComputeNtkFast(*net, torch::randn({8, 3, 32, 32}), options);
  at::set_num_threads(saved);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kCancelled);
}

// The original code's NTK fixtures, through the fast path.
class NtkFastGoldenTest : public ::testing::TestWithParam<const char*> {};

TEST_P(NtkFastGoldenTest, MatchesOriginalCode) {
  testing::GoldenFixture g = testing::LoadGolden(GetParam());
  auto net = testing::Nb201NtkNetFromGolden(g);
  NtkOptions options;
  options.keep_gram = true;
  auto result = ComputeNtkFast(*net, g.Get("x"), options);
  ASSERT_TRUE(result.ok()) << result.status();
  const auto& scalars = g.manifest["expected_scalars"];
  EXPECT_LT(GramRelDiff(result->gram, g.Get("ntk_gram")), 1e-4);
  const double kappa_ref = scalars["kappa_official"].get<double>();
  EXPECT_NEAR(result->kappa, kappa_ref, 1e-4 * kappa_ref);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, NtkFastGoldenTest,
                         ::testing::Values("nb201_ntk_supernet",
                                           "nb201_ntk_arch_best",
                                           "nb201_ntk_arch_skip",
                                           "nb201_ntk_arch_mixed"));

}  // namespace
}  // namespace tenas::measures
