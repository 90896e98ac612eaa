// Copyright 2026 The tenas Authors.

#include "tenas/measures/internal/backward_kernels.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

namespace tenas::measures::kernels {
namespace {

// 16-byte vectors of T (GCC vector extensions: one SSE register on
// baseline x86-64), for the float reductions below, which the compiler does
// not vectorise on its own (that would reassociate the sum).
template <typename T>
using Vec16 __attribute__((vector_size(16))) = T;

// Σ p[i] and Σ p[i]·(q[i] − m) over n entries, added to *sum and *dot.
template <typename T>
void SumAndDot(const T* p, const T* q, T m, int64_t n, double* sum,
               double* dot) {
  using V = Vec16<T>;
  constexpr int64_t kLanes = sizeof(V) / sizeof(T);
  // Named accumulators (an array of them would live on the stack).
  V s0 = {}, s1 = {}, s2 = {}, s3 = {}, d0 = {}, d1 = {}, d2 = {}, d3 = {};
  const auto step = [&](int64_t at, V& s, V& d) {
    V pv, qv;
    std::memcpy(&pv, p + at, sizeof(V));
    std::memcpy(&qv, q + at, sizeof(V));
    s += pv;
    d += pv * (qv - m);
  };
  int64_t i = 0;
  for (; i + 4 * kLanes <= n; i += 4 * kLanes) {
    step(i, s0, d0);
    step(i + kLanes, s1, d1);
    step(i + 2 * kLanes, s2, d2);
    step(i + 3 * kLanes, s3, d3);
  }
  const V s = (s0 + s1) + (s2 + s3), d = (d0 + d1) + (d2 + d3);
  double ss = 0, dd = 0;
  for (int64_t l = 0; l < kLanes; ++l) ss += s[l], dd += d[l];
  for (; i < n; ++i) {
    ss += p[i];
    dd += static_cast<double>(p[i]) * (q[i] - m);
  }
  *sum += ss;
  *dot += dd;
}

// Calls fn(std::integral_constant<int64_t, C>) for the channel counts of
// TE-NAS's networks, so that the per-pixel loops over channels below have a
// compile-time trip count and vectorise (interleaved loads and stores);
// fn(int64_t C) otherwise.
template <typename Fn>
void WithChannels(int64_t C, Fn&& fn) {
  switch (C) {
#define TENAS_CASE(N)                         \
  case N:                                     \
    fn(std::integral_constant<int64_t, N>()); \
    return;
    TENAS_CASE(1)
    TENAS_CASE(2)
    TENAS_CASE(3)
    TENAS_CASE(4)
    TENAS_CASE(6)
    TENAS_CASE(8)
    TENAS_CASE(12)
    TENAS_CASE(16)
#undef TENAS_CASE
    default:
      fn(C);
  }
}

// One (replica, sample) of the batch-norm input grad, from NCHW [C, hw]
// cotangents g and inputs x to channels-last [hw, C] in o:
// o[i*C + c] = g[c*hw + i]·sc[c] − a[c] − (x[c*hw + i] − m[c])·k[c].
template <typename T, typename Channels>
void BatchNormInputGradRow(const T* __restrict g, const T* __restrict x,
                           const T* __restrict sc, const T* __restrict a,
                           const T* __restrict k, const T* __restrict m,
                           Channels channels, int64_t hw, T* __restrict o) {
  const int64_t C = channels;
  for (int64_t i = 0; i < hw; ++i) {
    for (int64_t c = 0; c < C; ++c) {
      o[i * C + c] =
          g[c * hw + i] * sc[c] - a[c] - (x[c * hw + i] - m[c]) * k[c];
    }
  }
}

// One plane of the same in NCHW: o[i] = g[i]·sc − a − (x[i] − m)·k.
template <typename T>
void BatchNormInputGradPlane(const T* __restrict g, const T* __restrict x, T sc,
                             T a, T k, T m, int64_t hw, T* __restrict o) {
  for (int64_t i = 0; i < hw; ++i) o[i] = g[i] * sc - a - (x[i] - m) * k;
}

}  // namespace

template <typename T>
void BatchNormBackward(const T* g, const T* x, const T* mean, const T* invstd,
                       const T* gamma, int64_t R, int64_t B, int64_t C,
                       int64_t hw, T* gi, bool gi_channels_last, T* gw, T* gb) {
  const double n = static_cast<double>(B * hw);
  // Per (replica, channel): dx = sc·dy − a − (x − μ)·k.
  std::vector<T> sc(R * C), a(R * C), k(R * C);
  at::parallel_for(0, R * C, 1, [&](int64_t begin, int64_t end) {
    for (int64_t rc = begin; rc < end; ++rc) {
      const int64_t r = rc / C, c = rc % C;
      double sum_dy = 0, sum_dy_xc = 0;
      for (int64_t b = 0; b < B; ++b) {
        SumAndDot(g + ((r * B + b) * C + c) * hw, x + (b * C + c) * hw, mean[c],
                  hw, &sum_dy, &sum_dy_xc);
      }
      const double is = invstd[c];
      const double sum_dy_xhat = sum_dy_xc * is;
      if (gw != nullptr) gw[rc] = static_cast<T>(sum_dy_xhat);
      if (gb != nullptr) gb[rc] = static_cast<T>(sum_dy);
      const double scale = is * (gamma != nullptr ? gamma[c] : T(1));
      sc[rc] = static_cast<T>(scale);
      a[rc] = static_cast<T>(sum_dy / n * scale);
      k[rc] = static_cast<T>(sum_dy_xhat / n * is * scale);
    }
  });
  if (gi == nullptr) return;
  at::parallel_for(0, R * B, 1, [&](int64_t begin, int64_t end) {
    for (int64_t rb = begin; rb < end; ++rb) {
      const int64_t r = rb / B, b = rb % B;
      if (!gi_channels_last) {
        for (int64_t c = 0; c < C; ++c) {
          BatchNormInputGradPlane(g + (rb * C + c) * hw, x + (b * C + c) * hw,
                                  sc[r * C + c], a[r * C + c], k[r * C + c],
                                  mean[c], hw, gi + (rb * C + c) * hw);
        }
        continue;
      }
      WithChannels(C, [&](auto channels) {
        BatchNormInputGradRow(g + rb * C * hw, x + b * C * hw,
                              sc.data() + r * C, a.data() + r * C,
                              k.data() + r * C, mean, channels, hw,
                              gi + rb * hw * C);
      });
    }
  });
}

namespace {

// (y <= 0) ? 0 : g, as ATen's threshold_backward (a NaN y passes g), without
// a branch (a ReLU mask is unpredictable): g's bits and-ed with a mask.
template <typename T>
inline T MaskedByRelu(T g, T y) {
  using Bits = std::conditional_t<sizeof(T) == 4, int32_t, int64_t>;
  static_assert(sizeof(Bits) == sizeof(T));
  Bits v;
  std::memcpy(&v, &g, sizeof(T));
  v &= -static_cast<Bits>(!(y <= T(0)));
  std::memcpy(&g, &v, sizeof(T));
  return g;
}

// Writes v to *o, or adds scale·v to it when accumulating.
template <bool kAccumulate, typename T>
inline void Put(T v, T scale, T* o) {
  if constexpr (kAccumulate) {
    *o += scale * v;
  } else {
    *o = v;
  }
}

// o[i] (+)= MaskedByRelu(g[i], y[i]) for i < n.
template <bool kAccumulate, typename T>
void MaskedCopy(const T* __restrict g, const T* __restrict y, int64_t n,
                T scale, T* __restrict o) {
  for (int64_t i = 0; i < n; ++i) {
    Put<kAccumulate>(MaskedByRelu(g[i], y[i]), scale, o + i);
  }
}

// The channels-last [hw, C] block g to NCHW [C, hw] in o, masked:
// o[c*hw + i] (+)= MaskedByRelu(g[i*C + c], y[c*hw + i]).
template <bool kAccumulate, typename T, typename Channels>
void DeinterleaveMasked(const T* __restrict g, Channels channels,
                        const T* __restrict y, int64_t hw, T scale,
                        T* __restrict o) {
  const int64_t C = channels;
  for (int64_t i = 0; i < hw; ++i) {
    for (int64_t c = 0; c < C; ++c) {
      Put<kAccumulate>(MaskedByRelu(g[i * C + c], y[c * hw + i]), scale,
                       o + c * hw + i);
    }
  }
}

}  // namespace

template <typename T>
void ReluBackward(const T* g, bool g_channels_last, const T* y, int64_t R,
                  int64_t B, int64_t C, int64_t hw, T* out, bool accumulate,
                  T scale) {
  const auto run = [&](auto accumulate_c) {
    constexpr bool kAcc = decltype(accumulate_c)::value;
    at::parallel_for(0, R * B, 1, [&](int64_t begin, int64_t end) {
      for (int64_t rb = begin; rb < end; ++rb) {
        const T* yp = y + (rb % B) * C * hw;
        T* o = out + rb * C * hw;
        if (!g_channels_last) {
          MaskedCopy<kAcc>(g + rb * C * hw, yp, C * hw, scale, o);
          continue;
        }
        WithChannels(C, [&](auto channels) {
          DeinterleaveMasked<kAcc>(g + rb * hw * C, channels, yp, hw, scale, o);
        });
      }
    });
  };
  if (accumulate) {
    run(std::true_type());
  } else {
    run(std::false_type());
  }
}

namespace {

// o[x] = g[x] · inv[x] for x < n.
template <typename T>
void ScaleRow(const T* __restrict g, const T* __restrict inv, int64_t n,
              T* __restrict o) {
  for (int64_t x = 0; x < n; ++x) o[x] = g[x] * inv[x];
}

// o[x] = r[x] + r[x + 1] + r[x + 2] for x < n.
template <typename T>
void Sum3Row(const T* __restrict r, int64_t n, T* __restrict o) {
  for (int64_t x = 0; x < n; ++x) o[x] = r[x] + r[x + 1] + r[x + 2];
}

// o[x] (+)= a[x] + b[x] + c[x] for x < n.
template <bool kAccumulate, typename T>
void Add3Rows(const T* __restrict a, const T* __restrict b,
              const T* __restrict c, int64_t n, T* __restrict o) {
  for (int64_t x = 0; x < n; ++x) {
    Put<kAccumulate>(a[x] + b[x] + c[x], T(1), o + x);
  }
}

}  // namespace

template <typename T>
void AvgPool3x3Backward(const T* g, int64_t planes, int64_t H, int64_t W,
                        bool count_include_pad, T* out, bool accumulate,
                        T scale) {
  // 1 / the divisor of the window centred on each output cell (times the
  // scale when accumulating).
  std::vector<T> inv(H * W, T(1) / T(9));
  if (!count_include_pad) {
    for (int64_t y = 0; y < H; ++y) {
      const int64_t rows =
          std::min<int64_t>(y + 1, H - 1) - std::max<int64_t>(y - 1, 0) + 1;
      for (int64_t x = 0; x < W; ++x) {
        const int64_t cols =
            std::min<int64_t>(x + 1, W - 1) - std::max<int64_t>(x - 1, 0) + 1;
        inv[y * W + x] = T(1) / static_cast<T>(rows * cols);
      }
    }
  }
  if (accumulate && scale != T(1)) {
    for (T& v : inv) v *= scale;
  }
  const int64_t pw = W + 2;
  at::parallel_for(0, planes, 1, [&](int64_t begin, int64_t end) {
    // The scaled cotangents with a zero border; out is the sum of their 3x3
    // neighbourhoods, done as row sums then sums of three rows.
    std::vector<T> padded((H + 2) * pw, T(0));
    std::vector<T> rows((H + 2) * W);
    for (int64_t p = begin; p < end; ++p) {
      const T* gp = g + p * H * W;
      for (int64_t y = 0; y < H; ++y) {
        ScaleRow(gp + y * W, inv.data() + y * W, W,
                 padded.data() + (y + 1) * pw + 1);
      }
      for (int64_t y = 0; y < H + 2; ++y) {
        Sum3Row(padded.data() + y * pw, W, rows.data() + y * W);
      }
      T* o = out + p * H * W;
      for (int64_t y = 0; y < H; ++y) {
        const T* r = rows.data() + y * W;
        if (accumulate) {
          Add3Rows<true>(r, r + W, r + 2 * W, W, o + y * W);
        } else {
          Add3Rows<false>(r, r + W, r + 2 * W, W, o + y * W);
        }
      }
    }
  });
}

#define TENAS_INSTANTIATE(T)                                                 \
  template void BatchNormBackward<T>(const T*, const T*, const T*, const T*, \
                                     const T*, int64_t, int64_t, int64_t,    \
                                     int64_t, T*, bool, T*, T*);             \
  template void ReluBackward<T>(const T*, bool, const T*, int64_t, int64_t,  \
                                int64_t, int64_t, T*, bool, T);              \
  template void AvgPool3x3Backward<T>(const T*, int64_t, int64_t, int64_t,   \
                                      bool, T*, bool, T);
TENAS_INSTANTIATE(float)
TENAS_INSTANTIATE(double)
#undef TENAS_INSTANTIATE

}  // namespace tenas::measures::kernels
