// Copyright 2026 The tenas Authors.
//
// pil_resize.h: PIL's bilinear resize of an 8-bit RGB image, bit-exact, so
// that images resized here equal torchvision's Resize on a PIL image.

#ifndef TENAS_DATA_PIL_RESIZE_H_
#define TENAS_DATA_PIL_RESIZE_H_

#include <cstdint>

namespace tenas::data {

/// Resizes an interleaved RGB image (src_h x src_w x 3, row-major) to
/// dst_h x dst_w and writes it as 3 planes (channel-major) to `dst`, exactly
/// as PIL's Image.resize((dst_w, dst_h), Image.BILINEAR) on an "RGB" image
/// (libImaging/Resample.c; tested bit-exact against Pillow 9.4): a separable
/// triangle filter whose support grows with the downscale factor
/// (antialiasing), taps centred at (i + 0.5) * scale, weights normalised per
/// output pixel and converted to 22-bit fixed point, a horizontal pass into an
/// 8-bit intermediate image and then a vertical pass, each rounding half up
/// and clamping to [0, 255].
/// An axis whose size does not change is copied, as PIL skips that pass.
/// Preconditions: all sizes >= 1; `dst` holds 3 * dst_h * dst_w bytes.
void ResizeRgbPil(const uint8_t* src, int src_h, int src_w, int dst_h,
                  int dst_w, uint8_t* dst);

}  // namespace tenas::data

#endif  // TENAS_DATA_PIL_RESIZE_H_
