// Copyright 2026 The tenas Authors.

#include "tenas/space/accuracy_table.h"

#include <fstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace tenas::nb201 {

absl::StatusOr<AccuracyTable> AccuracyTable::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("accuracy_table: cannot open '", path, "'"));
  }
  std::string line;
  if (!std::getline(in, line) ||
      line.rfind("arch,cifar10_test,cifar100_test,imagenet16_test", 0) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "accuracy_table: '", path,
        "' line 1: expected header arch,cifar10_test,cifar100_test,"
        "imagenet16_test,...,index"));
  }
  AccuracyTable table;
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    std::vector<std::string> cols = absl::StrSplit(line, ',');
    BenchmarkAccuracy acc;
    auto arch = ParseArchitecture(cols[0]);
    if (cols.size() < 5 || !arch.ok() ||
        !absl::SimpleAtod(cols[1], &acc.cifar10_test) ||
        !absl::SimpleAtod(cols[2], &acc.cifar100_test) ||
        !absl::SimpleAtod(cols[3], &acc.imagenet16_test) ||
        !absl::SimpleAtoi(cols.back(), &acc.index)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "accuracy_table: '", path, "' line ", line_no, " is malformed"));
    }
    table.rows_[ArchitectureOrdinal(*arch)] = acc;
  }
  return table;
}

const BenchmarkAccuracy* AccuracyTable::Find(const Architecture& arch) const {
  auto it = rows_.find(ArchitectureOrdinal(arch));
  return it == rows_.end() ? nullptr : &it->second;
}

}  // namespace tenas::nb201
