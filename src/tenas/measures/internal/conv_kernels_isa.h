// Copyright 2026 The tenas Authors.
//
// conv_kernels_isa.h: the loops of conv_kernels.h, for one vector width.
// Not a public header: each conv_kernels_<isa>.cc defines
// TENAS_CONV_ISA (a namespace name) and TENAS_CONV_VECTOR_BYTES, includes
// this file once, and is compiled for its instruction set (src/CMakeLists.txt).
// Everything here has internal linkage or lives in that ISA's namespace, and
// nothing includes a library header with inline functions, so no code built
// for a wider instruction set can be linked into the rest of the program.
//
// Layout: NCHW planes, flattened. A K = 3 "same" convolution reads its input
// from planes padded with W + 1 zeros before and after (one zero row and
// one element), so the tap (ky, kx) of output pixel p is at p + (ky-1)·W +
// (kx-1); the two taps that would wrap around a row edge (kx = 0 at x = 0,
// kx = 2 at x = W-1) are masked to zero. Vectors hold kLanes consecutive
// pixels of a plane; kLanes divides H·W, and either divides W or is a
// multiple of it (so every vector's edge lanes follow a fixed pattern).

#include <cstdint>
#include <cstring>

#include "tenas/measures/internal/conv_kernels_internal.h"

#if !defined(TENAS_CONV_ISA) || !defined(TENAS_CONV_VECTOR_BYTES)
#error "define TENAS_CONV_ISA and TENAS_CONV_VECTOR_BYTES before including"
#endif

namespace tenas::measures::kernels::TENAS_CONV_ISA {
namespace {

// Local, not <algorithm>'s: an inline template from a library header would
// be compiled here for this ISA and could be the copy the linker keeps.
int64_t Min(int64_t a, int64_t b) { return a < b ? a : b; }
int64_t Max(int64_t a, int64_t b) { return a < b ? b : a; }

// Makes the compiler load v into a register once; left alone it folds the
// load into each of the three FMAs that read v (three loads instead of one,
// and the loop becomes load-bound).
template <typename V>
inline void InRegister(V& v) {
#if defined(__x86_64__)
  __asm__("" : "+v"(v));
#else
  (void)v;
#endif
}

template <typename E>
struct VectorOf {
  typedef E type __attribute__((vector_size(TENAS_CONV_VECTOR_BYTES)));
};
// The integer type of T's width, for lane masks.
template <typename T>
struct MaskElement;
template <>
struct MaskElement<float> {
  using type = int32_t;
};
template <>
struct MaskElement<double> {
  using type = int64_t;
};

template <typename T>
struct Simd {
  using V = typename VectorOf<T>::type;
  using M = typename VectorOf<typename MaskElement<T>::type>::type;
  static constexpr int64_t kLanes = TENAS_CONV_VECTOR_BYTES / sizeof(T);

  static V Load(const T* p) {
    V v;
    std::memcpy(&v, p, sizeof(V));
    return v;
  }
  static void Store(T* p, V v) { std::memcpy(p, &v, sizeof(V)); }
  static V And(V v, M m) {
    return reinterpret_cast<V>(reinterpret_cast<M>(v) & m);
  }
  static T Sum(V v) {
    T s = 0;
    for (int64_t l = 0; l < kLanes; ++l) s += v[l];
    return s;
  }
};

// The masks of the kx = 0 and kx = 2 taps of a W-wide plane: for the
// vector starting at flat pixel p, lanes whose pixel is at x = 0 (resp.
// x = W-1) are zero, the others all ones. The pattern repeats every
// `period` vectors (kLanes divides W, or W divides kLanes).
template <typename T>
struct EdgeMasks {
  using S = Simd<T>;
  typename S::M left[kMaxEdgePeriod], right[kMaxEdgePeriod];
  int64_t period;
  explicit EdgeMasks(int64_t W) : period(W >= S::kLanes ? W / S::kLanes : 1) {
    for (int64_t q = 0; q < period; ++q) {
      for (int64_t l = 0; l < S::kLanes; ++l) {
        const int64_t x = (q * S::kLanes + l) % W;
        left[q][l] = x == 0 ? 0 : -1;
        right[q][l] = x == W - 1 ? 0 : -1;
      }
    }
  }
  // The index of the vector starting at flat pixel p.
  int64_t Index(int64_t p) const { return (p / S::kLanes) % period; }
};

// One sample: out[co] (+)= Σ_ci Σ_taps wt[ci][tap][co] · in[ci] shifted, for a
// tile of NV vectors × CB output channels at a time (NV·CB accumulators in
// registers).
template <typename T, int K, int NV, int CB>
void ConvSampleTiled(const T* in, int64_t in_plane, const T* wt, int64_t Ci,
                     int64_t Co, int64_t H, int64_t W, T* out,
                     bool accumulate) {
  using S = Simd<T>;
  using V = typename S::V;
  constexpr int64_t L = S::kLanes;
  constexpr int kTaps = K * K;
  const int64_t HW = H * W;
  const EdgeMasks<T> masks(K == 3 ? W : 1);
  for (int64_t p0 = 0; p0 < HW; p0 += NV * L) {
    typename S::M left[NV], right[NV];
    if constexpr (K == 3) {
      for (int v = 0; v < NV; ++v) {
        const int64_t q = masks.Index(p0 + v * L);
        left[v] = masks.left[q];
        right[v] = masks.right[q];
      }
    }
    for (int64_t co0 = 0; co0 < Co; co0 += CB) {
      V acc[CB][NV];
      for (int c = 0; c < CB; ++c) {
        for (int v = 0; v < NV; ++v) acc[c][v] = V{};
      }
      for (int64_t ci = 0; ci < Ci; ++ci) {
        const T* base = in + ci * in_plane + p0;
        const T* wc = wt + ci * kTaps * Co + co0;
        for (int tap = 0; tap < kTaps; ++tap) {
          const int ky = tap / K, kx = tap % K;
          V x[NV];
          for (int v = 0; v < NV; ++v) {
            if constexpr (K == 3) {
              x[v] = S::Load(base + (ky - 1) * W + (kx - 1) + v * L);
              if (kx == 0) x[v] = S::And(x[v], left[v]);
              if (kx == 2) x[v] = S::And(x[v], right[v]);
            } else {
              x[v] = S::Load(base + v * L);
            }
          }
          const T* wk = wc + tap * Co;
          for (int c = 0; c < CB; ++c) {
            const T w = wk[c];
            for (int v = 0; v < NV; ++v) acc[c][v] += w * x[v];
          }
        }
      }
      for (int c = 0; c < CB; ++c) {
        for (int v = 0; v < NV; ++v) {
          T* o = out + (co0 + c) * HW + p0 + v * L;
          if (accumulate) acc[c][v] += S::Load(o);
          S::Store(o, acc[c][v]);
        }
      }
    }
  }
}

// Picks the tile: the most output channels per tile (up to 6) that divide
// Co, then the most vectors (up to 4) that divide the plane, with at most
// 12 accumulators (measured best on Zen 5; more spill).
template <typename T, int K>
void ConvSample(const T* in, int64_t in_plane, const T* wt, int64_t Ci,
                int64_t Co, int64_t H, int64_t W, T* out, bool accumulate) {
  const int64_t vectors = H * W / Simd<T>::kLanes;
  const int cb = Co % 6 == 0   ? 6
                 : Co % 4 == 0 ? 4
                 : Co % 3 == 0 ? 3
                 : Co % 2 == 0 ? 2
                               : 1;
  int nv = 4;
  while (nv > 1 && (vectors % nv != 0 || nv * cb > 12)) nv /= 2;
  const auto run = [&](auto nv_c, auto cb_c) {
    ConvSampleTiled<T, K, decltype(nv_c)::value, decltype(cb_c)::value>(
        in, in_plane, wt, Ci, Co, H, W, out, accumulate);
  };
  const auto with_cb = [&](auto nv_c) {
    switch (cb) {
      case 6:
        return run(nv_c, Int<6>{});
      case 4:
        return run(nv_c, Int<4>{});
      case 3:
        return run(nv_c, Int<3>{});
      case 2:
        return run(nv_c, Int<2>{});
      default:
        return run(nv_c, Int<1>{});
    }
  };
  switch (nv) {
    case 4:
      return with_cb(Int<4>{});
    case 2:
      return with_cb(Int<2>{});
    default:
      return with_cb(Int<1>{});
  }
}

// Weight grads of replicas r0..r0+RB-1 for output channel co (see
// ConvShape), over "streams" of three inputs each: the three kx taps of
// one (ci, ky) (K = 3, padded input) or three input channels (K = 1).
// Samples go in groups whose cotangents (RB replicas, channel co) fill
// ~16 KiB, so every stream of a group reads them from L1; the streams'
// vector accumulators wait in `acc` between groups.
template <typename T, int K, int RB>
void WeightGradTiled(const ConvShape& s, const T* g, const T* x,
                     int64_t x_plane, int64_t r0, int64_t co, T* gw) {
  using S = Simd<T>;
  using V = typename S::V;
  constexpr int64_t L = S::kLanes;
  constexpr int64_t kMaxStreams = 3 * kSmallConvMaxChannelsInternal;
  const int64_t HW = s.H * s.W;
  const int64_t g_sample = s.Co * HW, g_replica = s.N * g_sample;
  const int64_t streams = K == 3 ? s.Ci * 3 : (s.Ci + 2) / 3;
  const int64_t group =
      Max(1, (int64_t{16} << 10) / (RB * HW * static_cast<int64_t>(sizeof(T))));
  const EdgeMasks<T> masks(K == 3 ? s.W : 1);
  V acc[kMaxStreams][RB][3];
  for (int64_t st = 0; st < streams; ++st) {
    for (int r = 0; r < RB; ++r) {
      for (int k = 0; k < 3; ++k) acc[st][r][k] = V{};
    }
  }
  for (int64_t n0 = 0; n0 < s.N; n0 += group) {
    const int64_t n1 = Min(s.N, n0 + group);
    for (int64_t st = 0; st < streams; ++st) {
      // K = 3: stream st is (ci, ky); K = 1: channels 3·st .. 3·st+2.
      const int64_t ci = K == 3 ? st / 3 : 3 * st;
      const int64_t ky = K == 3 ? st % 3 : 0;
      const int64_t width = K == 3 ? 3 : Min(3, s.Ci - ci);
      V a[RB][3];
      for (int r = 0; r < RB; ++r) {
        for (int k = 0; k < 3; ++k) a[r][k] = acc[st][r][k];
      }
      for (int64_t n = n0; n < n1; ++n) {
        int64_t q = 0;  // masks.Index(p), kept incrementally
        const T* gn = g + r0 * g_replica + n * g_sample + co * HW;
        const T* xn = x + (n * s.Ci + ci) * x_plane;
        for (int64_t p = 0; p < HW; p += L) {
          V x0, x1, x2;
          if constexpr (K == 3) {
            const T* xb = xn + p + (ky - 1) * s.W;
            x0 = S::And(S::Load(xb - 1), masks.left[q]);
            x1 = S::Load(xb);
            x2 = S::And(S::Load(xb + 1), masks.right[q]);
            q = q + 1 == masks.period ? 0 : q + 1;
          } else {
            x0 = S::Load(xn + p);
            x1 = width > 1 ? S::Load(xn + x_plane + p) : V{};
            x2 = width > 2 ? S::Load(xn + 2 * x_plane + p) : V{};
          }
          for (int r = 0; r < RB; ++r) {
            V gv = S::Load(gn + r * g_replica + p);
            InRegister(gv);
            a[r][0] += gv * x0;
            a[r][1] += gv * x1;
            a[r][2] += gv * x2;
          }
        }
      }
      for (int r = 0; r < RB; ++r) {
        for (int k = 0; k < 3; ++k) acc[st][r][k] = a[r][k];
      }
    }
  }
  for (int64_t st = 0; st < streams; ++st) {
    const int64_t ci = K == 3 ? st / 3 : 3 * st;
    const int64_t ky = K == 3 ? st % 3 : 0;
    const int64_t width = K == 3 ? 3 : Min(3, s.Ci - ci);
    for (int r = 0; r < RB; ++r) {
      T* out = gw + ((r0 + r) * s.Co + co) * s.Ci * K * K;
      for (int64_t k = 0; k < width; ++k) {
        if constexpr (K == 3) {
          out[ci * 9 + ky * 3 + k] = S::Sum(acc[st][r][k]);
        } else {
          out[ci + k] = S::Sum(acc[st][r][k]);
        }
      }
    }
  }
}

// out[i][j] = Σ_p rows[i][p]·rows[j][p] for i in [i0, i0+IB), j in
// [j0, j0+JB): IB·JB vector accumulators over the columns, the last
// P mod kLanes columns added one by one.
template <typename T, int IB, int JB>
void GramTile(const T* rows, int64_t P, int64_t i0, int64_t j0, int64_t B,
              T* out) {
  using S = Simd<T>;
  using V = typename S::V;
  constexpr int64_t L = S::kLanes;
  V acc[IB][JB];
  for (int a = 0; a < IB; ++a) {
    for (int b = 0; b < JB; ++b) acc[a][b] = V{};
  }
  int64_t p = 0;
  for (; p + L <= P; p += L) {
    V ri[IB], rj[JB];
    for (int a = 0; a < IB; ++a) ri[a] = S::Load(rows + (i0 + a) * P + p);
    for (int b = 0; b < JB; ++b) rj[b] = S::Load(rows + (j0 + b) * P + p);
    for (int a = 0; a < IB; ++a) {
      for (int b = 0; b < JB; ++b) acc[a][b] += ri[a] * rj[b];
    }
  }
  for (int a = 0; a < IB; ++a) {
    for (int b = 0; b < JB; ++b) {
      T sum = S::Sum(acc[a][b]);
      for (int64_t q = p; q < P; ++q) {
        sum += rows[(i0 + a) * P + q] * rows[(j0 + b) * P + q];
      }
      out[(i0 + a) * B + j0 + b] = sum;
    }
  }
}

}  // namespace

template <typename T>
void RowGramTile(const T* rows, int64_t B, int64_t P, int64_t i0, int64_t j0,
                 T* out) {
  constexpr int64_t kTile = 4;
  if (i0 + kTile <= B && j0 + kTile <= B) {
    GramTile<T, kTile, kTile>(rows, P, i0, j0, B, out);
    return;
  }
  for (int64_t i = i0; i < Min(i0 + kTile, B); ++i) {
    for (int64_t j = j0; j < Min(j0 + kTile, B); ++j) {
      GramTile<T, 1, 1>(rows, P, i, j, B, out);
    }
  }
}

template <typename T>
void ConvSame(const T* in, int64_t in_plane, const T* wt, int64_t Ci,
              int64_t Co, int64_t H, int64_t W, int64_t K, T* out,
              bool accumulate) {
  if (K == 3) {
    ConvSample<T, 3>(in, in_plane, wt, Ci, Co, H, W, out, accumulate);
  } else {
    ConvSample<T, 1>(in, in_plane, wt, Ci, Co, H, W, out, accumulate);
  }
}

template <typename T>
void ConvSameWeightGrad(const ConvShape& s, const T* g, const T* x,
                        int64_t x_plane, int64_t r0, int64_t rb, int64_t co,
                        T* gw) {
  const auto run = [&](auto k_c, auto rb_c) {
    WeightGradTiled<T, decltype(k_c)::value, decltype(rb_c)::value>(
        s, g, x, x_plane, r0, co, gw);
  };
  const auto with_rb = [&](auto k_c) {
    switch (rb) {
      case 4:
        return run(k_c, Int<4>{});
      case 2:
        return run(k_c, Int<2>{});
      default:
        return run(k_c, Int<1>{});
    }
  };
  if (s.K == 3) {
    with_rb(Int<3>{});
  } else {
    with_rb(Int<1>{});
  }
}

template void RowGramTile<float>(const float*, int64_t, int64_t, int64_t,
                                 int64_t, float*);
template void RowGramTile<double>(const double*, int64_t, int64_t, int64_t,
                                  int64_t, double*);
template void ConvSame<float>(const float*, int64_t, const float*, int64_t,
                              int64_t, int64_t, int64_t, int64_t, float*, bool);
template void ConvSame<double>(const double*, int64_t, const double*, int64_t,
                               int64_t, int64_t, int64_t, int64_t, double*,
                               bool);
template void ConvSameWeightGrad<float>(const ConvShape&, const float*,
                                        const float*, int64_t, int64_t, int64_t,
                                        int64_t, float*);
template void ConvSameWeightGrad<double>(const ConvShape&, const double*,
                                         const double*, int64_t, int64_t,
                                         int64_t, int64_t, double*);

}  // namespace tenas::measures::kernels::TENAS_CONV_ISA
