// Copyright 2026 The tenas Authors.
//
// The per-operator backward for R cotangents (replica_backward.h) against
// ATen's backward run once per replica, and its in-place forms (added into
// an existing gradient with a factor) against the plain ones.

#include "tenas/measures/internal/replica_backward.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

namespace tenas::measures::replica {
namespace {

double MaxRelDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>() /
         std::max(b.abs().max().item<double>(), 1e-30);
}

struct ConvCase {
  int64_t ci, co, k, stride, padding, dilation, groups;
};

TEST(ReplicaBackwardTest, ConvolutionMatchesAtenPerReplica) {
  torch::manual_seed(1);
  const int64_t R = 3, B = 4, H = 8, W = 8;
  // Direct loops (3x3 and 1x1, strides 1 and 2) and oneDNN (depthwise,
  // dilated, wide).
  for (const ConvCase& c : std::vector<ConvCase>{{3, 6, 3, 1, 1, 1, 1},
                                                 {6, 6, 1, 1, 0, 1, 1},
                                                 {3, 6, 3, 2, 1, 1, 1},
                                                 {4, 4, 3, 1, 2, 2, 4},
                                                 {40, 40, 3, 1, 1, 1, 1}}) {
    const at::Tensor x = at::randn({B, c.ci, H, W});
    const at::Tensor w = at::randn({c.co, c.ci / c.groups, c.k, c.k});
    const at::Tensor y =
        at::conv2d(x, w, {}, c.stride, c.padding, c.dilation, c.groups);
    const at::Tensor g = at::randn({R, B, c.co, y.size(2), y.size(3)});
    auto [gi, gw] = ConvolutionBackward(
        g, x, w, {c.stride, c.stride}, {c.padding, c.padding},
        {c.dilation, c.dilation}, {0, 0}, c.groups, true, true);
    for (int64_t r = 0; r < R; ++r) {
      auto [ri, rw, rb] = at::convolution_backward(
          g[r], x, w, c10::nullopt, {c.stride, c.stride},
          {c.padding, c.padding}, {c.dilation, c.dilation}, false, {0, 0},
          c.groups, {true, true, false});
      EXPECT_LT(MaxRelDiff(gi[r], ri), 1e-5) << "ci " << c.ci << " r " << r;
      EXPECT_LT(MaxRelDiff(gw[r], rw), 1e-5) << "ci " << c.ci << " r " << r;
    }
    // In place: into += 0.5 · input grad, where the loops run; else the
    // grad comes back and `into` is left alone.
    const at::Tensor before = at::randn(gi.sizes());
    at::Tensor into = before.clone();
    auto [added, unused] = ConvolutionBackward(
        g, x, w, {c.stride, c.stride}, {c.padding, c.padding},
        {c.dilation, c.dilation}, {0, 0}, c.groups, true, false, into, 0.5);
    EXPECT_FALSE(unused.defined());
    if (added.defined()) {
      EXPECT_TRUE(at::equal(into, before));
      EXPECT_LT(MaxRelDiff(added, gi), 1e-6);
    } else {
      EXPECT_LT(MaxRelDiff(into, before + 0.5 * gi), 1e-5);
    }
  }
}

TEST(ReplicaBackwardTest, ReluAndAvgPoolAddIntoAnExistingGradient) {
  torch::manual_seed(2);
  const int64_t R = 2, B = 3, C = 3, H = 6, W = 6;
  const at::Tensor y = at::relu(at::randn({B, C, H, W}));
  const at::Tensor g = at::randn({R, B, C, H, W});
  ASSERT_TRUE(ReluBackwardSupported(g, y));
  const at::Tensor plain = ReluBackward(g, y);
  EXPECT_TRUE(at::equal(plain, at::threshold_backward(g, y.unsqueeze(0), 0)));
  const at::Tensor before = at::randn({R, B, C, H, W});
  at::Tensor into = before.clone();
  EXPECT_FALSE(ReluBackward(g, y, into, 2.0).defined());
  EXPECT_LT(MaxRelDiff(into, before + 2.0 * plain), 1e-6);
  // A channels-last target cannot be added into: a new tensor comes back.
  at::Tensor strided =
      before.permute({0, 1, 3, 4, 2}).contiguous().permute({0, 1, 4, 2, 3});
  EXPECT_TRUE(ReluBackward(g, y, strided, 2.0).defined());

  const at::Tensor pooled = AvgPoolBackward(g, H, W, {3, 3}, {1, 1}, {1, 1},
                                            /*count_include_pad=*/false);
  into = before.clone();
  EXPECT_FALSE(
      AvgPoolBackward(g, H, W, {3, 3}, {1, 1}, {1, 1}, false, into, 0.25)
          .defined());
  EXPECT_LT(MaxRelDiff(into, before + 0.25 * pooled), 1e-6);
  // Other pools run on ATen and return their grad.
  const at::Tensor g2 = at::randn({R, B, C, H / 2, W / 2});
  const at::Tensor down =
      AvgPoolBackward(g2, H, W, {2, 2}, {2, 2}, {0, 0}, true, into, 0.25);
  ASSERT_TRUE(down.defined());
  EXPECT_EQ(down.sizes(), (std::vector<int64_t>{R, B, C, H, W}));
}

}  // namespace
}  // namespace tenas::measures::replica
