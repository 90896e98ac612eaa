// Copyright 2026 The tenas Authors.
//
// datasets.h: the datasets tenas knows, by their paper names, and the one a
// request without a dataset uses. LibTorch-free and reader-free: a request
// names a dataset long before anything is read (data/dataset_loader.h
// loads them).

#ifndef TENAS_OPTIONS_DATASETS_H_
#define TENAS_OPTIONS_DATASETS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tenas::data {

/// Names of the known datasets, in the paper's spelling.
inline constexpr absl::string_view kSupportedDatasets =
    "cifar10, cifar100, ImageNet16-120, imagenet-1k";

/// The dataset of a request that names none.
inline constexpr absl::string_view kDefaultDataset = "cifar10";

/// Number of classes of a dataset name; InvalidArgument ("dataset: unknown
/// dataset ...", listing the known ones) otherwise.
absl::StatusOr<int> DatasetNumClasses(absl::string_view name);

/// The dataset a request asks for: `requested`, or kDefaultDataset when
/// empty, checked to be a known name (not that it is loaded: that is the
/// DatasetStore's to say). InvalidArgument naming `field` otherwise.
absl::StatusOr<std::string> ResolveDatasetName(
    absl::string_view requested, absl::string_view field = "dataset");

}  // namespace tenas::data

#endif  // TENAS_OPTIONS_DATASETS_H_
