// Copyright 2026 The tenas Authors.
//
// test_data.h: where the tests' data lives inside the repository (nothing
// outside it is read): tests/data (real images, NASLib's proxy table),
// tests/golden (fixtures of the original TE-NAS code) and the product's own
// data/ folder (the NAS-Bench-201 accuracy table). LibTorch-free.

#ifndef TENAS_TESTS_TESTING_TEST_DATA_H_
#define TENAS_TESTS_TESTING_TEST_DATA_H_

#include <map>
#include <string>

namespace tenas::testing {

/// Absolute path of `tests/data` in the source tree.
std::string TestDataDir();

/// Absolute path of `tests/golden` in the source tree.
std::string GoldenDir();

/// Absolute path of `data/nb201_accuracy.csv` in the source tree.
std::string AccuracyTablePath();

/// The NB201 architecture string of every official index, read from
/// AccuracyTablePath() (empty if the file cannot be read).
std::map<int, std::string> Nb201ArchByIndex();

}  // namespace tenas::testing

#endif  // TENAS_TESTS_TESTING_TEST_DATA_H_
