// Copyright 2026 The tenas Authors.
//
// jpeg_decode.cc: JPEG files decoded with libjpeg-turbo (TurboJPEG API) as
// PIL decodes them.
//
// Fidelity to torchvision's ImageFolder + PIL loader + Resize((32, 32)):
//  - Decoding: TurboJPEG with its defaults (accurate integer IDCT, fancy
//    upsampling), which are libjpeg's defaults that PIL also decodes with, so
//    the RGB pixels match PIL's given the same libjpeg(-turbo) build.
//    Grayscale JPEGs are expanded to RGB (R = G = B), as convert("RGB").
//    CMYK / YCCK JPEGs are decoded to CMYK and converted with PIL's rules:
//    the decoded values are inverted ("CMYK;I", Adobe convention) into
//    C, M, Y, K and then R = (255 - K) - C * (255 - K) / 255 (likewise G, B)
//    with PIL's integer rounding.
//  - Truncated files: libjpeg only warns and pads the image with grey; PIL
//    raises "image file is truncated". A decode that warned and whose file
//    has no EOI marker (FF D9) in its last 64 bytes is therefore an error.
//    Other libjpeg warnings (e.g. extraneous bytes) are accepted, as in PIL.
//  - Checked bit-exact against Pillow 9.4 (Debian, libjpeg-turbo 2.1.5) on
//    baseline and progressive JPEGs, 4:4:4 / 4:2:2 / 4:2:0, grayscale, CMYK,
//    extraneous bytes before EOI and trailing garbage after it.
//  - Deviations: only JPEG content is decoded (a PNG saved as .JPEG, which
//    PIL would open, is reported corrupt and skipped); a file that makes
//    libjpeg warn and has over 64 bytes of junk after its EOI is taken as
//    truncated; images are listed only directly inside the class folders
//    (torchvision also walks nested folders); EXIF orientation is ignored,

#include "tenas/data/jpeg_decode.h"

#include <turbojpeg.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tenas/data/file_reader.h"
#include "tenas/data/pil_resize.h"
#include "tenas/util/status_macros.h"

namespace tenas::data {
namespace {

/// PIL refuses images above 2 * Image.MAX_IMAGE_PIXELS (decompression bomb).
constexpr int64_t kMaxPixels = int64_t{2} * 89478485;

/// Frees a TurboJPEG handle.
struct TjHandleDeleter {
  void operator()(void* handle) const {
    if (handle != nullptr) tjDestroy(handle);
  }
};

/// This thread's TurboJPEG decompressor (created on first use), or null if
/// TurboJPEG could not allocate one.
tjhandle ThreadDecompressor() {
  thread_local std::unique_ptr<void, TjHandleDeleter> handle(
      tjInitDecompress());
  return handle.get();
}

/// Per-thread decode buffers, reused between images.
struct DecodeBuffers {
  std::vector<uint8_t> file;
  std::vector<uint8_t> pixels;  // RGB or CMYK as decoded.
  std::vector<uint8_t> rgb;     // CMYK converted to RGB.

  /// Drops buffers grown by an unusually large image.
  void Trim() {
    constexpr size_t kKeep = size_t{32} << 20;
    for (std::vector<uint8_t>* v : {&file, &pixels, &rgb}) {
      if (v->capacity() > kKeep) std::vector<uint8_t>().swap(*v);
    }
  }
};

DecodeBuffers& ThreadBuffers() {
  thread_local DecodeBuffers buffers;
  return buffers;
}

/// Whether an EOI marker (FF D9) is among the last 64 bytes. Entropy-coded
/// data never contains FF D9, so a file without one was cut short.
bool HasEoiNearEnd(const std::vector<uint8_t>& bytes) {
  const size_t n = bytes.size();
  const size_t from = n > 64 ? n - 64 : 0;
  for (size_t i = from; i + 1 < n; ++i) {
    if (bytes[i] == 0xFF && bytes[i + 1] == 0xD9) return true;
  }
  return false;
}

/// PIL's MULDIV255: a * b / 255 with PIL's integer rounding.
inline int MulDiv255(int a, int b) {
  const int tmp = a * b + 128;
  return ((tmp >> 8) + tmp) >> 8;
}

/// PIL: a CMYK JPEG is read as "CMYK;I" (every component inverted), then
/// convert("RGB") applies cmyk2rgb. `in` is CMYK as libjpeg decodes it.
void CmykToRgbLikePil(const uint8_t* in, int64_t pixels, uint8_t* out) {
  for (int64_t i = 0; i < pixels; ++i, in += 4, out += 3) {
    const int nk = in[3];  // 255 - (255 - K).
    for (int c = 0; c < 3; ++c) {
      const int v = nk - MulDiv255(255 - in[c], nk);
      out[c] = static_cast<uint8_t>(std::clamp(v, 0, 255));
    }
  }
}

}  // namespace

absl::Status DecodeJpegFile(const std::string& path, int out_h, int out_w,
                            uint8_t* out) {
  DecodeBuffers& buf = ThreadBuffers();
  TENAS_RETURN_IF_ERROR(ReadWholeFile(path, "a JPEG file", &buf.file));
  if (buf.file.empty()) {
    return absl::DataLossError(absl::StrCat(path, ": empty file"));
  }
  tjhandle tj = ThreadDecompressor();
  if (tj == nullptr) {
    return absl::InternalError(absl::StrCat(
        path,
        ": cannot create a TurboJPEG decompressor: ", tjGetErrorStr2(nullptr)));
  }
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(tj, buf.file.data(),
                          static_cast<unsigned long>(buf.file.size()), &width,
                          &height, &subsamp, &colorspace) != 0) {
    return absl::DataLossError(
        absl::StrCat(path, ": not a readable JPEG (", tjGetErrorStr2(tj), ")"));
  }
  const int64_t pixels = static_cast<int64_t>(width) * height;
  if (width < 1 || height < 1 || pixels > kMaxPixels) {
    return absl::DataLossError(absl::StrCat(path, ": JPEG of ", width, "x",
                                            height,
                                            " pixels is empty or too large"));
  }
  const bool cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
  const int bpp = cmyk ? 4 : 3;
  buf.pixels.resize(static_cast<size_t>(pixels * bpp));
  if (tjDecompress2(tj, buf.file.data(),
                    static_cast<unsigned long>(buf.file.size()),
                    buf.pixels.data(), width, 0, height,
                    cmyk ? TJPF_CMYK : TJPF_RGB, 0) != 0) {
    const std::string reason = tjGetErrorStr2(tj);
    if (tjGetErrorCode(tj) != TJERR_WARNING) {
      return absl::DataLossError(
          absl::StrCat(path, ": JPEG decode failed (", reason, ")"));
    }
    if (!HasEoiNearEnd(buf.file)) {
      return absl::DataLossError(
          absl::StrCat(path, ": truncated JPEG (", reason, ")"));
    }
  }
  const uint8_t* rgb = buf.pixels.data();
  if (cmyk) {
    buf.rgb.resize(static_cast<size_t>(pixels * 3));
    CmykToRgbLikePil(buf.pixels.data(), pixels, buf.rgb.data());
    rgb = buf.rgb.data();
  }
  ResizeRgbPil(rgb, height, width, out_h, out_w, out);
  buf.Trim();
  return absl::OkStatus();
}

}  // namespace tenas::data
