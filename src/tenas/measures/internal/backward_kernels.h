// Copyright 2026 The tenas Authors.
//
// backward_kernels.h: plain CPU loops for the batched NTK's backward
// (batched_backward_rules.cc). Each one replaces a chain of LibTorch
// operators (and the layout copies between them) by one or two passes over
// the cotangents, which is what matters at TE-NAS's 3-12 channels: there the
// backward is memory traffic, not arithmetic.
//
// Shapes: R replicas (cotangents) of a batch of B samples with C channels of
// hw = H*W pixels. "NCHW" means [R, B, C, H, W] contiguous; "channels-last"
// means per (replica, sample) the pixels are outer and channels inner, i.e.
// [R, B, H, W, C] contiguous. Forward tensors (x, the ReLU outputs) are
// shared by all replicas: [B, C, H, W] contiguous. All pointers are to
// distinct, non-overlapping buffers. Parallel over (replica, ...) with
// at::parallel_for.

#ifndef TENAS_MEASURES_INTERNAL_BACKWARD_KERNELS_H_
#define TENAS_MEASURES_INTERNAL_BACKWARD_KERNELS_H_

#include <cstdint>

namespace tenas::measures::kernels {

/// Train-mode batch-norm backward for R cotangents g (NCHW) of the forward
/// input x, in two passes: per (replica, channel) the sums Σdy and Σdy·(x-μ),
/// then the closed form dx = γ·σ⁻¹·(dy − mean(dy) − x̂·mean(dy·x̂)), written
/// into `gi` channels-last when `gi_channels_last` (the layout the
/// convolution before the batch norm takes its output grad in), else NCHW.
/// `gamma` may be null (no affine weight); `gw` and `gb` ([R, C], the γ and
/// β grads) and `gi` may each be null.
template <typename T>
void BatchNormBackward(const T* g, const T* x, const T* mean, const T* invstd,
                       const T* gamma, int64_t R, int64_t B, int64_t C,
                       int64_t hw, T* gi, bool gi_channels_last, T* gw, T* gb);

/// ReLU backward of R cotangents g against the ReLU output y (shared):
/// out = (y <= 0) ? 0 : g, as ATen's threshold_backward(g, y, 0). g is
/// channels-last when `g_channels_last`, else NCHW; `out` is always NCHW.
/// With `accumulate`, out += scale · that instead (one pass over out).
template <typename T>
void ReluBackward(const T* g, bool g_channels_last, const T* y, int64_t R,
                  int64_t B, int64_t C, int64_t hw, T* out,
                  bool accumulate = false, T scale = T(1));

/// Backward of AvgPool2d(3, stride 1, padding 1) over `planes` independent
/// H x W planes (NCHW, any number of leading dims folded into `planes`):
/// out[y][x] = Σ over the 3x3 windows containing (y, x) of g[window] /
/// divisor[window], the divisor being 9 (count_include_pad) or the number of
/// in-image cells of the window.
/// With `accumulate`, out += scale · that instead.
template <typename T>
void AvgPool3x3Backward(const T* g, int64_t planes, int64_t H, int64_t W,
                        bool count_include_pad, T* out, bool accumulate = false,
                        T scale = T(1));

}  // namespace tenas::measures::kernels

#endif  // TENAS_MEASURES_INTERNAL_BACKWARD_KERNELS_H_
