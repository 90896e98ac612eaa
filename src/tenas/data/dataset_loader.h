// Copyright 2026 The tenas Authors.
//
// dataset_loader.h: loads a dataset by its paper name from the user's files
// (or the bundled CIFAR-10 sample).

#ifndef TENAS_DATA_DATASET_LOADER_H_
#define TENAS_DATA_DATASET_LOADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tenas/data/image_dataset.h"

namespace tenas::data {

/// Names accepted by LoadDataset, in the paper's spelling.
inline constexpr absl::string_view kSupportedDatasets =
    "cifar10, cifar100, ImageNet16-120, imagenet-1k";

/// Loads `name` from `data_dir`, the dataset's original files, directly or
/// in the folder their archive unpacks to:
///  - cifar10: data_batch_{1..5}.bin (cifar-10-batches-bin/),
///  - cifar100: train.bin (cifar-100-binary/),
///  - ImageNet16-120: the Imagenet16 pickles train_data_batch_{1..10},
///  - imagenet-1k: an image folder train/<wnid>/*.JPEG, decoded lazily.
/// With an empty `data_dir`, cifar10 is the bundled real sample; other
/// datasets need a dir.
/// Errors name the field: unknown dataset, missing files (what and where).
absl::StatusOr<ImageDataset> LoadDataset(absl::string_view name,
                                         const std::string& data_dir);

/// Number of classes of a dataset name, or InvalidArgument.
absl::StatusOr<int> DatasetNumClasses(absl::string_view name);

}  // namespace tenas::data

#endif  // TENAS_DATA_DATASET_LOADER_H_
