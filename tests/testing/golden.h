// Copyright 2026 The tenas Authors.
//
// golden.h: loads the fixtures in tests/golden that were produced by the
// original TE-NAS Python code (manifest.json + tensors.bin of float32 arrays).

#ifndef TENAS_TESTS_TESTING_GOLDEN_H_
#define TENAS_TESTS_TESTING_GOLDEN_H_

#include <ATen/core/Tensor.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "testing/test_data.h"

namespace tenas::testing {

/// One golden fixture folder.
struct GoldenFixture {
  nlohmann::json manifest;
  /// Every tensor of the fixture by name, as float32 CPU tensors.
  std::map<std::string, at::Tensor> tensors;
  /// Names of the `param` tensors in the original named_parameters order.
  std::vector<std::string> param_names;

  const at::Tensor& Get(const std::string& name) const;
};

/// Loads `tests/golden/<name>`. Aborts the test (via ADD_FAILURE and an
/// empty result) if the folder is missing.
GoldenFixture LoadGolden(const std::string& name);

}  // namespace tenas::testing

#endif  // TENAS_TESTS_TESTING_GOLDEN_H_
