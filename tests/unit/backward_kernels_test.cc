// Copyright 2026 The tenas Authors.
//
// The fast NTK's CPU backward kernels against the ATen operators they
// replace, on random data: batch-norm backward (train mode), ReLU backward
// from NCHW and channels-last cotangents, and the 3x3 average-pool backward
// with and without padding in the count; float and double, and the channel
// counts with and without a specialised loop.

#include "tenas/measures/internal/backward_kernels.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace tenas::measures::kernels {
namespace {

template <typename T>
T* Ptr(const at::Tensor& t) {
  return t.data_ptr<T>();
}

double MaxRelDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>() /
         std::max(b.abs().max().item<double>(), 1e-30);
}

// (channels, dtype is double)
class BackwardKernelsTest
    : public ::testing::TestWithParam<std::tuple<int64_t, bool>> {
 protected:
  void SetUp() override { torch::manual_seed(7); }
  int64_t C() const { return std::get<0>(GetParam()); }
  at::ScalarType Type() const {
    return std::get<1>(GetParam()) ? at::kDouble : at::kFloat;
  }
  double Tol() const { return std::get<1>(GetParam()) ? 1e-12 : 2e-5; }
};

TEST_P(BackwardKernelsTest, BatchNormMatchesAten) {
  const int64_t R = 3, B = 5, C = this->C(), H = 6, W = 7;
  const auto opts = at::TensorOptions().dtype(Type());
  const at::Tensor x = at::randn({B, C, H, W}, opts) * 2 + 0.5;
  const at::Tensor gamma = at::rand({C}, opts) + 0.5;
  const at::Tensor g = at::randn({R, B, C, H, W}, opts);
  const auto fwd = at::native_batch_norm(x, gamma, {}, {}, {}, true, 0.1, 1e-5);
  const at::Tensor mean = std::get<1>(fwd), invstd = std::get<2>(fwd);
  at::Tensor gi = at::empty({R, B, H, W, C}, opts);  // channels-last
  at::Tensor gw = at::empty({R, C}, opts), gb = at::empty({R, C}, opts);
  AT_DISPATCH_FLOATING_TYPES(Type(), "test", [&] {
    BatchNormBackward<scalar_t>(
        Ptr<scalar_t>(g), Ptr<scalar_t>(x), Ptr<scalar_t>(mean),
        Ptr<scalar_t>(invstd), Ptr<scalar_t>(gamma), R, B, C, H * W,
        Ptr<scalar_t>(gi), true, Ptr<scalar_t>(gw), Ptr<scalar_t>(gb));
  });
  for (int64_t r = 0; r < R; ++r) {
    const auto ref = at::native_batch_norm_backward(
        g[r], x, gamma, {}, {}, mean, invstd, true, 1e-5, {true, true, true});
    EXPECT_LT(MaxRelDiff(gi[r].permute({0, 3, 1, 2}), std::get<0>(ref)), Tol())
        << "replica " << r;
    EXPECT_LT(MaxRelDiff(gw[r], std::get<1>(ref)), Tol());
    EXPECT_LT(MaxRelDiff(gb[r], std::get<2>(ref)), Tol());
  }
}

TEST_P(BackwardKernelsTest, BatchNormNchwOutputEqualsChannelsLast) {
  const int64_t R = 2, B = 3, C = this->C(), H = 4, W = 9;
  const auto opts = at::TensorOptions().dtype(Type());
  const at::Tensor x = at::randn({B, C, H, W}, opts);
  const at::Tensor g = at::randn({R, B, C, H, W}, opts);
  const auto fwd = at::native_batch_norm(x, {}, {}, {}, {}, true, 0.1, 1e-5);
  at::Tensor cl = at::empty({R, B, H, W, C}, opts);
  at::Tensor nchw = at::empty({R, B, C, H, W}, opts);
  AT_DISPATCH_FLOATING_TYPES(Type(), "test", [&] {
    for (const bool channels_last : {true, false}) {
      BatchNormBackward<scalar_t>(
          Ptr<scalar_t>(g), Ptr<scalar_t>(x), Ptr<scalar_t>(std::get<1>(fwd)),
          Ptr<scalar_t>(std::get<2>(fwd)), nullptr, R, B, C, H * W,
          Ptr<scalar_t>(channels_last ? cl : nchw), channels_last, nullptr,
          nullptr);
    }
  });
  EXPECT_TRUE(at::equal(cl.permute({0, 1, 4, 2, 3}), nchw));
}

TEST_P(BackwardKernelsTest, BatchNormWithoutAffineOrOutputs) {
  const int64_t R = 2, B = 4, C = this->C(), H = 5, W = 5;
  const auto opts = at::TensorOptions().dtype(Type());
  const at::Tensor x = at::randn({B, C, H, W}, opts);
  const at::Tensor g = at::randn({R, B, C, H, W}, opts);
  const auto fwd = at::native_batch_norm(x, {}, {}, {}, {}, true, 0.1, 1e-5);
  at::Tensor gi = at::empty({R, B, H, W, C}, opts);
  AT_DISPATCH_FLOATING_TYPES(Type(), "test", [&] {
    BatchNormBackward<scalar_t>(
        Ptr<scalar_t>(g), Ptr<scalar_t>(x), Ptr<scalar_t>(std::get<1>(fwd)),
        Ptr<scalar_t>(std::get<2>(fwd)), nullptr, R, B, C, H * W,
        Ptr<scalar_t>(gi), true, nullptr, nullptr);
  });
  for (int64_t r = 0; r < R; ++r) {
    const auto ref = at::native_batch_norm_backward(
        g[r], x, {}, {}, {}, std::get<1>(fwd), std::get<2>(fwd), true, 1e-5,
        {true, false, false});
    EXPECT_LT(MaxRelDiff(gi[r].permute({0, 3, 1, 2}), std::get<0>(ref)), Tol());
  }
}

TEST_P(BackwardKernelsTest, ReluMatchesThresholdBackwardFromBothLayouts) {
  const int64_t R = 3, B = 4, C = this->C(), H = 5, W = 6;
  const auto opts = at::TensorOptions().dtype(Type());
  at::Tensor y = at::relu(at::randn({B, C, H, W}, opts));
  // ATen's rule at the edges: y <= 0 gives 0, NaN passes the gradient.
  y.view(-1)[0] = std::numeric_limits<double>::quiet_NaN();
  const at::Tensor g = at::randn({R, B, C, H, W}, opts);
  const at::Tensor ref = at::threshold_backward(g, y.unsqueeze(0), 0);
  for (const bool channels_last : {false, true}) {
    const at::Tensor src =
        channels_last ? g.permute({0, 1, 3, 4, 2}).contiguous() : g;
    at::Tensor out = at::empty({R, B, C, H, W}, opts);
    AT_DISPATCH_FLOATING_TYPES(Type(), "test", [&] {
      ReluBackward<scalar_t>(Ptr<scalar_t>(src), channels_last,
                             Ptr<scalar_t>(y), R, B, C, H * W,
                             Ptr<scalar_t>(out));
    });
    EXPECT_TRUE(at::equal(out, ref)) << "channels_last " << channels_last;
  }
}

TEST_P(BackwardKernelsTest, ReluAccumulatesScaledIntoItsOutput) {
  const int64_t R = 2, B = 3, C = this->C(), H = 4, W = 5;
  const auto opts = at::TensorOptions().dtype(Type());
  const at::Tensor y = at::relu(at::randn({B, C, H, W}, opts));
  const at::Tensor g = at::randn({R, B, C, H, W}, opts);
  const at::Tensor before = at::randn({R, B, C, H, W}, opts);
  const at::Tensor ref =
      before + 0.25 * at::threshold_backward(g, y.unsqueeze(0), 0);
  for (const bool channels_last : {false, true}) {
    const at::Tensor src =
        channels_last ? g.permute({0, 1, 3, 4, 2}).contiguous() : g;
    at::Tensor out = before.clone();
    AT_DISPATCH_FLOATING_TYPES(Type(), "test", [&] {
      ReluBackward<scalar_t>(
          Ptr<scalar_t>(src), channels_last, Ptr<scalar_t>(y), R, B, C, H * W,
          Ptr<scalar_t>(out), /*accumulate=*/true, scalar_t(0.25));
    });
    EXPECT_LT(MaxRelDiff(out, ref), Tol()) << "channels_last " << channels_last;
  }
}

TEST_P(BackwardKernelsTest, AvgPoolAccumulatesScaledIntoItsOutput) {
  const int64_t N = 2 * this->C(), H = 6, W = 4;
  const auto opts = at::TensorOptions().dtype(Type());
  const at::Tensor x = at::randn({N, 1, H, W}, opts);
  const at::Tensor g = at::randn({N, 1, H, W}, opts);
  const at::Tensor before = at::randn({N, 1, H, W}, opts);
  const at::Tensor ref =
      before + 0.5 * at::avg_pool2d_backward(g, x, {3, 3}, {1, 1}, {1, 1},
                                             false, false, c10::nullopt);
  at::Tensor out = before.clone();
  AT_DISPATCH_FLOATING_TYPES(Type(), "test", [&] {
    AvgPool3x3Backward<scalar_t>(Ptr<scalar_t>(g), N, H, W, false,
                                 Ptr<scalar_t>(out), /*accumulate=*/true,
                                 scalar_t(0.5));
  });
  EXPECT_LT(MaxRelDiff(out, ref), Tol());
}

TEST_P(BackwardKernelsTest, AvgPoolMatchesAten) {
  const int64_t N = 2 * this->C(), H = 7, W = 5;
  const auto opts = at::TensorOptions().dtype(Type());
  const at::Tensor x = at::randn({N, 1, H, W}, opts);
  const at::Tensor g = at::randn({N, 1, H, W}, opts);
  for (const bool include_pad : {false, true}) {
    const at::Tensor ref = at::avg_pool2d_backward(
        g, x, {3, 3}, {1, 1}, {1, 1}, false, include_pad, c10::nullopt);
    at::Tensor out = at::empty_like(g);
    AT_DISPATCH_FLOATING_TYPES(Type(), "test", [&] {
      AvgPool3x3Backward<scalar_t>(Ptr<scalar_t>(g), N, H, W, include_pad,
                                   Ptr<scalar_t>(out));
    });
    EXPECT_LT(MaxRelDiff(out, ref), Tol())
        << "count_include_pad " << include_pad;
  }
}

INSTANTIATE_TEST_SUITE_P(
    ChannelsAndTypes, BackwardKernelsTest,
    ::testing::Combine(::testing::Values<int64_t>(1, 3, 5, 12),
                       ::testing::Bool()),
    [](const ::testing::TestParamInfo<std::tuple<int64_t, bool>>& info) {
      // StrCat: GCC 12 in C++20 (LibTorch 2.x) warns falsely on
      // "C" + std::to_string(...) (-Wstringop-overflow).
      return absl::StrCat("C", std::get<0>(info.param),
                          std::get<1>(info.param) ? "Double" : "Float");
    });

}  // namespace
}  // namespace tenas::measures::kernels
