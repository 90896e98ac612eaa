// Copyright 2026 The tenas Authors.
//
// TapeBackward against autograd: the rows it gives for R one-hot
// cotangents at once are the per-sample gradients autograd computes one
// sample at a time, on NB201 and DARTS networks; parameters the backward
// cannot reach are reported as such, as autograd's allow_unused does.

#include "tenas/measures/internal/tape_backward.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "tenas/nn/darts_network.h"
#include "tenas/nn/init.h"
#include "tenas/nn/nb201_network.h"
#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"

namespace tenas::measures {
namespace {

// Autograd's gradient of Σ_k logits[b, k] with respect to every tape
// parameter (undefined when unused), on a fresh forward of `net`.
std::vector<at::Tensor> AutogradRow(nn::SearchNetwork& net, const at::Tensor& x,
                                    const std::vector<at::Tensor>& params,
                                    int64_t b) {
  const at::Tensor logits = net.forward(x);
  return torch::autograd::grad({logits[b].sum()}, params, {},
                               /*retain_graph=*/false,
                               /*create_graph=*/false, /*allow_unused=*/true);
}

// Records `net` on a tape, runs TapeBackward for rows start..start+rows-1
// and checks each row against autograd on a copy with the same weights and
// running statistics.
void ExpectRowsMatchAutograd(nn::SearchNetwork& net, nn::SearchNetwork& twin,
                             const at::Tensor& x, int64_t start, int64_t rows) {
  net.train();
  twin.train();
  nn::ForwardTape tape;
  const int logits = net.RecordForward(tape, x);
  const std::vector<bool> reached = TapeReachedParams(tape, logits);
  const std::vector<at::Tensor> grads = TapeBackward(tape, logits, start, rows);
  ASSERT_EQ(grads.size(), tape.params().size());
  // The twin's parameters in the tape's order.
  std::vector<at::Tensor> twin_params;
  const auto net_params = net.named_parameters();
  const auto twin_named = twin.named_parameters();
  for (const at::Tensor& p : tape.params()) {
    for (const auto& item : net_params) {
      if (item.value().unsafeGetTensorImpl() == p.unsafeGetTensorImpl()) {
        twin_params.push_back(twin_named[item.key()]);
      }
    }
  }
  ASSERT_EQ(twin_params.size(), tape.params().size());
  for (int64_t r = 0; r < rows; ++r) {
    const std::vector<at::Tensor> expected =
        AutogradRow(twin, x, twin_params, start + r);
    // Errors relative to the row's largest entry: some weights' grads are
    // zero up to rounding (e.g. before a one-channel batch norm), and
    // their rounding noise differs between any two summation orders.
    double row_scale = 0;
    for (const at::Tensor& e : expected) {
      if (e.defined()) {
        row_scale = std::max(row_scale, e.abs().max().item<double>());
      }
    }
    for (size_t i = 0; i < grads.size(); ++i) {
      EXPECT_EQ(reached[i], expected[i].defined()) << "param " << i;
      EXPECT_EQ(grads[i].defined(), expected[i].defined()) << "param " << i;
      if (!expected[i].defined()) continue;
      const at::Tensor want = expected[i].reshape({-1});
      const at::Tensor got = grads[i][r];
      EXPECT_LT((got - want).abs().max().item<double>() / row_scale, 1e-5)
          << "row " << start + r << " param " << i;
    }
  }
}

template <typename Net, typename Config>
std::shared_ptr<Net> Seeded(uint64_t seed, const Config& config) {
  std::shared_ptr<Net> net;
  nn::RunSeeded(seed, [&] { net = std::make_shared<Net>(config); });
  return net;
}

TEST(TapeBackwardTest, Nb201SupernetRowsMatchAutograd) {
  auto net = Seeded<nn::Nb201SearchNetwork>(2, nn::Nb201NtkConfig(10));
  auto twin = Seeded<nn::Nb201SearchNetwork>(2, nn::Nb201NtkConfig(10));
  torch::manual_seed(3);
  ExpectRowsMatchAutograd(*net, *twin, torch::randn({6, 3, 32, 32}), 2, 3);
}

TEST(TapeBackwardTest, UnreachedWeightsGetNoGradient) {
  // Node 2 feeds nothing (its only outgoing edge is `none`), so the convs
  // on the edges into it run but never reach the logits.
  auto arch = nb201::ParseArchitecture(
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|avg_pool_3x3~0|"
      "skip_connect~1|none~2|");
  ASSERT_TRUE(arch.ok());
  auto net = Seeded<nn::Nb201SearchNetwork>(4, nn::Nb201NtkConfig(10));
  auto twin = Seeded<nn::Nb201SearchNetwork>(4, nn::Nb201NtkConfig(10));
  net->SetAlphas(nn::Nb201ArchitectureAlphas(*arch));
  twin->SetAlphas(nn::Nb201ArchitectureAlphas(*arch));
  torch::manual_seed(5);
  const at::Tensor x = torch::randn({4, 3, 32, 32});
  ExpectRowsMatchAutograd(*net, *twin, x, 0, 4);
  nn::ForwardTape tape;
  const std::vector<bool> reached =
      TapeReachedParams(tape, net->RecordForward(tape, x));
  EXPECT_NE(std::count(reached.begin(), reached.end(), false), 0);
}

TEST(TapeBackwardTest, DartsRowsMatchAutograd) {
  auto net = Seeded<nn::DartsSearchNetwork>(6, nn::DartsNtkConfig(10));
  auto twin = Seeded<nn::DartsSearchNetwork>(6, nn::DartsNtkConfig(10));
  torch::manual_seed(7);
  const at::Tensor x = torch::randn({4, 3, 32, 32});
  ExpectRowsMatchAutograd(*net, *twin, x, 1, 2);
  const darts::Genotype g = darts::TenasCifar10Genotype();
  for (auto* n : {net.get(), twin.get()}) {
    n->SetAlphas(nn::DartsGenotypeAlphas(g, false),
                 nn::DartsGenotypeAlphas(g, true));
  }
  ExpectRowsMatchAutograd(*net, *twin, x, 0, 4);
}

TEST(TapeBackwardTest, EveryRowOfTheBatchCanBeComputed) {
  auto net = Seeded<nn::Nb201SearchNetwork>(8, nn::Nb201NtkConfig(10));
  net->train();
  torch::manual_seed(9);
  nn::ForwardTape tape;
  const int logits = net->RecordForward(tape, torch::randn({5, 3, 32, 32}));
  // One pass of all 5 rows equals five passes of one row each.
  const auto all = TapeBackward(tape, logits, 0, 5);
  for (int64_t b = 0; b < 5; ++b) {
    const auto one = TapeBackward(tape, logits, b, 1);
    for (size_t i = 0; i < all.size(); ++i) {
      if (!all[i].defined()) continue;
      EXPECT_TRUE(torch::allclose(all[i][b], one[i][0], 1e-5, 1e-7))
          << "row " << b << " param " << i;
    }
  }
}

}  // namespace
}  // namespace tenas::measures
