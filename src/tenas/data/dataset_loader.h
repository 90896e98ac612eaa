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
inline constexpr absl::string_view kSupportedDatasets = "cifar10, cifar100";

/// Loads `name` ("cifar10" or "cifar100") from `data_dir` (the official
/// files, directly or in the folder their archive unpacks to). With an empty
/// `data_dir`, cifar10 is the bundled real sample; other datasets need a dir.
/// Errors name the field: unknown dataset, missing files (what and where).
absl::StatusOr<ImageDataset> LoadDataset(absl::string_view name,
                                         const std::string& data_dir);

/// Number of classes of a dataset name, or InvalidArgument.
absl::StatusOr<int> DatasetNumClasses(absl::string_view name);

}  // namespace tenas::data

#endif  // TENAS_DATA_DATASET_LOADER_H_
