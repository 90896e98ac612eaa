// Copyright 2026 The tenas Authors.

#include "tenas/options/score_options.h"

#include "absl/strings/str_cat.h"
#include "tenas/options/datasets.h"
#include "tenas/util/status_macros.h"

namespace tenas::measures {

absl::Status CheckScoreOptions(const ScoreOptions& options,
                               absl::string_view dataset_name,
                               int64_t dataset_images,
                               absl::string_view field_prefix) {
  if (options.compute_ntk && options.batch_size < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(field_prefix, "batch_size: ", options.batch_size,
                     " is out of range [2, ", dataset_images,
                     "] (the dataset has ", dataset_images, " images)"));
  }
  if (options.compute_ntk) {
    TENAS_RETURN_IF_ERROR(data::CheckDatasetHolds(
        dataset_name, dataset_images, options.batch_size,
        absl::StrCat(field_prefix, "batch_size"), "an NTK batch"));
  }
  if (options.repeats < 1 || options.repeats > kMaxRepeats) {
    return absl::InvalidArgumentError(
        absl::StrCat(field_prefix, "repeats: ", options.repeats,
                     " is out of range [1, ", kMaxRepeats, "]"));
  }
  if (options.compute_regions && options.lr_batch_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(field_prefix, "lr_batch_size: ", options.lr_batch_size,
                     " is out of range [1, ", dataset_images, "]"));
  }
  if (options.compute_regions) {
    TENAS_RETURN_IF_ERROR(data::CheckDatasetHolds(
        dataset_name, dataset_images, options.lr_batch_size,
        absl::StrCat(field_prefix, "lr_batch_size"), "a linear-region batch"));
  }
  if (options.lr_num_batches < 1 || options.lr_num_batches > kMaxLrBatches) {
    return absl::InvalidArgumentError(
        absl::StrCat(field_prefix, "lr_num_batches: ", options.lr_num_batches,
                     " is out of range [1, ", kMaxLrBatches, "]"));
  }
  if (!options.compute_ntk && !options.compute_regions) {
    return absl::InvalidArgumentError(
        absl::StrCat(field_prefix,
                     "measures: at least one of the NTK and linear regions "
                     "must be asked for"));
  }
  return absl::OkStatus();
}

}  // namespace tenas::measures
