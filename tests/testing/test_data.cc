// Copyright 2026 The tenas Authors.

#include "testing/test_data.h"

#include <fstream>

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

std::map<int, std::string> Nb201ArchByIndex() {
  std::ifstream in(AccuracyTablePath());
  std::map<int, std::string> arch_by_index;
  std::string line;
  std::getline(in, line);  // header: arch,...,index
  while (std::getline(in, line)) {
    arch_by_index[std::stoi(line.substr(line.rfind(',') + 1))] =
        line.substr(0, line.find(','));
  }
  return arch_by_index;
}

}  // namespace tenas::testing
