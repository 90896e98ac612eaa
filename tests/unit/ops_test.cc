// Copyright 2026 The tenas Authors.
//
// Cell building blocks (nn/ops.h): a mixed edge equals the per-op weighted
// sum of the spec exactly, whether it scales once (1, 2 or 4 live ops of
// equal weight) or per op, and the shared ReLU changes nothing.

#include "tenas/nn/ops.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <array>
#include <memory>
#include <vector>

#include "tenas/nn/init.h"
#include "tenas/nn/nb201_network.h"

namespace tenas::nn {
namespace {

// The NB201 ops of one edge (3 -> 3 channels, in op order: none, skip,
// conv 1x1, conv 3x3, avg pool), seeded.
std::vector<std::shared_ptr<CellOp>> Nb201EdgeOps() {
  std::vector<std::shared_ptr<CellOp>> ops;
  const auto recorder = std::make_shared<ActivationRecorder>();
  RunSeeded(11, [&] {
    ops.push_back(std::make_shared<Zero>(1));
    ops.push_back(std::make_shared<Identity>());
    ops.push_back(std::make_shared<ReLUConvBN>(recorder, 3, 3, 1, 1, 0, 1));
    ops.push_back(std::make_shared<ReLUConvBN>(recorder, 3, 3, 3, 1, 1, 1));
    ops.push_back(std::make_shared<Pooling>(recorder, 3, 3, 1));
  });
  for (auto& op : ops) op->train();
  return ops;
}

// The spec's formula: Σ over live ops of w·op(x), one product per op.
at::Tensor PerOpSum(const std::vector<std::shared_ptr<CellOp>>& ops,
                    const std::array<float, nb201::kNumOps>& w,
                    const at::Tensor& x) {
  at::Tensor sum;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (!(w[i] > kActiveThreshold)) continue;
    at::Tensor term = ops[i]->forward(x) * w[i];
    sum = sum.defined() ? sum + term : term;
  }
  return sum;
}

TEST(MixedEdgeTest, EqualsPerOpProductsExactly) {
  const auto ops = Nb201EdgeOps();
  const at::Tensor x = torch::randn({4, 3, 8, 8});
  // 1, 2, 3 and 4 live ops (softmax of 0 / -1000 alphas), and unequal
  // weights: the once-scaled and the per-op forms give the same bits.
  const std::vector<std::array<float, nb201::kNumOps>> cases = {
      {0.f, 0.f, 0.f, 1.f, 0.f},
      {0.f, 0.5f, 0.f, 0.f, 0.5f},
      {0.f, 1 / 3.f, 1 / 3.f, 1 / 3.f, 0.f},
      {0.f, .25f, .25f, .25f, .25f},
      {0.f, 0.1f, 0.2f, 0.3f, 0.4f}};
  for (const auto& w : cases) {
    for (const bool share : {false, true}) {
      at::Tensor relu_x;
      const at::Tensor mixed = MixedEdge(ops, w, x, share, &relu_x);
      EXPECT_TRUE(at::equal(mixed, PerOpSum(ops, w, x)))
          << "weights " << w[1] << " " << w[2] << " " << w[3] << " " << w[4]
          << (share ? ", shared ReLU" : "");
    }
  }
}

TEST(MixedEdgeTest, NoLiveOpGivesUndefined) {
  const auto ops = Nb201EdgeOps();
  at::Tensor relu_x;
  EXPECT_FALSE(MixedEdge(ops, std::array<float, nb201::kNumOps>{},
                         torch::randn({2, 3, 4, 4}), true, &relu_x)
                   .defined());
}

TEST(MixedEdgeTest, SharedReluIsComputedOnceForTheInput) {
  const auto ops = Nb201EdgeOps();
  const at::Tensor x = torch::randn({2, 3, 4, 4});
  at::Tensor relu_x;
  MixedEdge(ops, {0.f, .25f, .25f, .25f, .25f}, x, true, &relu_x);
  ASSERT_TRUE(relu_x.defined());
  EXPECT_TRUE(at::equal(relu_x, torch::relu(x)));
  // Without sharing the cache is left alone.
  at::Tensor untouched;
  MixedEdge(ops, {0.f, .25f, .25f, .25f, .25f}, x, false, &untouched);
  EXPECT_FALSE(untouched.defined());
}

}  // namespace
}  // namespace tenas::nn
