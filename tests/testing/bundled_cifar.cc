// Copyright 2026 The tenas Authors.

#include "testing/bundled_cifar.h"

#include <gtest/gtest.h>

#include "tenas/data/cifar.h"

namespace tenas::testing {

const data::ImageDataset& BundledCifar10() {
  static const data::ImageDataset* d = [] {
    auto loaded = data::LoadBundledCifar10();
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded.ok() ? new data::ImageDataset(std::move(*loaded))
                       : new data::ImageDataset();
  }();
  return *d;
}

}  // namespace tenas::testing
