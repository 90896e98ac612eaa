// Copyright 2026 The tenas Authors.
//
// replica_backward.h: the backward of one operator for R cotangents at once,
// on plain tensors whose first dimension is the replica: the grads flowing
// into the operator's output are [R, B, ...] (R one-hot cotangents of the
// NTK, see ntk.h), the forward tensors (input, weight, batch statistics) are
// shared by all replicas and have no replica dimension.
//
// These are the exact, fast kernels of the batched NTK. Two callers use
// them: the vmap batching rules (batched_backward_rules.h), which unwrap
// functorch's batched tensors around them, and the explicit backward over a
// recorded forward (tape_backward.h), which calls them directly. Every
// function takes CPU or CUDA tensors of any floating type; CPU float and
// double run on the plain loops of backward_kernels.h and conv_kernels.h
// where those apply, everything else on ATen operators.

#ifndef TENAS_MEASURES_INTERNAL_REPLICA_BACKWARD_H_
#define TENAS_MEASURES_INTERNAL_REPLICA_BACKWARD_H_

#include <ATen/ATen.h>

#include <cstdint>
#include <utility>

namespace tenas::measures::replica {

/// Whether a convolution's backward runs on the direct loops of
/// conv_kernels.h (NCHW in and out): a K x K convolution (K = 1 or 3) with
/// padding (K-1)/2, one group and any equal stride, over H x W input planes
/// of CPU floats (`like`'s device and type), at the loops' channel counts.
/// The others run on oneDNN (channels-last) or ATen.
bool DirectConvolution(at::IntArrayRef weight_sizes, int64_t H, int64_t W,
                       at::IntArrayRef stride, at::IntArrayRef padding,
                       at::IntArrayRef dilation, bool transposed,
                       int64_t groups, const at::Tensor& like);

/// Whether `into` can take an input grad of `sizes` and `like`'s type in
/// place: a contiguous (NCHW) CPU float or double tensor of those sizes.
bool CanAccumulateInto(const at::Tensor& into, at::IntArrayRef sizes,
                       const at::Tensor& like);

/// Input and weight grads of a non-transposed convolution without bias for
/// R cotangents g [R, B, Co, Ho, Wo] of its output; `input` [B, Ci, H, W].
/// first: [R, B, Ci, H, W] (channels-last per replica and sample when the
/// convolution is not direct; undefined unless `input_grad`); second:
/// [R, Co, Ci/groups, kh, kw] (undefined unless `weight_grad`).
/// When `into` is given and the convolution is direct and
/// CanAccumulateInto(into, ...), into += into_scale · the input grad in
/// the same sweep, and first is undefined.
std::pair<at::Tensor, at::Tensor> ConvolutionBackward(
    const at::Tensor& g, const at::Tensor& input, const at::Tensor& weight,
    at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation,
    at::IntArrayRef output_padding, int64_t groups, bool input_grad,
    bool weight_grad, const at::Tensor& into = {}, double into_scale = 1.0);

/// Grads of train-mode batch norm of `x` [B, C, H, W] for R cotangents g
/// [R, B, C, H, W], from the forward's batch mean and inverse standard
/// deviation ([C]) and `gamma` ([C], undefined without affine weights).
/// Returns {input grad [R, B, C, H, W] (channels-last per replica and
/// sample when `input_channels_last`), gamma grad [R, C], beta grad [R, C]};
/// each only when its `mask` entry is set (the parameter ones also need
/// gamma). Precondition: CPU float or double.
struct BatchNormGrads {
  at::Tensor input, gamma, beta;
};
BatchNormGrads BatchNormBackward(const at::Tensor& g, const at::Tensor& x,
                                 const at::Tensor& save_mean,
                                 const at::Tensor& save_invstd,
                                 const at::Tensor& gamma,
                                 bool input_channels_last,
                                 std::array<bool, 3> mask);

/// Whether BatchNormBackward takes these tensors (CPU float or double, 4-D).
bool BatchNormBackwardSupported(const at::Tensor& g, const at::Tensor& x);

/// The ReLU's backward for R cotangents g [R, B, C, H, W] (NCHW or
/// channels-last per replica and sample) against its output y [B, C, H, W]:
/// g where y > 0, else 0, NCHW. When CanAccumulateInto(into, g's sizes),
/// into += into_scale · that instead, and the result is undefined.
/// Precondition: ReluBackwardSupported(g, y).
at::Tensor ReluBackward(const at::Tensor& g, const at::Tensor& y,
                        const at::Tensor& into = {}, double into_scale = 1.0);

/// Whether ReluBackward takes these tensors.
bool ReluBackwardSupported(const at::Tensor& g, const at::Tensor& y);

/// 2-D average pool backward (no ceil mode, no divisor override) for R
/// cotangents g [R, B, C, Ho, Wo] onto inputs of H x W: [R, B, C, H, W].
/// A 3x3, stride 1, padding 1 pool on CPU floats adds into_scale · that to
/// `into` instead when CanAccumulateInto(into, ...) (result undefined).
at::Tensor AvgPoolBackward(const at::Tensor& g, int64_t H, int64_t W,
                           at::IntArrayRef kernel, at::IntArrayRef stride,
                           at::IntArrayRef padding, bool count_include_pad,
                           const at::Tensor& into = {},
                           double into_scale = 1.0);

}  // namespace tenas::measures::replica

#endif  // TENAS_MEASURES_INTERNAL_REPLICA_BACKWARD_H_
