// Copyright 2026 The tenas Authors.
//
// datasets.h: the datasets tenas knows, by their paper names, and the one a
// request without a dataset uses. LibTorch-free and reader-free: a request
// names a dataset long before anything is read (data/dataset_loader.h
// loads them).

#ifndef TENAS_OPTIONS_DATASETS_H_
#define TENAS_OPTIONS_DATASETS_H_

#include <cstdint>
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

/// OK when the dataset `dataset` of `images` images holds the `needed`
/// distinct images of one batch that the request field `field` asks for
/// (`what` says what the batch is, e.g. "an NTK batch"). Otherwise
/// InvalidArgument in one line naming the dataset, the images it has, the
/// field and the images needed, e.g. "dataset 'ImageNet16-120' has 360
/// images, but lr_batch_size asks for a linear-region batch of 1000 distinct
/// images".
absl::Status CheckDatasetHolds(absl::string_view dataset, int64_t images,
                               int64_t needed, absl::string_view field,
                               absl::string_view what);

}  // namespace tenas::data

#endif  // TENAS_OPTIONS_DATASETS_H_
