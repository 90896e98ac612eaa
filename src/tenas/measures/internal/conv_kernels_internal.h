// Copyright 2026 The tenas Authors.
//
// conv_kernels_internal.h: what conv_kernels.cc (the dispatcher) and the
// per-instruction-set loops (conv_kernels_isa.h, compiled once per ISA by
// conv_kernels_<isa>.cc) share. Plain types only: this header is included
// in translation units built for AVX2 and AVX-512.

#ifndef TENAS_MEASURES_INTERNAL_CONV_KERNELS_INTERNAL_H_
#define TENAS_MEASURES_INTERNAL_CONV_KERNELS_INTERNAL_H_

#include <cstdint>
#include <type_traits>

namespace tenas::measures::kernels {

/// The shapes of one weight-grad call: R replicas of cotangents g
/// ([R, N, Co, H, W]) against the shared input x ([N, Ci, H, W]) of a K x K
/// "same" convolution (K = 1 or 3, stride 1, padding (K-1)/2).
struct ConvShape {
  int64_t R, N, Ci, Co, H, W, K;
};

/// The most vectors in one row's repeating pattern of edge lanes (W / lanes)
/// the loops handle; wider planes use oneDNN.
inline constexpr int64_t kMaxEdgePeriod = 16;

/// kSmallConvMaxChannels of conv_kernels.h, for the loops.
inline constexpr int64_t kSmallConvMaxChannelsInternal = 32;

template <int N>
using Int = std::integral_constant<int, N>;

// One set of loops per instruction set (namespaces avx512, avx2, baseline),
// each compiled in its own translation unit:
//
//  ConvSame: one sample's "same" convolution. `in` points at pixel (0, 0)
//  of input channel 0; channel ci's plane starts `in_plane` entries later;
//  for K = 3 every plane has W + 1 zeros before and after its pixels. `wt`
//  is the weight as [Ci][K·K][Co]; `out` is [Co, H, W].
//
//  ConvSameWeightGrad: the weight grads of replicas r0 .. r0+rb-1 (rb = 1,
//  2 or 4) and output channel co, written into gw ([R, Co, Ci, K, K]).
//  x: [N, Ci] planes of `x_plane` entries, padded as above when K = 3.
//
//  RowGramTile: out[i][j] = Σ_p rows[i][p]·rows[j][p] ([B, P] rows, [B, B]
//  out) for the 4 x 4 tile at (i0, j0), clipped to B.
#define TENAS_DECLARE_CONV_ISA(isa)                                            \
  namespace isa {                                                              \
  template <typename T>                                                        \
  void RowGramTile(const T* rows, int64_t B, int64_t P, int64_t i0,            \
                   int64_t j0, T* out);                                        \
  template <typename T>                                                        \
  void ConvSame(const T* in, int64_t in_plane, const T* wt, int64_t Ci,        \
                int64_t Co, int64_t H, int64_t W, int64_t K, T* out,           \
                bool accumulate);                                              \
  template <typename T>                                                        \
  void ConvSameWeightGrad(const ConvShape& s, const T* g, const T* x,          \
                          int64_t x_plane, int64_t r0, int64_t rb, int64_t co, \
                          T* gw);                                              \
  }
TENAS_DECLARE_CONV_ISA(avx512)
TENAS_DECLARE_CONV_ISA(avx2)
TENAS_DECLARE_CONV_ISA(baseline)
#undef TENAS_DECLARE_CONV_ISA

}  // namespace tenas::measures::kernels

#endif  // TENAS_MEASURES_INTERNAL_CONV_KERNELS_INTERNAL_H_
