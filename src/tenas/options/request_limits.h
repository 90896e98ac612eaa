// Copyright 2026 The tenas Authors.
//
// request_limits.h: what a client may ask of a server, decided in one
// place. A request arrives as the library's option types with its zero
// fields meaning "the default"; ValidateScoreRequest / ValidateSearchRequest
// apply the defaults and check every field against the server's caps (its
// flags) and the library's own ranges. The server only converts messages
// to and from these types. LibTorch-free (tenas_options).

#ifndef TENAS_OPTIONS_REQUEST_LIMITS_H_
#define TENAS_OPTIONS_REQUEST_LIMITS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tenas/options/score_options.h"
#include "tenas/options/search_defaults.h"
#include "tenas/options/search_options.h"

namespace tenas::options {

/// The caps a server puts on what one client may ask (its flags). The
/// library's ranges (e.g. measures::kMaxRepeats) apply as well.
struct RequestLimits {
  /// --max-batch-size: largest NTK batch, in images.
  int max_batch_size = 512;
  /// --max-repeats: most repeats of each measure.
  int max_repeats = 20;
  /// --max-architectures: most architectures in one ScoreArchitectures call.
  int max_architectures_per_call = 1024;
};

/// Checks the caps themselves: a batch cap of at least 2, the others at
/// least 1. InvalidArgument naming the flag.
absl::Status ValidateRequestLimits(const RequestLimits& limits);

/// Dataset images unknown: skip the checks against the dataset's size.
inline constexpr int64_t kUnknownDatasetImages = -1;

/// Checks the number of architectures of one scoring call:
/// [1, max_architectures_per_call]. InvalidArgument naming `field`.
absl::Status ValidateArchitectureCount(
    int count, const RequestLimits& limits,
    absl::string_view field = "architectures");

/// Completes and checks a score request. `requested` is what the client
/// asked for: repeats 0 means measures::kDefaultRepeats, batch_size 0 means
/// search::DefaultBatchSize(space, dataset), proxy_batch_size 0 means 32
/// (checked against max_batch_size only when zero-cost proxies are asked
/// for). `dataset` is the resolved
/// dataset name (data::ResolveDatasetName) and `dataset_images` its size
/// (kUnknownDatasetImages: not checked). Checks repeats and batch_size
/// against the caps, then everything against the library's ranges
/// (measures::CheckScoreOptions). Returns the options with the defaults
/// applied, or InvalidArgument whose message starts with `field_prefix` and
/// the field's name and names the cap ("options.repeats: 50 is out of
/// range [1, 20] (server limit --max-repeats)").
absl::StatusOr<measures::ScoreOptions> ValidateScoreRequest(
    const measures::ScoreOptions& requested, search::SpaceKind space,
    const std::string& dataset, int64_t dataset_images,
    const RequestLimits& limits, absl::string_view field_prefix = "");

/// Completes and checks a search request, as ValidateScoreRequest:
/// repeats 0 means search::DefaultSearchRepeats(mode); batch_size and
/// prune_number 0 mean search::DefaultBatchSize / DefaultPruneNumber of the
/// space and dataset; proxy_batch_size 0 means 32 (checked against
/// max_batch_size and the dataset when `measures` lists a zero-cost
/// proxy). Checks against the caps, then the library's ranges
/// (search::CheckSearchOptions). Returns the options with the defaults
/// applied.
absl::StatusOr<search::SearchOptions> ValidateSearchRequest(
    const search::SearchOptions& requested, const std::string& dataset,
    int64_t dataset_images, const RequestLimits& limits,
    absl::string_view field_prefix = "");

}  // namespace tenas::options

#endif  // TENAS_OPTIONS_REQUEST_LIMITS_H_
