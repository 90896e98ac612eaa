// Copyright 2026 The tenas Authors.
//
// conv_kernels.cc: picks the instruction set, pads the planes, rearranges
// the weights and spreads the work over threads; the loops themselves are
// in conv_kernels_isa.h.

#include "tenas/measures/internal/conv_kernels.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include "tenas/measures/internal/conv_kernels_internal.h"
#include "tenas/measures/internal/conv_kernels_testing.h"

namespace tenas::measures::kernels {
namespace {

static_assert(kSmallConvMaxChannels == kSmallConvMaxChannelsInternal);

enum class Isa { kAvx512, kAvx2, kBaseline, kNone };

constexpr Isa kIsas[] = {Isa::kAvx512, Isa::kAvx2, Isa::kBaseline};

int64_t VectorBytes(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return 64;
    case Isa::kAvx2:
      return 32;
    default:
      return 16;
  }
}

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return "avx512";
    case Isa::kAvx2:
      return "avx2";
    default:
      return "baseline";
  }
}

bool CpuHas(Isa isa) {
#if defined(__x86_64__)
  switch (isa) {
    case Isa::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
    case Isa::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    default:
      return true;
  }
#else
  return isa == Isa::kBaseline;
#endif
}

// -1: no restriction; else the index of the only ISA allowed.
std::atomic<int> forced_isa{-1};

// The widest ISA this CPU has whose vectors tile H x W planes. On x86-64
// the 128-bit loops lose to oneDNN from 6 channels on, so they run only
// when a test asks for them.
Isa PickIsa(int64_t H, int64_t W, int64_t element_bytes) {
  const int forced = forced_isa.load(std::memory_order_relaxed);
  for (Isa isa : kIsas) {
    if (forced >= 0 && static_cast<int>(isa) != forced) continue;
    if (!CpuHas(isa)) continue;
#if defined(__x86_64__)
    if (isa == Isa::kBaseline && forced < 0) continue;
#endif
    const int64_t lanes = VectorBytes(isa) / element_bytes;
    const bool tiles = (H * W) % lanes == 0 &&
                       (W % lanes == 0 || lanes % W == 0) &&
                       W / lanes <= kMaxEdgePeriod;
    if (tiles) return isa;
  }
  return Isa::kNone;
}

template <typename T>
void ConvSame(Isa isa, const T* in, int64_t in_plane, const T* wt, int64_t Ci,
              int64_t Co, int64_t H, int64_t W, int64_t K, T* out,
              bool accumulate) {
  switch (isa) {
#if defined(__x86_64__)
    case Isa::kAvx512:
      return avx512::ConvSame(in, in_plane, wt, Ci, Co, H, W, K, out,
                              accumulate);
    case Isa::kAvx2:
      return avx2::ConvSame(in, in_plane, wt, Ci, Co, H, W, K, out, accumulate);
#endif
    default:
      return baseline::ConvSame(in, in_plane, wt, Ci, Co, H, W, K, out,
                                accumulate);
  }
}

template <typename T>
void WeightGrad(Isa isa, const ConvShape& s, const T* g, const T* x,
                int64_t x_plane, int64_t r0, int64_t rb, int64_t co, T* gw) {
  switch (isa) {
#if defined(__x86_64__)
    case Isa::kAvx512:
      return avx512::ConvSameWeightGrad(s, g, x, x_plane, r0, rb, co, gw);
    case Isa::kAvx2:
      return avx2::ConvSameWeightGrad(s, g, x, x_plane, r0, rb, co, gw);
#endif
    default:
      return baseline::ConvSameWeightGrad(s, g, x, x_plane, r0, rb, co, gw);
  }
}

template <typename T>
void GramTile(Isa isa, const T* rows, int64_t B, int64_t P, int64_t i0,
              int64_t j0, T* out) {
  switch (isa) {
#if defined(__x86_64__)
    case Isa::kAvx512:
      return avx512::RowGramTile(rows, B, P, i0, j0, out);
    case Isa::kAvx2:
      return avx2::RowGramTile(rows, B, P, i0, j0, out);
#endif
    default:
      return baseline::RowGramTile(rows, B, P, i0, j0, out);
  }
}

// The widest vector ISA of this CPU (or the one a test asked for).
Isa WidestIsa() {
  const int forced = forced_isa.load(std::memory_order_relaxed);
  for (Isa isa : kIsas) {
    if (forced >= 0 && static_cast<int>(isa) != forced) continue;
    if (CpuHas(isa)) return isa;
  }
  return Isa::kBaseline;
}

// The planes of a K = 3 convolution's input carry W + 1 zeros on each side.
int64_t PadOffset(int64_t W) { return W + 1; }
int64_t PaddedPlane(int64_t H, int64_t W) { return H * W + 2 * PadOffset(W); }

}  // namespace

bool SmallConvSupported(int64_t K, int64_t Ci, int64_t Co, int64_t H, int64_t W,
                        int64_t element_bytes) {
  return (K == 1 || K == 3) && (element_bytes == 4 || element_bytes == 8) &&
         Ci >= 1 && Ci <= kSmallConvMaxChannels && Co >= 1 &&
         Co <= kSmallConvMaxChannels && H >= 1 && W >= 1 &&
         PickIsa(H, W, element_bytes) != Isa::kNone;
}

template <typename T>
void SmallConvForward(const T* in, const T* w, int64_t N, int64_t Ci,
                      int64_t Co, int64_t H, int64_t W, int64_t K, T* out,
                      bool accumulate) {
  const Isa isa = PickIsa(H, W, sizeof(T));
  const int64_t taps = K * K, HW = H * W;
  std::vector<T> wt(Ci * taps * Co);  // [Ci][taps][Co]
  for (int64_t co = 0; co < Co; ++co) {
    for (int64_t ci = 0; ci < Ci; ++ci) {
      for (int64_t t = 0; t < taps; ++t) {
        wt[(ci * taps + t) * Co + co] = w[(co * Ci + ci) * taps + t];
      }
    }
  }
  at::parallel_for(0, N, 1, [&](int64_t begin, int64_t end) {
    if (K == 1) {
      for (int64_t n = begin; n < end; ++n) {
        ConvSame(isa, in + n * Ci * HW, HW, wt.data(), Ci, Co, H, W, K,
                 out + n * Co * HW, accumulate);
      }
      return;
    }
    const int64_t off = PadOffset(W), plane = PaddedPlane(H, W);
    std::vector<T> padded(Ci * plane, T(0));  // borders stay zero
    for (int64_t n = begin; n < end; ++n) {
      for (int64_t ci = 0; ci < Ci; ++ci) {
        std::memcpy(padded.data() + ci * plane + off, in + (n * Ci + ci) * HW,
                    sizeof(T) * HW);
      }
      ConvSame(isa, padded.data() + off, plane, wt.data(), Ci, Co, H, W, K,
               out + n * Co * HW, accumulate);
    }
  });
}

template <typename T>
void SmallConvWeightGrad(const T* g, const T* x, int64_t R, int64_t N,
                         int64_t Ci, int64_t Co, int64_t H, int64_t W,
                         int64_t K, T* gw) {
  const Isa isa = PickIsa(H, W, sizeof(T));
  const ConvShape shape{R, N, Ci, Co, H, W, K};
  const int64_t HW = H * W;
  std::vector<T> padded;
  const T* xs = x;
  int64_t x_plane = HW;
  if (K == 3) {
    const int64_t off = PadOffset(W), plane = PaddedPlane(H, W);
    padded.assign(N * Ci * plane, T(0));
    at::parallel_for(0, N * Ci, 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        std::memcpy(padded.data() + i * plane + off, x + i * HW,
                    sizeof(T) * HW);
      }
    });
    xs = padded.data() + off;
    x_plane = plane;
  }
  // Replicas per task: 4 share each input load four times; fewer when
  // that would leave threads idle.
  int64_t rb = R % 4 == 0 ? 4 : R % 2 == 0 ? 2 : 1;
  const int64_t threads = at::get_num_threads();
  while (rb > 1 && (R / rb) * Co < 2 * threads) rb /= 2;
  const int64_t tasks = (R / rb) * Co;
  at::parallel_for(0, tasks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      WeightGrad(isa, shape, g, xs, x_plane, (t / Co) * rb, rb, t % Co, gw);
    }
  });
}

template <typename T>
void RowGram(const T* rows, int64_t B, int64_t P, T* out) {
  const Isa isa = WidestIsa();
  const int64_t tiles = (B + 3) / 4;
  // Tiles on or above the diagonal; the ones below are their mirrors.
  at::parallel_for(0, tiles * tiles, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t ti = t / tiles, tj = t % tiles;
      if (tj >= ti) GramTile(isa, rows, B, P, 4 * ti, 4 * tj, out);
    }
  });
  for (int64_t i = 0; i < B; ++i) {
    for (int64_t j = 0; j < i; ++j) out[i * B + j] = out[j * B + i];
  }
}

std::vector<std::string> SmallConvIsas() {
  std::vector<std::string> names;
  for (Isa isa : kIsas) {
    if (CpuHas(isa)) names.push_back(IsaName(isa));
  }
  return names;
}

void SetSmallConvIsaForTesting(const std::string& isa) {
  int forced = -1;
  for (Isa i : kIsas) {
    if (isa == IsaName(i)) forced = static_cast<int>(i);
  }
  forced_isa.store(forced, std::memory_order_relaxed);
}

template void RowGram<float>(const float*, int64_t, int64_t, float*);
template void RowGram<double>(const double*, int64_t, int64_t, double*);
template void SmallConvForward<float>(const float*, const float*, int64_t,
                                      int64_t, int64_t, int64_t, int64_t,
                                      int64_t, float*, bool);
template void SmallConvForward<double>(const double*, const double*, int64_t,
                                       int64_t, int64_t, int64_t, int64_t,
                                       int64_t, double*, bool);
template void SmallConvWeightGrad<float>(const float*, const float*, int64_t,
                                         int64_t, int64_t, int64_t, int64_t,
                                         int64_t, int64_t, float*);
template void SmallConvWeightGrad<double>(const double*, const double*, int64_t,
                                          int64_t, int64_t, int64_t, int64_t,
                                          int64_t, int64_t, double*);

}  // namespace tenas::measures::kernels
