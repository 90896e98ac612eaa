// Copyright 2026 The tenas Authors.
//
// conv_kernels.h: direct CPU convolutions for the batched NTK's backward at
// TE-NAS's channel counts (3-32), and the NTK's Gram matrix. oneDNN's kernels
// are blocked for many channels: at 3 channels it reaches ~25 GFLOP/s on a 3x3
// convolution that these loops, vectorised over pixels of NCHW planes, run 3-6x
// faster.
//
// Only K x K "same" convolutions (K = 1 or 3, stride 1, padding (K-1)/2,
// no dilation, one group), NCHW contiguous, float or double. Vectors are
// AVX-512, AVX2 or 128-bit, picked at run time for the CPU and the plane
// (see SmallConvSupported). Parallel over samples (forward) or (replica,
// output channel) (weight grads) with at::parallel_for.

#ifndef TENAS_MEASURES_INTERNAL_CONV_KERNELS_H_
#define TENAS_MEASURES_INTERNAL_CONV_KERNELS_H_

#include <cstdint>

namespace tenas::measures::kernels {

/// The most input or output channels the loops take; wider convolutions
/// are left to oneDNN, which is then the faster one.
inline constexpr int64_t kSmallConvMaxChannels = 32;

/// Whether SmallConvForward and SmallConvWeightGrad take a K x K "same"
/// convolution from Ci to Co channels over H x W planes of
/// `element_bytes`-byte floats (4 or 8) on this CPU.
bool SmallConvSupported(int64_t K, int64_t Ci, int64_t Co, int64_t H, int64_t W,
                        int64_t element_bytes);

/// out[n] = Σ_ci w[:, ci] ⋆ in[n, ci] (cross-correlation, zero padding):
/// in [N, Ci, H, W], w [Co, Ci, K, K], out [N, Co, H, W]. With `accumulate`
/// the result is added to out's values (one pass over out instead of two).
/// Precondition: SmallConvSupported(K, Ci, Co, H, W, sizeof(T)).
template <typename T>
void SmallConvForward(const T* in, const T* w, int64_t N, int64_t Ci,
                      int64_t Co, int64_t H, int64_t W, int64_t K, T* out,
                      bool accumulate = false);

/// The weight grads of R cotangents at once: gw[r, co, ci, ky, kx] =
/// Σ_n Σ_(y,x) g[r, n, co, y, x] · x[n, ci, y+ky-p, x+kx-p] (p = (K-1)/2,
/// zero outside the plane): g [R, N, Co, H, W], x [N, Ci, H, W],
/// gw [R, Co, Ci, K, K]. Precondition as SmallConvForward.
template <typename T>
void SmallConvWeightGrad(const T* g, const T* x, int64_t R, int64_t N,
                         int64_t Ci, int64_t Co, int64_t H, int64_t W,
                         int64_t K, T* gw);

/// out = rows · rowsᵀ: rows [B, P], out [B, B] (the NTK's Gram matrix).
/// Vector partial sums over P, so about as accurate as a BLAS GEMM; on the
/// same vector instruction set the result does not depend on the thread
/// count. The reference BLAS Debian ships runs this 10-20x slower.
template <typename T>
void RowGram(const T* rows, int64_t B, int64_t P, T* out);

}  // namespace tenas::measures::kernels

#endif  // TENAS_MEASURES_INTERNAL_CONV_KERNELS_H_
