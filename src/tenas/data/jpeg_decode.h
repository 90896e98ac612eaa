// Copyright 2026 The tenas Authors.
//
// jpeg_decode.h: decodes a JPEG file with libjpeg-turbo and resizes it as
// PIL would, for the ImageNet image folder (image_folder.h).

#ifndef TENAS_DATA_JPEG_DECODE_H_
#define TENAS_DATA_JPEG_DECODE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace tenas::data {

/// Decodes the JPEG file at `path` to RGB, as PIL's open + convert("RGB")
/// does (grayscale expanded; CMYK and YCCK converted with PIL's rules), and
/// writes it resized with ResizeRgbPil to 3 channel planes of out_h x out_w
/// in `out`. DataLoss for any file that is not a whole, decodable JPEG (also
/// a truncated one, which PIL refuses), NotFound / PermissionDenied when it
/// cannot be opened. Thread-safe: decoders and buffers are per thread.
/// Preconditions: out_h, out_w >= 1; `out` holds 3 * out_h * out_w bytes.
absl::Status DecodeJpegFile(const std::string& path, int out_h, int out_w,
                            uint8_t* out);

}  // namespace tenas::data

#endif  // TENAS_DATA_JPEG_DECODE_H_
