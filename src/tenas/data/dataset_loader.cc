// Copyright 2026 The tenas Authors.

#include "tenas/data/dataset_loader.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tenas/data/cifar.h"
#include "tenas/data/image_folder.h"
#include "tenas/data/imagenet16.h"

namespace tenas::data {

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
  if (name == "ImageNet16-120" || name == "imagenet-1k") {
    if (data_dir.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "data_dir: dataset ", name,
          " has no bundled sample; pass the folder of its original files "
          "with --data-dir"));
    }
    if (name == "ImageNet16-120") return LoadImagenet16Dir(data_dir);
    return LoadImageFolder(data_dir);
  }
  return DatasetNumClasses(name).status();
}

}  // namespace tenas::data
