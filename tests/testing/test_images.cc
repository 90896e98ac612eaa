// Copyright 2026 The tenas Authors.

#include "testing/test_images.h"

namespace tenas::testing {

std::vector<uint8_t> Pattern(int h, int w) {
  std::vector<uint8_t> out(static_cast<size_t>(h) * w * 3);
  for (int64_t y = 0; y < h; ++y) {
    for (int64_t x = 0; x < w; ++x) {
      for (int64_t c = 0; c < 3; ++c) {
        out[(y * w + x) * 3 + c] = static_cast<uint8_t>(
            (x * 37 + y * 91 + c * 53 + ((x * y) % 17) * 7 +
             (x * x + 3 * y * y) % 29) &
            255);
      }
    }
  }
  return out;
}

std::vector<uint8_t> Solid(int h, int w, std::vector<uint8_t> colour) {
  std::vector<uint8_t> out;
  out.reserve(static_cast<size_t>(h) * w * colour.size());
  for (int i = 0; i < h * w; ++i) {
    out.insert(out.end(), colour.begin(), colour.end());
  }
  return out;
}

}  // namespace tenas::testing
