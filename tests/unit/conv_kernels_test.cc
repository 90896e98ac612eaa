// Copyright 2026 The tenas Authors.
//
// The direct convolution loops (conv_kernels.h) against ATen's convolution
// and its weight grad, on random data, for every vector instruction set this
// CPU has (and the 128-bit loops, which run everywhere), float and double,
// at TE-NAS's shapes and at odd ones (planes narrower than a vector, Ci !=
// Co, channel counts with no tile of their own).

#include "tenas/measures/internal/conv_kernels.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <tuple>
#include <vector>

#include "tenas/measures/internal/conv_kernels_testing.h"

namespace tenas::measures::kernels {
namespace {

struct Shape {
  int64_t N, Ci, Co, H, W, K;
};

std::string Name(const Shape& s) {
  return std::to_string(s.Ci) + "to" + std::to_string(s.Co) + "_" +
         std::to_string(s.H) + "x" + std::to_string(s.W) + "_k" +
         std::to_string(s.K);
}

const Shape kShapes[] = {
    {5, 3, 3, 32, 32, 3}, {4, 6, 6, 16, 16, 3}, {4, 12, 12, 8, 8, 3},
    {3, 5, 7, 8, 4, 3},   {3, 7, 5, 4, 8, 1},   {2, 16, 32, 8, 16, 3},
    {3, 3, 6, 16, 16, 1}, {2, 1, 1, 4, 4, 3},   {3, 12, 12, 8, 8, 1},
};

// Random input and weights of a convolution of shape s, and its padding.
struct RandomConv {
  at::Tensor x, w;
  int64_t pad;
  RandomConv(const Shape& s, at::ScalarType type)
      : x(at::randn({s.N, s.Ci, s.H, s.W}, at::TensorOptions().dtype(type))),
        w(at::randn({s.Co, s.Ci, s.K, s.K}, at::TensorOptions().dtype(type))),
        pad((s.K - 1) / 2) {}
};

double MaxRelDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>() /
         std::max(b.abs().max().item<double>(), 1e-30);
}

// (instruction set, double); each test runs every shape of kShapes.
class ConvKernelsTest
    : public ::testing::TestWithParam<std::tuple<std::string, bool>> {
 protected:
  void SetUp() override {
    torch::manual_seed(11);
    SetSmallConvIsaForTesting(std::get<0>(GetParam()));
  }
  void TearDown() override { SetSmallConvIsaForTesting(""); }
  at::ScalarType Type() const {
    return std::get<1>(GetParam()) ? at::kDouble : at::kFloat;
  }
  double Tol() const { return std::get<1>(GetParam()) ? 1e-12 : 2e-5; }
  bool Supported(const Shape& s) const {
    return SmallConvSupported(s.K, s.Ci, s.Co, s.H, s.W,
                              std::get<1>(GetParam()) ? 8 : 4);
  }
  // The shapes this instruction set's vectors tile; at least the TE-NAS
  // ones, so no test passes by skipping everything.
  std::vector<Shape> Shapes() const {
    std::vector<Shape> shapes;
    for (const Shape& s : kShapes) {
      if (Supported(s)) shapes.push_back(s);
    }
    EXPECT_GE(shapes.size(), 3u);
    return shapes;
  }
  // Calls fn(shape, random data, options) for every shape of Shapes().
  template <typename Fn>
  void ForEachCase(Fn fn) const {
    for (const Shape& s : Shapes()) {
      SCOPED_TRACE(Name(s));
      fn(s, RandomConv(s, Type()), at::TensorOptions().dtype(Type()));
    }
  }
};

TEST_P(ConvKernelsTest, ForwardMatchesAten) {
  ForEachCase(
      [&](const Shape& s, const RandomConv& c, const at::TensorOptions& opts) {
        const at::Tensor &x = c.x, &w = c.w;
        const int64_t pad = c.pad;
        const at::Tensor ref = at::conv2d(x, w, {}, 1, pad);
        at::Tensor out = at::full({s.N, s.Co, s.H, s.W}, 7.0, opts);
        AT_DISPATCH_FLOATING_TYPES(Type(), "test", [&] {
          SmallConvForward<scalar_t>(x.data_ptr<scalar_t>(),
                                     w.data_ptr<scalar_t>(), s.N, s.Ci, s.Co,
                                     s.H, s.W, s.K, out.data_ptr<scalar_t>());
        });
        EXPECT_LT(MaxRelDiff(out, ref), Tol());
      });
}

TEST_P(ConvKernelsTest, ForwardAccumulatesIntoItsOutput) {
  ForEachCase(
      [&](const Shape& s, const RandomConv& c, const at::TensorOptions& opts) {
        const at::Tensor before = at::randn({s.N, s.Co, s.H, s.W}, opts);
        const at::Tensor ref = before + at::conv2d(c.x, c.w, {}, 1, c.pad);
        at::Tensor out = before.clone();
        AT_DISPATCH_FLOATING_TYPES(Type(), "test", [&] {
          SmallConvForward<scalar_t>(c.x.data_ptr<scalar_t>(),
                                     c.w.data_ptr<scalar_t>(), s.N, s.Ci, s.Co,
                                     s.H, s.W, s.K, out.data_ptr<scalar_t>(),
                                     /*accumulate=*/true);
        });
        EXPECT_LT(MaxRelDiff(out, ref), Tol());
      });
}

TEST_P(ConvKernelsTest, WeightGradMatchesAtenForEveryReplicaCount) {
  ForEachCase(
      [&](const Shape& s, const RandomConv& c, const at::TensorOptions& opts) {
        const at::Tensor &x = c.x, &w = c.w;
        const int64_t pad = c.pad;
        for (int64_t R : {1, 2, 3, 4, 8}) {  // tasks of 1, 2 and 4 replicas
          const at::Tensor g = at::randn({R, s.N, s.Co, s.H, s.W}, opts);
          at::Tensor gw = at::full({R, s.Co, s.Ci, s.K, s.K}, 7.0, opts);
          AT_DISPATCH_FLOATING_TYPES(Type(), "test", [&] {
            SmallConvWeightGrad<scalar_t>(
                g.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(), R, s.N, s.Ci,
                s.Co, s.H, s.W, s.K, gw.data_ptr<scalar_t>());
          });
          for (int64_t r = 0; r < R; ++r) {
            const at::Tensor ref = std::get<1>(at::convolution_backward(
                g[r], x, w, c10::nullopt, {1, 1}, {pad, pad}, {1, 1}, false,
                {0, 0}, 1, {false, true, false}));
            EXPECT_LT(MaxRelDiff(gw[r], ref), Tol()) << "R=" << R << " r=" << r;
          }
        }
      });
}

// Thread counts change how the work is split, never the sums: results are
// bit for bit the same (the fast NTK's passes rely on it).
TEST_P(ConvKernelsTest, ThreadCountDoesNotChangeTheBits) {
  ForEachCase(
      [&](const Shape& s, const RandomConv& c, const at::TensorOptions& opts) {
        const at::Tensor &x = c.x, &w = c.w;
        const int64_t R = 4;
        const at::Tensor g = at::randn({R, s.N, s.Co, s.H, s.W}, opts);
        std::vector<at::Tensor> outs, gws;
        const int threads = at::get_num_threads();
        for (int t : {1, 2, 3}) {
          at::set_num_threads(t);
          at::Tensor out = at::empty({s.N, s.Co, s.H, s.W}, opts);
          at::Tensor gw = at::empty({R, s.Co, s.Ci, s.K, s.K}, opts);
          AT_DISPATCH_FLOATING_TYPES(Type(), "test", [&] {
            SmallConvForward<scalar_t>(x.data_ptr<scalar_t>(),
                                       w.data_ptr<scalar_t>(), s.N, s.Ci, s.Co,
                                       s.H, s.W, s.K, out.data_ptr<scalar_t>());
            SmallConvWeightGrad<scalar_t>(
                g.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(), R, s.N, s.Ci,
                s.Co, s.H, s.W, s.K, gw.data_ptr<scalar_t>());
          });
          outs.push_back(out);
          gws.push_back(gw);
        }
        at::set_num_threads(threads);
        for (size_t i = 1; i < outs.size(); ++i) {
          EXPECT_TRUE(at::equal(outs[i], outs[0]));
          EXPECT_TRUE(at::equal(gws[i], gws[0]));
        }
      });
}

TEST_P(ConvKernelsTest, RowGramMatchesMatmul) {
  const auto opts = at::TensorOptions().dtype(Type());
  // Row counts around the 4 x 4 tiles, column counts around the vectors.
  for (int64_t B : {1, 4, 7, 72}) {
    for (int64_t P : {1, 17, 256, 1001}) {
      SCOPED_TRACE(std::to_string(B) + "x" + std::to_string(P));
      const at::Tensor rows = at::randn({B, P}, opts);
      at::Tensor out = at::full({B, B}, 7.0, opts);
      AT_DISPATCH_FLOATING_TYPES(Type(), "test", [&] {
        RowGram<scalar_t>(rows.data_ptr<scalar_t>(), B, P,
                          out.data_ptr<scalar_t>());
      });
      EXPECT_LT(MaxRelDiff(out, rows.mm(rows.t())), Tol());
      EXPECT_TRUE(at::equal(out, out.t()));
    }
  }
}

std::vector<std::string> IsasUnderTest() {
  std::vector<std::string> isas = SmallConvIsas();
  if (std::find(isas.begin(), isas.end(), "baseline") == isas.end()) {
    isas.push_back("baseline");
  }
  return isas;
}

INSTANTIATE_TEST_SUITE_P(
    Isas, ConvKernelsTest,
    ::testing::Combine(::testing::ValuesIn(IsasUnderTest()), ::testing::Bool()),
    [](const auto& info) {
      return std::get<0>(info.param) +
             (std::get<1>(info.param) ? "_double" : "_float");
    });

TEST(ConvKernelsSupportTest, RejectsWhatTheLoopsDoNotDo) {
  EXPECT_FALSE(SmallConvSupported(5, 3, 3, 16, 16, 4));  // 5x5 kernel
  EXPECT_FALSE(SmallConvSupported(3, kSmallConvMaxChannels + 1, 3, 16, 16, 4));
  EXPECT_FALSE(SmallConvSupported(3, 3, kSmallConvMaxChannels + 1, 16, 16, 4));
  EXPECT_FALSE(SmallConvSupported(3, 3, 3, 7, 7, 4));    // no vector tiles 7
  EXPECT_FALSE(SmallConvSupported(3, 3, 3, 16, 16, 2));  // half floats
  EXPECT_FALSE(SmallConvSupported(3, 0, 3, 16, 16, 4));
}

TEST(ConvKernelsSupportTest, TakesTeNasShapesOnVectorCpus) {
  if (SmallConvIsas().size() < 2) GTEST_SKIP() << "no AVX2 on this CPU";
  for (int64_t K : {1, 3}) {
    EXPECT_TRUE(SmallConvSupported(K, 3, 3, 32, 32, 4));
    EXPECT_TRUE(SmallConvSupported(K, 6, 6, 16, 16, 4));
    EXPECT_TRUE(SmallConvSupported(K, 12, 12, 8, 8, 8));
  }
}

}  // namespace
}  // namespace tenas::measures::kernels
