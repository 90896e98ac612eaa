// Copyright 2026 The tenas Authors.

#include "tenas/data/image_dataset.h"

#include "absl/strings/str_cat.h"

namespace tenas::data {

absl::Status CheckDatasetHolds(const ImageDataset& dataset, int64_t needed,
                               absl::string_view field,
                               absl::string_view what) {
  if (dataset.size() >= needed) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "dataset '", dataset.name, "' has ", dataset.size(), " images, but ",
      field, " asks for ", what, " of ", needed, " distinct images"));
}

}  // namespace tenas::data
