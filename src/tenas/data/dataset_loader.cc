// Copyright 2026 The tenas Authors.

#include "tenas/data/dataset_loader.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tenas/data/cifar.h"

namespace tenas::data {

absl::StatusOr<int> DatasetNumClasses(absl::string_view name) {
  if (name == "cifar10") return 10;
  if (name == "cifar100") return 100;
  return absl::InvalidArgumentError(absl::StrCat("dataset: unknown dataset '",
                                                 name, "' (expected one of ",
                                                 kSupportedDatasets, ")"));
}

absl::StatusOr<ImageDataset> LoadDataset(absl::string_view name,
                                         const std::string& data_dir) {
  if (name == "cifar10") {
    if (data_dir.empty()) return LoadBundledCifar10();
    return LoadCifarDir(data_dir, CifarKind::kCifar10);
  }
  if (name == "cifar100") {
    if (data_dir.empty()) {
      return absl::InvalidArgumentError(
          "data_dir: dataset cifar100 has no bundled sample; pass the folder "
          "holding train.bin (or cifar-100-binary/) with --data-dir");
    }
    return LoadCifarDir(data_dir, CifarKind::kCifar100);
  }
  return DatasetNumClasses(name).status();
}

}  // namespace tenas::data
