// Copyright 2026 The tenas Authors.
//
// PIL's bilinear resize (pil_resize.h): bit-exact against Pillow 9.4 goldens,
// the 1-3-3-1 kernel of a halving, solid colours at any size.

#include "tenas/data/pil_resize.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "testing/test_images.h"

namespace tenas::data {
namespace {

using ::tenas::testing::Pattern;
using ::tenas::testing::Solid;

uint64_t Fnv1a(const std::vector<uint8_t>& bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (uint8_t b : bytes) {
    h ^= b;
    h *= 0x100000001b3ULL;
  }
  return h;
}

TEST(ResizeRgbPilTest, MatchesPillowExactly) {
  // Pillow 9.4: Image.fromarray(Pattern(h, w), "RGB").resize((ow, oh),
  // Image.BILINEAR), as planes: FNV-1a of the bytes, their sum, plane 1 at
  // row 5, column 7.
  struct Golden {
    int h, w, oh, ow;
    uint64_t fnv;
    int64_t sum;
    int g_5_7;
  };
  const Golden goldens[] = {
      {64, 64, 32, 32, 0x73038b5ea494308dULL, 391750, 141},
      {75, 100, 32, 32, 0xc87ddcea058bd35dULL, 392264, 157},
      {500, 333, 32, 32, 0x28e87607e936d102ULL, 392057, 128},
      {17, 20, 32, 32, 0xfe61481f0587f971ULL, 390168, 156},
      {32, 48, 32, 32, 0x38198cbbad26f6f6ULL, 391889, 185},
      {40, 32, 32, 32, 0x3283563286dab3c7ULL, 388238, 114},
      {32, 32, 32, 32, 0x16798edc6956638cULL, 389159, 14},
      {7, 5, 32, 32, 0xe448085799b8b37dULL, 404520, 148},
      {375, 500, 32, 32, 0x9cb18196f0386e62ULL, 391997, 131},
      {64, 64, 16, 16, 0xb2ef7547a921c070ULL, 97869, 120},
  };
  for (const Golden& g : goldens) {
    const std::vector<uint8_t> src = Pattern(g.h, g.w);
    std::vector<uint8_t> out(static_cast<size_t>(g.oh) * g.ow * 3);
    ResizeRgbPil(src.data(), g.h, g.w, g.oh, g.ow, out.data());
    int64_t sum = 0;
    for (uint8_t v : out) sum += v;
    EXPECT_EQ(sum, g.sum) << g.h << "x" << g.w;
    EXPECT_EQ(out[static_cast<size_t>(g.oh) * g.ow + 5 * g.ow + 7], g.g_5_7)
        << g.h << "x" << g.w;
    EXPECT_EQ(Fnv1a(out), g.fnv) << g.h << "x" << g.w;
  }
}

TEST(ResizeRgbPilTest, HalvingIsTheOneThreeThreeOneKernel) {
  // PIL's antialiased bilinear 2x reduction weighs input pixels 2i-1 .. 2i+2
  // by 1/8, 3/8, 3/8, 1/8 (the triangle filter stretched to support 2), so
  // a linear ramp halves to its 2x2 box average; at the borders the kernel
  // is cut and renormalised.
  std::vector<uint8_t> src(64 * 64 * 3);
  for (int y = 0; y < 64; ++y) {
    for (int x = 0; x < 64; ++x) {
      src[(y * 64 + x) * 3 + 0] = static_cast<uint8_t>(3 * x);
      src[(y * 64 + x) * 3 + 1] = static_cast<uint8_t>(2 * y + 10);
      src[(y * 64 + x) * 3 + 2] = static_cast<uint8_t>((x + y) % 2 ? 200 : 0);
    }
  }
  std::vector<uint8_t> out(32 * 32 * 3);
  ResizeRgbPil(src.data(), 64, 64, 32, 32, out.data());
  for (int y = 1; y < 31; ++y) {
    for (int x = 1; x < 31; ++x) {
      EXPECT_NEAR(out[y * 32 + x], 3 * (2 * x + 0.5), 1);
      EXPECT_NEAR(out[1024 + y * 32 + x], 2 * (2 * y + 0.5) + 10, 1);
      EXPECT_NEAR(out[2048 + y * 32 + x], 100, 1);  // Checkerboard: mean.
    }
  }
  // Left border: inputs 0, 1, 2 weighted 3, 3, 1 (/7).
  EXPECT_NEAR(out[0 * 32 + 0], (3 * 0 + 3 * 3 + 1 * 6) / 7.0, 1);
}

TEST(ResizeRgbPilTest, SolidImagesStaySolidAtAnySize) {
  for (const auto& [h, w] : std::vector<std::pair<int, int>>{
           {1, 1}, {3, 700}, {31, 33}, {32, 32}, {333, 500}, {1000, 2}}) {
    const std::vector<uint8_t> src = Solid(h, w, {255, 0, 77});
    std::vector<uint8_t> out(32 * 32 * 3);
    ResizeRgbPil(src.data(), h, w, 32, 32, out.data());
    for (int p = 0; p < 1024; ++p) {
      ASSERT_EQ(out[p], 255) << h << "x" << w;
      ASSERT_EQ(out[1024 + p], 0) << h << "x" << w;
      ASSERT_EQ(out[2048 + p], 77) << h << "x" << w;
    }
  }
}

}  // namespace
}  // namespace tenas::data
