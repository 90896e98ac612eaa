// Copyright 2026 The tenas Authors.
//
// ForwardTape and the networks' RecordForward: the recorded forward gives
// the module forward's logits and moves the batch norms' running statistics
// the same way; the tape's parameters are the weights the forward used.

#include "tenas/nn/forward_tape.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <memory>
#include <string>

#include "tenas/nn/darts_network.h"
#include "tenas/nn/init.h"
#include "tenas/nn/nb201_network.h"
#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"

namespace tenas::nn {
namespace {

template <typename Net, typename Config>
std::shared_ptr<Net> Seeded(uint64_t seed, const Config& config) {
  std::shared_ptr<Net> net;
  RunSeeded(seed, [&] { net = std::make_shared<Net>(config); });
  net->train();
  return net;
}

double MaxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

// Runs forward() on one copy and RecordForward() on another of the same
// network; the logits and every buffer (running statistics, batch
// counters) must agree.
void ExpectSameForward(SearchNetwork& module_net, SearchNetwork& tape_net,
                       const at::Tensor& x) {
  ASSERT_TRUE(tape_net.CanRecordForward());
  at::Tensor logits;
  {
    torch::NoGradGuard no_grad;
    logits = module_net.forward(x);
  }
  ForwardTape tape;
  const int out = tape_net.RecordForward(tape, x);
  ASSERT_GE(out, 0);
  const at::Tensor& recorded = tape.value(out);
  ASSERT_EQ(recorded.sizes(), logits.sizes());
  EXPECT_LT(MaxAbsDiff(recorded, logits),
            1e-5 * (1.0 + logits.abs().max().item<double>()));
  EXPECT_FALSE(recorded.requires_grad());
  const auto a = module_net.named_buffers();
  const auto b = tape_net.named_buffers();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].key(), b[i].key());
    EXPECT_LT(MaxAbsDiff(a[i].value().to(torch::kDouble),
                         b[i].value().to(torch::kDouble)),
              1e-6)
        << a[i].key();
  }
}

TEST(ForwardTapeTest, Nb201SupernetRecordsItsForward) {
  auto a = Seeded<Nb201SearchNetwork>(3, Nb201NtkConfig(10));
  auto b = Seeded<Nb201SearchNetwork>(3, Nb201NtkConfig(10));
  torch::manual_seed(1);
  ExpectSameForward(*a, *b, torch::randn({6, 3, 32, 32}));
}

TEST(ForwardTapeTest, Nb201ArchitecturesRecordTheirForward) {
  for (const char* text :
       {"|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|"
        "avg_pool_3x3~1|nor_conv_3x3~2|",
        "|nor_conv_1x1~0|+|none~0|none~1|+|none~0|none~1|none~2|"}) {
    auto arch = nb201::ParseArchitecture(text);
    ASSERT_TRUE(arch.ok());
    auto a = Seeded<Nb201SearchNetwork>(5, Nb201NtkConfig(10));
    auto b = Seeded<Nb201SearchNetwork>(5, Nb201NtkConfig(10));
    a->SetAlphas(Nb201ArchitectureAlphas(*arch));
    b->SetAlphas(Nb201ArchitectureAlphas(*arch));
    torch::manual_seed(2);
    ExpectSameForward(*a, *b, torch::randn({4, 3, 32, 32}));
  }
}

TEST(ForwardTapeTest, DartsNetworksRecordTheirForward) {
  auto a = Seeded<DartsSearchNetwork>(1, DartsNtkConfig(10));
  auto b = Seeded<DartsSearchNetwork>(1, DartsNtkConfig(10));
  torch::manual_seed(4);
  const at::Tensor x = torch::randn({4, 3, 32, 32});
  ExpectSameForward(*a, *b, x);
  // A genotype: max pools, skips and factorized reductions.
  const darts::Genotype g = darts::TenasCifar10Genotype();
  for (auto* net : {a.get(), b.get()}) {
    net->SetAlphas(DartsGenotypeAlphas(g, false), DartsGenotypeAlphas(g, true));
  }
  ExpectSameForward(*a, *b, x);
}

TEST(ForwardTapeTest, ParametersAreTheWeightsTheForwardUsed) {
  auto net = Seeded<Nb201SearchNetwork>(0, Nb201NtkConfig(10));
  auto arch = nb201::ParseArchitecture(
      "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|"
      "skip_connect~1|skip_connect~2|");
  ASSERT_TRUE(arch.ok());
  net->SetAlphas(Nb201ArchitectureAlphas(*arch));
  ForwardTape tape;
  net->RecordForward(tape, torch::randn({2, 3, 32, 32}));
  // Skips only: the stem (conv, BN), two residual blocks (conv_a: conv, BN;
  // conv_b: conv, BN; the downsample conv) and the head (BN, classifier).
  EXPECT_EQ(tape.params().size(), 2u + 2u * 5u + 2u);
  const auto weights = net->WeightParameters();
  for (const at::Tensor& p : tape.params()) {
    bool named = false;
    for (const at::Tensor& w : weights) {
      named = named || w.unsafeGetTensorImpl() == p.unsafeGetTensorImpl();
    }
    EXPECT_TRUE(named) << "a tape parameter that is not a weight";
  }
  // The ops are in topological order: each reads only earlier values.
  for (const TapeOp& op : tape.ops()) {
    for (int in : op.inputs) EXPECT_LT(in, op.output);
  }
}

TEST(ForwardTapeTest, SumAppliesCoefficientsThenTheScale) {
  ForwardTape tape;
  const int a = tape.Input(torch::full({2}, 1.0f));
  const int b = tape.Input(torch::full({2}, 3.0f));
  const int s = tape.Sum({a, b}, {2.0f, 0.5f}, 0.25f);
  EXPECT_TRUE(torch::allclose(tape.value(s), torch::full({2}, 0.875f)));
  const int shifted = tape.ShiftCrop(
      tape.Input(torch::arange(9, torch::kFloat32).view({1, 1, 3, 3})));
  EXPECT_TRUE(torch::equal(
      tape.value(shifted),
      torch::tensor({4.0f, 5.0f, 0.0f, 7.0f, 8.0f, 0.0f, 0.0f, 0.0f, 0.0f})
          .view({1, 1, 3, 3})));
}

}  // namespace
}  // namespace tenas::nn
