// Copyright 2026 The tenas Authors.
//
// bundled_cifar.h: the bundled CIFAR-10 sample (data/), loaded once per test
// binary and shared read-only by the tests that search or score on it.

#ifndef TENAS_TESTS_TESTING_BUNDLED_CIFAR_H_
#define TENAS_TESTS_TESTING_BUNDLED_CIFAR_H_

#include "tenas/data/image_dataset.h"

namespace tenas::testing {

/// The bundled CIFAR-10 sample; a load failure is a test failure (then the
/// dataset is empty). Never destroyed.
const data::ImageDataset& BundledCifar10();

}  // namespace tenas::testing

#endif  // TENAS_TESTS_TESTING_BUNDLED_CIFAR_H_
