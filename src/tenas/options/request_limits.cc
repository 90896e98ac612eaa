// Copyright 2026 The tenas Authors.

#include "tenas/options/request_limits.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "tenas/options/measures.h"
#include "tenas/util/status_macros.h"

namespace tenas::options {
namespace {

// "<prefix><field>: <asked> is out of range [low, high] (<why>)", where
// <asked> also shows the default a zero stood for.
absl::Status OutOfRange(absl::string_view field_prefix, absl::string_view field,
                        int asked, int used, int low, int high,
                        absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(field_prefix, field, ": ", asked,
                   asked == used ? "" : absl::StrCat(" (default ", used, ")"),
                   " is out of range [", low, ", ", high, "] (", why, ")"));
}

// Checks repeats and batch_size (already defaulted) against the caps.
absl::Status CheckCaps(int asked_repeats, int repeats, int asked_batch,
                       int batch, const RequestLimits& limits,
                       absl::string_view field_prefix) {
  const int max_repeats = std::min(limits.max_repeats, measures::kMaxRepeats);
  if (repeats < 1 || repeats > max_repeats) {
    return OutOfRange(
        field_prefix, "repeats", asked_repeats, repeats, 1, max_repeats,
        max_repeats == limits.max_repeats ? "server limit --max-repeats"
                                          : "library limit");
  }
  if (batch < 2 || batch > limits.max_batch_size) {
    return OutOfRange(field_prefix, "batch_size", asked_batch, batch, 2,
                      limits.max_batch_size, "server limit --max-batch-size");
  }
  return absl::OkStatus();
}

// Defaults a zero proxy batch to `default_batch` and, when zero-cost
// proxies are asked for, checks it against the batch cap.
absl::Status CheckProxyBatch(bool has_proxies, int* proxy_batch_size,
                             int default_batch, const RequestLimits& limits,
                             absl::string_view field_prefix) {
  const int asked = *proxy_batch_size;
  if (*proxy_batch_size == 0) *proxy_batch_size = default_batch;
  if (!has_proxies) return absl::OkStatus();
  // The library's own cap (a bound on a proxy's memory) or the server's
  // batch cap, whichever is smaller.
  const int cap = std::min(limits.max_batch_size, measures::kMaxProxyBatchSize);
  if (*proxy_batch_size < 2 || *proxy_batch_size > cap) {
    return OutOfRange(
        field_prefix, "proxy_batch_size", asked, *proxy_batch_size, 2, cap,
        cap == limits.max_batch_size ? "server limit --max-batch-size"
                                     : "the library's proxy batch cap");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateRequestLimits(const RequestLimits& limits) {
  if (limits.max_batch_size < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max-batch-size: ", limits.max_batch_size, " must be >= 2"));
  }
  if (limits.max_repeats < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max-repeats: ", limits.max_repeats, " must be >= 1"));
  }
  if (limits.max_architectures_per_call < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max-architectures: ", limits.max_architectures_per_call,
                     " must be >= 1"));
  }
  return absl::OkStatus();
}

absl::Status ValidateArchitectureCount(int count, const RequestLimits& limits,
                                       absl::string_view field) {
  if (count < 1 || count > limits.max_architectures_per_call) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", count, " given, must be in [1, ",
                     limits.max_architectures_per_call,
                     "] (server limit --max-architectures)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<measures::ScoreOptions> ValidateScoreRequest(
    const measures::ScoreOptions& requested, search::SpaceKind space,
    const std::string& dataset, int64_t dataset_images,
    const RequestLimits& limits, absl::string_view field_prefix) {
  measures::ScoreOptions options = requested;
  if (options.repeats == 0) options.repeats = measures::kDefaultRepeats;
  if (options.batch_size == 0) {
    options.batch_size = search::DefaultBatchSize(space, dataset);
  }
  TENAS_RETURN_IF_ERROR(CheckCaps(requested.repeats, options.repeats,
                                  requested.batch_size, options.batch_size,
                                  limits, field_prefix));
  TENAS_RETURN_IF_ERROR(CheckProxyBatch(
      !options.proxies.empty(), &options.proxy_batch_size,
      measures::ScoreOptions().proxy_batch_size, limits, field_prefix));
  if (dataset_images != kUnknownDatasetImages) {
    TENAS_RETURN_IF_ERROR(measures::CheckScoreOptions(
        options, dataset, dataset_images, field_prefix));
  } else if (!options.compute_ntk && !options.compute_regions &&
             options.proxies.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field_prefix, "measures: at least one measure must be asked for"));
  }
  return options;
}

absl::StatusOr<search::SearchOptions> ValidateSearchRequest(
    const search::SearchOptions& requested, const std::string& dataset,
    int64_t dataset_images, const RequestLimits& limits,
    absl::string_view field_prefix) {
  search::SearchOptions options = requested;
  if (options.repeats == 0) {
    options.repeats = search::DefaultSearchRepeats(options.mode);
  }
  if (options.batch_size == 0) {
    options.batch_size = search::DefaultBatchSize(options.space, dataset);
  }
  TENAS_RETURN_IF_ERROR(CheckCaps(requested.repeats, options.repeats,
                                  requested.batch_size, options.batch_size,
                                  limits, field_prefix));
  const int max_prune = search::MaxPruneNumber(options.space);
  if (options.prune_number < 0 || options.prune_number > max_prune) {
    return OutOfRange(
        field_prefix, "prune_number", requested.prune_number,
        options.prune_number, 1, max_prune,
        absl::StrCat("an edge of ", search::SpaceName(options.space),
                     " keeps at least one of its ", max_prune + 1, " ops"));
  }
  if (options.prune_number == 0) {
    options.prune_number = search::DefaultPruneNumber(options.space, dataset);
  }
  const bool has_proxies =
      std::any_of(options.measures.begin(), options.measures.end(),
                  measures::IsZeroCostProxy);
  TENAS_RETURN_IF_ERROR(CheckProxyBatch(
      has_proxies, &options.proxy_batch_size,
      search::SearchOptions().proxy_batch_size, limits, field_prefix));
  if (dataset_images != kUnknownDatasetImages) {
    TENAS_RETURN_IF_ERROR(search::CheckSearchOptions(
        options, dataset, dataset_images, field_prefix));
  }
  return options;
}

}  // namespace tenas::options
