// Copyright 2026 The tenas Authors.
//
// accuracy_table.h: NAS-Bench-201 ground-truth accuracies from a CSV with the
// columns arch,cifar10_test,cifar100_test,imagenet16_test,...,index (the
// format of nb201_accuracy.csv). Replaces the original code's query of the
// 2 GB benchmark .pth file.

#ifndef TENAS_SPACE_ACCURACY_TABLE_H_
#define TENAS_SPACE_ACCURACY_TABLE_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "tenas/space/nb201.h"

namespace tenas::nb201 {

/// 200-epoch test accuracies of one architecture, in percent.
struct BenchmarkAccuracy {
  int index = -1;  ///< Official NAS-Bench-201 index.
  double cifar10_test = 0;
  double cifar100_test = 0;
  double imagenet16_test = 0;
};

/// Accuracies by architecture ordinal (ArchitectureOrdinal).
class AccuracyTable {
 public:
  /// Parses the CSV; errors name the file and the line.
  static absl::StatusOr<AccuracyTable> Load(const std::string& path);

  /// Accuracy of `arch`, or nullptr if the table lacks it.
  const BenchmarkAccuracy* Find(const Architecture& arch) const;
  size_t size() const { return rows_.size(); }

 private:
  std::map<int, BenchmarkAccuracy> rows_;
};

}  // namespace tenas::nb201

#endif  // TENAS_SPACE_ACCURACY_TABLE_H_
