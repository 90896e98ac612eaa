// Copyright 2026 The tenas Authors.

#include "tenas/measures/internal/replica_backward.h"

#include <algorithm>
#include <array>
#include <vector>

#include "tenas/measures/internal/backward_kernels.h"
#include "tenas/measures/internal/conv_kernels.h"

namespace tenas::measures::replica {
namespace {

using at::Tensor;

bool CpuFloating(const Tensor& t) {
  return t.device().is_cpu() &&
         (t.scalar_type() == at::kFloat || t.scalar_type() == at::kDouble);
}

}  // namespace

bool CanAccumulateInto(const Tensor& into, at::IntArrayRef sizes,
                       const Tensor& like) {
  return into.defined() && CpuFloating(into) &&
         into.scalar_type() == like.scalar_type() && into.is_contiguous() &&
         into.sizes() == sizes;
}

namespace {

// The backward of a direct convolution (see DirectConvolution) for R
// cotangents g ([R, B, Co, Ho, Wo]). A strided convolution's grads are those
// of the stride-1 one whose output grads are g spread onto the input grid
// (g at every stride-th pixel, zeros between): out[i] reads the input at
// stride·i + tap - p, which is where the stride-1 output stride·i reads.
std::pair<Tensor, Tensor> DirectConvolutionBackward(
    const Tensor& g, const Tensor& input, const Tensor& weight, int64_t stride,
    bool input_grad, bool weight_grad, const Tensor& into, double into_scale) {
  const int64_t R = g.size(0), B = g.size(1), Co = g.size(2);
  const int64_t H = input.size(2), W = input.size(3);
  const int64_t Ci = weight.size(1), K = weight.size(2);
  Tensor gc;
  if (stride == 1) {
    gc = g.contiguous();
  } else {
    gc = at::zeros({R, B, Co, H, W}, g.options());
    gc.slice(3, 0, g.size(3) * stride, stride)
        .slice(4, 0, g.size(4) * stride, stride)
        .copy_(g);
  }
  Tensor grad_input, grad_weight;
  AT_DISPATCH_FLOATING_TYPES(gc.scalar_type(), "tenas_direct_conv", [&] {
    if (input_grad) {
      // The input grad is the "same" convolution of the output grads with
      // the flipped kernel, input and output channels swapped (and scaled,
      // when added to `into`).
      const bool add = CanAccumulateInto(into, {R, B, Ci, H, W}, gc);
      Tensor flipped = weight.transpose(0, 1).flip({2, 3}).contiguous();
      if (add && into_scale != 1.0) flipped.mul_(into_scale);
      if (!add) grad_input = at::empty({R, B, Ci, H, W}, gc.options());
      kernels::SmallConvForward<scalar_t>(
          gc.data_ptr<scalar_t>(), flipped.data_ptr<scalar_t>(), R * B, Co, Ci,
          H, W, K,
          add ? into.data_ptr<scalar_t>() : grad_input.data_ptr<scalar_t>(),
          add);
    }
    if (weight_grad) {
      const Tensor x = input.contiguous();
      grad_weight = at::empty({R, Co, Ci, K, K}, gc.options());
      kernels::SmallConvWeightGrad<scalar_t>(
          gc.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(), R, B, Ci, Co, H, W,
          K, grad_weight.data_ptr<scalar_t>());
    }
  });
  return {grad_input, grad_weight};
}

}  // namespace

bool DirectConvolution(at::IntArrayRef weight_sizes, int64_t H, int64_t W,
                       at::IntArrayRef stride, at::IntArrayRef padding,
                       at::IntArrayRef dilation, bool transposed,
                       int64_t groups, const Tensor& like) {
  if (weight_sizes.size() != 4 || transposed || groups != 1 ||
      stride.size() != 2 || stride[0] != stride[1] || stride[0] < 1 ||
      !CpuFloating(like)) {
    return false;
  }
  const int64_t K = weight_sizes[2];
  const auto all = [](at::IntArrayRef v, int64_t value) {
    return std::all_of(v.begin(), v.end(),
                       [&](int64_t e) { return e == value; });
  };
  return weight_sizes[3] == K && all(dilation, 1) &&
         all(padding, (K - 1) / 2) &&
         kernels::SmallConvSupported(K, weight_sizes[1], weight_sizes[0], H, W,
                                     static_cast<int64_t>(like.element_size()));
}

std::pair<Tensor, Tensor> ConvolutionBackward(
    const Tensor& g, const Tensor& input, const Tensor& weight,
    at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation,
    at::IntArrayRef output_padding, int64_t groups, bool input_grad,
    bool weight_grad, const Tensor& into, double into_scale) {
  if (DirectConvolution(weight.sizes(), input.size(2), input.size(3), stride,
                        padding, dilation, /*transposed=*/false, groups, g)) {
    return DirectConvolutionBackward(g, input, weight, stride[0], input_grad,
                                     weight_grad, into, into_scale);
  }
  const int64_t R = g.size(0), B = g.size(1), Co = g.size(2);
  const int64_t Ho = g.size(3), Wo = g.size(4);
  const int64_t G = groups, Ci = weight.size(1) * G;
  const int64_t kh = weight.size(2), kw = weight.size(3);
  const auto kChannelsLast = at::MemoryFormat::ChannelsLast;
  Tensor grad_input, grad_weight;
  if (input_grad) {
    const Tensor flat =
        g.reshape({R * B, Co, Ho, Wo}).contiguous(kChannelsLast);
    const bool same_padding = stride[0] == 1 && stride[1] == 1 &&
                              2 * padding[0] == dilation[0] * (kh - 1) &&
                              2 * padding[1] == dilation[1] * (kw - 1);
    Tensor gi;
    if (same_padding) {
      // The input grad of a stride-1 "same" convolution is the convolution
      // of the output grad with the flipped kernel, transposed per group.
      const Tensor flipped = weight.view({G, Co / G, Ci / G, kh, kw})
                                 .transpose(1, 2)
                                 .flip({3, 4})
                                 .reshape({Ci, Co / G, kh, kw})
                                 .contiguous(kChannelsLast);
      gi = at::convolution(flat, flipped, {}, stride, padding, dilation,
                           /*transposed=*/false, {0, 0}, groups);
    } else {
      // Strided: oneDNN's backward-data convolution, which reads only the
      // input's shape (LibTorch's transposed convolution would run on BLAS).
      const Tensor shape_only =
          at::empty({R * B, Ci, input.size(2), input.size(3)},
                    input.options().memory_format(kChannelsLast));
      gi = std::get<0>(at::convolution_backward(
          flat, shape_only, weight.contiguous(kChannelsLast), c10::nullopt,
          stride, padding, dilation, /*transposed=*/false, output_padding,
          groups, {true, false, false}));
    }
    // Left channels-last: its consumer is (nearly always) the ReLU before
    // the convolution, which reads that layout.
    grad_input = gi.view({R, B, Ci, input.size(2), input.size(3)});
  }
  if (weight_grad && g.select(0, 0).is_contiguous(kChannelsLast)) {
    // Channels-last cotangents: one oneDNN weight-grad convolution per
    // replica against the channels-last input (stacking the replicas as
    // output channels would copy every cotangent).
    const Tensor x = input.contiguous(kChannelsLast);
    std::vector<Tensor> parts;
    parts.reserve(R);
    for (int64_t r = 0; r < R; ++r) {
      parts.push_back(std::get<1>(at::convolution_backward(
          g.select(0, r), x, weight, c10::nullopt, stride, padding, dilation,
          false, output_padding, groups, {false, true, false})));
    }
    grad_weight = at::stack(parts);
  } else if (weight_grad) {
    // Replicas become output channels, group-major: [B, G*R*Co/G, Ho, Wo].
    const Tensor stacked = g.reshape({R, B, G, Co / G, Ho, Wo})
                               .permute({1, 2, 0, 3, 4, 5})
                               .reshape({B, G * R * (Co / G), Ho, Wo});
    const Tensor shape_only =
        at::empty({G * R * (Co / G), Ci / G, kh, kw}, weight.options());
    const Tensor gw = std::get<1>(at::convolution_backward(
        stacked, input, shape_only, c10::nullopt, stride, padding, dilation,
        false, output_padding, groups, {false, true, false}));
    grad_weight = gw.view({G, R, Co / G, Ci / G, kh, kw})
                      .transpose(0, 1)
                      .reshape({R, Co, Ci / G, kh, kw});
  }
  return {grad_input, grad_weight};
}

bool BatchNormBackwardSupported(const Tensor& g, const Tensor& x) {
  return x.dim() == 4 && g.dim() == 5 && CpuFloating(x) &&
         g.device().is_cpu() && g.scalar_type() == x.scalar_type();
}

BatchNormGrads BatchNormBackward(const Tensor& g_in, const Tensor& x_in,
                                 const Tensor& save_mean,
                                 const Tensor& save_invstd,
                                 const Tensor& gamma_in,
                                 bool input_channels_last,
                                 std::array<bool, 3> mask) {
  const Tensor g = g_in.contiguous();  // [R, B, C, H, W]
  const Tensor x = x_in.contiguous();
  const int64_t R = g.size(0), B = x.size(0), C = x.size(1);
  const int64_t H = x.size(2), W = x.size(3);
  const Tensor mean = save_mean.contiguous().to(x.scalar_type());
  const Tensor invstd = save_invstd.contiguous().to(x.scalar_type());
  const bool affine = gamma_in.defined();
  const Tensor gamma = affine ? gamma_in.contiguous() : Tensor();
  BatchNormGrads out;
  if (mask[0]) {
    out.input = input_channels_last ? at::empty({R, B, H, W, C}, g.options())
                                    : at::empty({R, B, C, H, W}, g.options());
  }
  if (mask[1] && affine) out.gamma = at::empty({R, C}, x.options());
  if (mask[2] && affine) out.beta = at::empty({R, C}, x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "tenas_bn_backward", [&] {
    kernels::BatchNormBackward<scalar_t>(
        g.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(),
        mean.data_ptr<scalar_t>(), invstd.data_ptr<scalar_t>(),
        affine ? gamma.data_ptr<scalar_t>() : nullptr, R, B, C, H * W,
        out.input.defined() ? out.input.data_ptr<scalar_t>() : nullptr,
        input_channels_last,
        out.gamma.defined() ? out.gamma.data_ptr<scalar_t>() : nullptr,
        out.beta.defined() ? out.beta.data_ptr<scalar_t>() : nullptr);
  });
  if (out.input.defined() && input_channels_last) {
    out.input = out.input.permute({0, 1, 4, 2, 3});  // [R, B, C, H, W]
  }
  return out;
}

bool ReluBackwardSupported(const Tensor& g, const Tensor& y) {
  return y.dim() == 4 && g.dim() == 5 && CpuFloating(y) &&
         g.device().is_cpu() && g.scalar_type() == y.scalar_type() &&
         g.sizes().slice(1) == y.sizes();
}

Tensor ReluBackward(const Tensor& g, const Tensor& self, const Tensor& into,
                    double into_scale) {
  const int64_t R = g.size(0), B = g.size(1), C = g.size(2);
  const int64_t hw = g.size(3) * g.size(4);
  // Channels-last per (replica, sample), as the convolution backward gives.
  const bool g_channels_last =
      !g.is_contiguous() && g.permute({0, 1, 3, 4, 2}).is_contiguous();
  const Tensor gc = g_channels_last ? g : g.contiguous();
  const Tensor y = self.contiguous();
  const bool add = CanAccumulateInto(into, g.sizes(), g);
  Tensor out = add ? Tensor() : at::empty(g.sizes(), g.options());
  AT_DISPATCH_FLOATING_TYPES(y.scalar_type(), "tenas_relu_backward", [&] {
    kernels::ReluBackward<scalar_t>(
        gc.data_ptr<scalar_t>(), g_channels_last, y.data_ptr<scalar_t>(), R, B,
        C, hw, add ? into.data_ptr<scalar_t>() : out.data_ptr<scalar_t>(), add,
        static_cast<scalar_t>(into_scale));
  });
  return out;
}

Tensor AvgPoolBackward(const Tensor& g, int64_t H, int64_t W,
                       at::IntArrayRef kernel, at::IntArrayRef stride,
                       at::IntArrayRef padding, bool count_include_pad,
                       const Tensor& into, double into_scale) {
  const int64_t R = g.size(0), B = g.size(1), C = g.size(2);
  const bool box3 = kernel.size() == 2 && kernel[0] == 3 && kernel[1] == 3 &&
                    stride.size() == 2 && stride[0] == 1 && stride[1] == 1 &&
                    padding.size() == 2 && padding[0] == 1 && padding[1] == 1;
  const Tensor gc = g.contiguous();  // a convolution's may be channels-last
  Tensor out;
  if (box3 && CpuFloating(gc)) {
    const bool add = CanAccumulateInto(into, {R, B, C, H, W}, gc);
    if (!add) out = at::empty({R, B, C, H, W}, gc.options());
    AT_DISPATCH_FLOATING_TYPES(
        gc.scalar_type(), "tenas_avg_pool_backward", [&] {
          kernels::AvgPool3x3Backward<scalar_t>(
              gc.data_ptr<scalar_t>(), R * B * C, H, W, count_include_pad,
              add ? into.data_ptr<scalar_t>() : out.data_ptr<scalar_t>(), add,
              static_cast<scalar_t>(into_scale));
        });
    if (add) return Tensor();
  } else {
    const Tensor shape_only = at::empty({R * B, C, H, W}, gc.options());
    out = at::avg_pool2d_backward(
        gc.view({R * B, C, gc.size(3), gc.size(4)}), shape_only, kernel, stride,
        padding, /*ceil_mode=*/false, count_include_pad, c10::nullopt);
  }
  return out.view({R, B, C, H, W});
}

}  // namespace tenas::measures::replica
