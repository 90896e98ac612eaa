// Copyright 2026 The tenas Authors.
//
// proto_convert.h: validation of requests and conversion between the
// tenas.v1 messages and the library's types. Every invalid field becomes
// INVALID_ARGUMENT with a message naming the field.

#ifndef TENAS_SERVER_PROTO_CONVERT_H_
#define TENAS_SERVER_PROTO_CONVERT_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "tenas/measures/score.h"
#include "tenas/search/prune_search.h"
#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"
#include "tenas/v1/scorer.pb.h"

namespace tenas::server {

/// Limits on what a client controls.
struct RequestLimits {
  int max_batch_size = 512;
  int max_repeats = 20;
  int max_architectures_per_call = 1024;
  /// Searches one client (token name, else peer address) may run at once.
  int max_searches_per_client = 2;
};

/// A parsed architecture of either space.
struct ParsedArchitecture {
  search::SpaceKind space = search::SpaceKind::kNb201;
  std::optional<nb201::Architecture> nb201;
  std::optional<darts::Genotype> darts;
  std::string canonical;  ///< Canonical text.
};

/// Parses `arch` (field name `field` for messages).
absl::StatusOr<ParsedArchitecture> ParseArchitectureProto(
    const v1::Architecture& arch, const std::string& field);

/// Scoring options with defaults applied and ranges checked.
absl::StatusOr<measures::ScoreOptions> ScoreOptionsFromProto(
    const v1::ScoreOptions& options, search::SpaceKind space,
    const std::string& dataset, const RequestLimits& limits);

/// Search options with ranges checked (batch/prune 0 = defaults).
absl::StatusOr<search::SearchOptions> SearchOptionsFromProto(
    const v1::RunSearchRequest& request, const RequestLimits& limits);

/// The dataset name of a request ("" -> "cifar10"), checked to be a known
/// name; whether it is loaded is checked by the DatasetStore.
absl::StatusOr<std::string> DatasetFromProto(const std::string& dataset);

/// Fills a ScoreArchitectureResponse.
void ScoreResultToProto(const ParsedArchitecture& arch,
                        const std::string& dataset,
                        const measures::ScoreOptions& options,
                        const measures::ScoreResult& result,
                        v1::ScoreArchitectureResponse* out);

/// Converts a library search event (not kResult) into `out`.
void SearchEventToProto(search::SpaceKind space,
                        const search::SearchEvent& event, v1::SearchEvent* out);

/// Converts a finished search's result.
void SearchResultToProto(const search::SearchResult& result,
                         const std::string& dataset, v1::SearchResult* out);

}  // namespace tenas::server

#endif  // TENAS_SERVER_PROTO_CONVERT_H_
