// Copyright 2026 The tenas Authors.

#include "tenas/options/datasets.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tenas/util/error_text.h"

namespace tenas::data {
namespace {

absl::Status UnknownDataset(absl::string_view name, absl::string_view field) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": unknown dataset '", ShortInput(name),
                   "' (expected one of ", kSupportedDatasets, ")"));
}

}  // namespace

absl::StatusOr<int> DatasetNumClasses(absl::string_view name) {
  if (name == "cifar10") return 10;
  if (name == "cifar100") return 100;
  if (name == "ImageNet16-120") return 120;
  if (name == "imagenet-1k") return 1000;
  return UnknownDataset(name, "dataset");
}

absl::StatusOr<std::string> ResolveDatasetName(absl::string_view requested,
                                               absl::string_view field) {
  const absl::string_view name =
      requested.empty() ? kDefaultDataset : requested;
  if (!DatasetNumClasses(name).ok()) return UnknownDataset(name, field);
  return std::string(name);
}

absl::Status CheckDatasetHolds(absl::string_view dataset, int64_t images,
                               int64_t needed, absl::string_view field,
                               absl::string_view what) {
  if (images >= needed) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "dataset '", dataset, "' has ", images, " images, but ", field,
      " asks for ", what, " of ", needed, " distinct images"));
}

}  // namespace tenas::data
