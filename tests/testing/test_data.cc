// Copyright 2026 The tenas Authors.

#include "testing/test_data.h"

namespace tenas::testing {

std::string TestDataDir() {
  return std::string(TENAS_SOURCE_DIR) + "/tests/data";
}

std::string GoldenDir() {
  return std::string(TENAS_SOURCE_DIR) + "/tests/golden";
}

std::string AccuracyTablePath() {
  return std::string(TENAS_SOURCE_DIR) + "/data/nb201_accuracy.csv";
}

}  // namespace tenas::testing
