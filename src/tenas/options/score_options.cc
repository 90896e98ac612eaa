// Copyright 2026 The tenas Authors.

#include "tenas/options/score_options.h"

#include "absl/strings/str_cat.h"
#include "tenas/options/datasets.h"
#include "tenas/util/status_macros.h"

namespace tenas::measures {

void SetMeasures(const std::vector<Measure>& measures, ScoreOptions& options) {
  options.compute_ntk = false;
  options.compute_regions = false;
  options.proxies.clear();
  for (Measure m : measures) {
    if (m == Measure::kNtk) {
      options.compute_ntk = true;
    } else if (m == Measure::kRegions) {
      options.compute_regions = true;
    } else {
      options.proxies.push_back(m);
    }
  }
}

std::vector<Measure> RequestedMeasures(const ScoreOptions& options) {
  std::vector<Measure> out;
  if (options.compute_ntk) out.push_back(Measure::kNtk);
  if (options.compute_regions) out.push_back(Measure::kRegions);
  out.insert(out.end(), options.proxies.begin(), options.proxies.end());
  return out;
}

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
  for (size_t i = 0; i < options.proxies.size(); ++i) {
    if (!IsZeroCostProxy(options.proxies[i]) ||
        (i > 0 && options.proxies[i] <= options.proxies[i - 1])) {
      return absl::InvalidArgumentError(
          absl::StrCat(field_prefix,
                       "measures: proxies must be distinct zero-cost "
                       "proxies in canonical order"));
    }
  }
  if (!options.proxies.empty()) {
    if (options.proxy_batch_size < 2 ||
        options.proxy_batch_size > kMaxProxyBatchSize) {
      return absl::InvalidArgumentError(absl::StrCat(
          field_prefix, "proxy_batch_size: ", options.proxy_batch_size,
          " is out of range [2, ", kMaxProxyBatchSize, "]"));
    }
    TENAS_RETURN_IF_ERROR(data::CheckDatasetHolds(
        dataset_name, dataset_images, options.proxy_batch_size,
        absl::StrCat(field_prefix, "proxy_batch_size"), "a proxy batch"));
  }
  if (!options.compute_ntk && !options.compute_regions &&
      options.proxies.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field_prefix, "measures: at least one measure must be asked for"));
  }
  return absl::OkStatus();
}

}  // namespace tenas::measures
