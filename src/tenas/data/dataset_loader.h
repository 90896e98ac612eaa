// Copyright 2026 The tenas Authors.
//
// dataset_loader.h: loads a dataset by its paper name from the user's files
// (or the bundled CIFAR-10 sample). The names (kSupportedDatasets,
// DatasetNumClasses) are options/datasets.h.

#ifndef TENAS_DATA_DATASET_LOADER_H_
#define TENAS_DATA_DATASET_LOADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tenas/data/image_dataset.h"
#include "tenas/options/datasets.h"

namespace tenas::data {

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

}  // namespace tenas::data

#endif  // TENAS_DATA_DATASET_LOADER_H_
