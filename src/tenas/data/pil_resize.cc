// Copyright 2026 The tenas Authors.
//
// pil_resize.cc: PIL's ImagingResample (libImaging/Resample.c), 8 bits per
// channel, bilinear filter.

#include "tenas/data/pil_resize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace tenas::data {
namespace {

constexpr int kChannels = 3;
constexpr int kPrecisionBits = 32 - 8 - 2;

/// PIL's bilinear (triangle) filter, support 1.
double BilinearFilter(double x) {
  if (x < 0.0) x = -x;
  if (x < 1.0) return 1.0 - x;
  return 0.0;
}

/// Taps of one axis: for output i, inputs [bounds[2i], bounds[2i] +
/// bounds[2i+1]) with fixed-point weights kk[i * ksize + j].
struct ResampleCoeffs {
  int ksize = 0;
  std::vector<int> bounds;
  std::vector<int32_t> kk;
};

/// precompute_coeffs() followed by normalize_coeffs_8bpc() (box = whole axis).
ResampleCoeffs PrecomputeCoeffs(int in_size, int out_size) {
  ResampleCoeffs c;
  // PIL: scale = (double)(in1 - in0) / outSize with float in0 = 0, in1 =
  // in_size (exact for any realistic size).
  const double scale = static_cast<double>(static_cast<float>(in_size)) /
                       static_cast<double>(out_size);
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = 1.0 * filterscale;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.bounds.assign(static_cast<size_t>(out_size) * 2, 0);
  c.kk.assign(static_cast<size_t>(out_size) * c.ksize, 0);
  std::vector<double> k(static_cast<size_t>(c.ksize));
  const double ss = 1.0 / filterscale;
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    // C truncation toward zero, as PIL's (int) casts.
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      const double w = BilinearFilter((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (int x = 0; x < xmax; ++x) {
      if (ww != 0.0) k[x] /= ww;
    }
    int32_t* kk = &c.kk[static_cast<size_t>(xx) * c.ksize];
    for (int x = 0; x < xmax; ++x) {
      const double v = k[x] * (1 << kPrecisionBits);
      kk[x] = static_cast<int32_t>(k[x] < 0 ? -0.5 + v : 0.5 + v);
    }
    c.bounds[2 * xx] = xmin;
    c.bounds[2 * xx + 1] = xmax;
  }
  return c;
}

/// PIL's clip8: fixed-point sum (with the 0.5 rounding term) to uint8.
inline uint8_t Clip8(int32_t in) {
  if (in >= (1 << kPrecisionBits << 8)) return 255;
  if (in <= 0) return 0;
  return static_cast<uint8_t>(in >> kPrecisionBits);
}

/// Horizontal pass over rows [y0, y1) of an interleaved RGB image of width
/// in_w; writes (y1 - y0) rows of out_w interleaved pixels to `out`.
void ResampleHorizontal(const uint8_t* in, int in_w, int y0, int y1,
                        const ResampleCoeffs& c, int out_w, uint8_t* out) {
  for (int y = y0; y < y1; ++y) {
    const uint8_t* row = in + static_cast<int64_t>(y) * in_w * kChannels;
    for (int xx = 0; xx < out_w; ++xx) {
      const int xmin = c.bounds[2 * xx];
      const int n = c.bounds[2 * xx + 1];
      const int32_t* k = &c.kk[static_cast<size_t>(xx) * c.ksize];
      int32_t ss0 = 1 << (kPrecisionBits - 1);
      int32_t ss1 = ss0;
      int32_t ss2 = ss0;
      const uint8_t* p = row + static_cast<int64_t>(xmin) * kChannels;
      for (int x = 0; x < n; ++x, p += kChannels) {
        ss0 += p[0] * k[x];
        ss1 += p[1] * k[x];
        ss2 += p[2] * k[x];
      }
      *out++ = Clip8(ss0);
      *out++ = Clip8(ss1);
      *out++ = Clip8(ss2);
    }
  }
}

/// Vertical pass: `in` is interleaved RGB of width w whose row 0 is source
/// row `y0`; writes out_h rows as channel planes to `out`.
void ResampleVerticalToPlanes(const uint8_t* in, int w, int y0,
                              const ResampleCoeffs& c, int out_h,
                              uint8_t* out) {
  const int64_t plane = static_cast<int64_t>(out_h) * w;
  for (int yy = 0; yy < out_h; ++yy) {
    const int ymin = c.bounds[2 * yy] - y0;
    const int n = c.bounds[2 * yy + 1];
    const int32_t* k = &c.kk[static_cast<size_t>(yy) * c.ksize];
    for (int x = 0; x < w; ++x) {
      int32_t ss0 = 1 << (kPrecisionBits - 1);
      int32_t ss1 = ss0;
      int32_t ss2 = ss0;
      const uint8_t* p = in + (static_cast<int64_t>(ymin) * w + x) * kChannels;
      for (int y = 0; y < n; ++y, p += static_cast<int64_t>(w) * kChannels) {
        ss0 += p[0] * k[y];
        ss1 += p[1] * k[y];
        ss2 += p[2] * k[y];
      }
      const int64_t o = static_cast<int64_t>(yy) * w + x;
      out[o] = Clip8(ss0);
      out[plane + o] = Clip8(ss1);
      out[2 * plane + o] = Clip8(ss2);
    }
  }
}

/// Interleaved RGB (h x w x 3) to channel planes.
void InterleavedToPlanes(const uint8_t* in, int h, int w, uint8_t* out) {
  const int64_t plane = static_cast<int64_t>(h) * w;
  for (int64_t i = 0; i < plane; ++i) {
    out[i] = in[3 * i];
    out[plane + i] = in[3 * i + 1];
    out[2 * plane + i] = in[3 * i + 2];
  }
}

}  // namespace

void ResizeRgbPil(const uint8_t* src, int src_h, int src_w, int dst_h,
                  int dst_w, uint8_t* dst) {
  const bool need_horizontal = dst_w != src_w;
  const bool need_vertical = dst_h != src_h;
  if (!need_horizontal && !need_vertical) {
    InterleavedToPlanes(src, src_h, src_w, dst);
    return;
  }
  const ResampleCoeffs vert = PrecomputeCoeffs(src_h, dst_h);
  if (!need_horizontal) {
    ResampleVerticalToPlanes(src, src_w, 0, vert, dst_h, dst);
    return;
  }
  const ResampleCoeffs horiz = PrecomputeCoeffs(src_w, dst_w);
  if (!need_vertical) {
    std::vector<uint8_t> tmp(static_cast<size_t>(src_h) * dst_w * kChannels);
    ResampleHorizontal(src, src_w, 0, src_h, horiz, dst_w, tmp.data());
    InterleavedToPlanes(tmp.data(), dst_h, dst_w, dst);
    return;
  }
  // As PIL: the horizontal pass only covers the rows the vertical one reads.
  const int y_first = vert.bounds[0];
  const int y_last = vert.bounds[2 * dst_h - 2] + vert.bounds[2 * dst_h - 1];
  std::vector<uint8_t> tmp(static_cast<size_t>(y_last - y_first) * dst_w *
                           kChannels);
  ResampleHorizontal(src, src_w, y_first, y_last, horiz, dst_w, tmp.data());
  ResampleVerticalToPlanes(tmp.data(), dst_w, y_first, vert, dst_h, dst);
}

}  // namespace tenas::data
