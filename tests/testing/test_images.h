// Copyright 2026 The tenas Authors.
//
// test_images.h: synthetic interleaved RGB images for the image tests (the
// pattern that the Pillow goldens of pil_resize_test.cc were made from).

#ifndef TENAS_TESTS_TESTING_TEST_IMAGES_H_
#define TENAS_TESTS_TESTING_TEST_IMAGES_H_

#include <cstdint>
#include <vector>

namespace tenas::testing {

/// An h x w x 3 interleaved image of a fixed, busy pattern (the same formula
/// in numpy int64 made the PIL goldens).
std::vector<uint8_t> Pattern(int h, int w);

/// An h x w image of one colour; `colour` has one byte per channel (3 for
/// RGB, 4 for CMYK).
std::vector<uint8_t> Solid(int h, int w, std::vector<uint8_t> colour);

}  // namespace tenas::testing

#endif  // TENAS_TESTS_TESTING_TEST_IMAGES_H_
