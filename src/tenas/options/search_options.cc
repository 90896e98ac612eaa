// Copyright 2026 The tenas Authors.

#include "tenas/options/search_options.h"

#include "absl/strings/str_cat.h"
#include "tenas/options/datasets.h"
#include "tenas/util/status_macros.h"

namespace tenas::search {
namespace {

absl::Status OutOfRange(absl::string_view field_prefix, absl::string_view field,
                        int64_t value, int64_t low, int64_t high) {
  return absl::InvalidArgumentError(absl::StrCat(field_prefix, field, ": ",
                                                 value, " is out of range [",
                                                 low, ", ", high, "]"));
}

}  // namespace

absl::Status CheckSearchOptions(const SearchOptions& o,
                                absl::string_view dataset_name,
                                int64_t dataset_images,
                                absl::string_view field_prefix) {
  if (o.batch_size != 0 && o.batch_size < 2) {
    return OutOfRange(field_prefix, "batch_size", o.batch_size, 2,
                      dataset_images);
  }
  if (o.measures.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field_prefix, "measures: at least one measure must rank"));
  }
  bool proxies = false;
  for (size_t i = 0; i < o.measures.size(); ++i) {
    if (i > 0 && o.measures[i] <= o.measures[i - 1]) {
      return absl::InvalidArgumentError(absl::StrCat(
          field_prefix, "measures: distinct measures in canonical order"));
    }
    proxies = proxies || measures::IsZeroCostProxy(o.measures[i]);
  }
  if (proxies) {
    if (o.proxy_batch_size < 2) {
      return OutOfRange(field_prefix, "proxy_batch_size", o.proxy_batch_size, 2,
                        dataset_images);
    }
    TENAS_RETURN_IF_ERROR(data::CheckDatasetHolds(
        dataset_name, dataset_images, o.proxy_batch_size,
        absl::StrCat(field_prefix, "proxy_batch_size"), "a proxy batch"));
  }
  if (o.batch_size != 0) {  // Else the default, checked once chosen.
    TENAS_RETURN_IF_ERROR(data::CheckDatasetHolds(
        dataset_name, dataset_images, o.batch_size,
        absl::StrCat(field_prefix, "batch_size"), "an NTK batch"));
  }
  if (o.repeats < 1 || o.repeats > measures::kMaxRepeats) {
    return OutOfRange(field_prefix, "repeats", o.repeats, 1,
                      measures::kMaxRepeats);
  }
  if (o.prune_number < 0 || o.prune_number > MaxPruneNumber(o.space)) {
    return OutOfRange(field_prefix, "prune_number", o.prune_number, 1,
                      MaxPruneNumber(o.space));
  }
  if (o.precision < 0 || o.precision > 10) {
    return OutOfRange(field_prefix, "precision", o.precision, 0, 10);
  }
  if (o.lr_batch_size < 1) {
    return OutOfRange(field_prefix, "lr_batch_size", o.lr_batch_size, 1,
                      dataset_images);
  }
  TENAS_RETURN_IF_ERROR(data::CheckDatasetHolds(
      dataset_name, dataset_images, o.lr_batch_size,
      absl::StrCat(field_prefix, "lr_batch_size"), "a linear-region batch"));
  if (o.lr_num_batches < 1 || o.lr_num_batches > measures::kMaxLrBatches) {
    return OutOfRange(field_prefix, "lr_num_batches", o.lr_num_batches, 1,
                      measures::kMaxLrBatches);
  }
  if (o.ntk_group < 0 || o.ntk_group > kMaxNtkGroup) {
    return OutOfRange(field_prefix, "ntk_group", o.ntk_group, 0, kMaxNtkGroup);
  }
  if (o.workers < 1 || o.workers > kMaxSearchWorkers) {
    return OutOfRange(field_prefix, "workers", o.workers, 1, kMaxSearchWorkers);
  }
  return absl::OkStatus();
}

}  // namespace tenas::search
