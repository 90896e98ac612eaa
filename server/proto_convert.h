// Copyright 2026 The tenas Authors.
//
// proto_convert.h: conversion between the tenas.v1 messages and the
// library's types. Defaults and limits are not decided here: requests become
// the library's option types and go through its one validation
// (options/request_limits.h). Every invalid field becomes INVALID_ARGUMENT
// with a message naming the field. LibTorch-free: with tenas_options (and
// the generated messages) this is all a request takes to be validated.

#ifndef TENAS_SERVER_PROTO_CONVERT_H_
#define TENAS_SERVER_PROTO_CONVERT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tenas/measures/score.h"
#include "tenas/options/measures.h"
#include "tenas/options/request_limits.h"
#include "tenas/search/prune_search.h"
#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"
#include "tenas/v1/scorer.pb.h"

namespace tenas::server {

/// The caps on what a client may ask (--max-batch-size, --max-repeats,
/// --max-architectures).
using RequestLimits = options::RequestLimits;

/// A parsed architecture of either space.
struct ParsedArchitecture {
  search::SpaceKind space = search::SpaceKind::kNb201;
  std::optional<nb201::Architecture> nb201;
  std::optional<darts::Genotype> darts;
  std::string canonical;  ///< Canonical text.
};

/// OK when `text` is valid UTF-8 (no overlong forms, surrogates or code
/// points above U+10FFFF); else INVALID_ARGUMENT naming `field` and the
/// offset of the first bad byte. The request's text fields are `bytes` on
/// the wire so that this check, not the decoder, answers (docs/API.md).
absl::Status CheckUtf8(absl::string_view text, const std::string& field);

/// Parses `arch` (field name `field` for messages): its text UTF-8, then
/// the architecture; a DARTS genotype's concats must be [2, 3, 4, 5]
/// (darts::CheckScoredConcat).
absl::StatusOr<ParsedArchitecture> ParseArchitectureProto(
    const v1::Architecture& arch, const std::string& field);

/// Scoring options of a request for `space` on `dataset` (a resolved name)
/// with `dataset_images` images (options::kUnknownDatasetImages: not yet
/// known), completed and checked by options::ValidateScoreRequest; fields
/// are named "options.<field>".
absl::StatusOr<measures::ScoreOptions> ScoreOptionsFromProto(
    const v1::ScoreOptions& proto, search::SpaceKind space,
    const std::string& dataset, const RequestLimits& limits,
    int64_t dataset_images = options::kUnknownDatasetImages);

/// Search options of a request whose dataset has `dataset_images` images
/// (options::kUnknownDatasetImages: not yet known), completed and checked
/// by options::ValidateSearchRequest (zero batch_size / prune_number take
/// the space's and dataset's defaults).
absl::StatusOr<search::SearchOptions> SearchOptionsFromProto(
    const v1::RunSearchRequest& request, const RequestLimits& limits,
    int64_t dataset_images = options::kUnknownDatasetImages);

/// The dataset name of a request (data::ResolveDatasetName: "" ->
/// "cifar10", a known name); whether it is loaded is the DatasetStore's to
/// say.
absl::StatusOr<std::string> DatasetFromProto(const std::string& dataset);

/// The library's search mode of a v1::SearchMode value; InvalidArgument
/// naming `field` for any other value.
absl::StatusOr<search::SearchMode> SearchModeFromProto(
    int mode, const std::string& field);
/// The v1::SearchMode of a library search mode.
v1::SearchMode SearchModeToProto(search::SearchMode mode);

/// The measures a search request prunes with, by name in canonical order
/// ("ntk", "lr" when it names none); the names as sent if they do not parse.
std::vector<std::string> SearchMeasureNames(
    const v1::RunSearchRequest& request);

/// Fills a ScoreArchitectureResponse: κ and R as always, and `measures`
/// with every measure `options` asks for (ntk, lr, the proxies).
void ScoreResultToProto(const ParsedArchitecture& arch,
                        const std::string& dataset,
                        const measures::ScoreOptions& options,
                        const measures::ScoreResult& result,
                        v1::ScoreArchitectureResponse* out);

/// Converts a library search event (not kResult) into `out`; a scored
/// candidate carries its zero-cost proxies (CandidateRecord::proxies).
void SearchEventToProto(search::SpaceKind space,
                        const search::SearchEvent& event, v1::SearchEvent* out);

/// Converts a finished search's result, with the measures it pruned with.
void SearchResultToProto(const search::SearchResult& result,
                         const std::string& dataset, v1::SearchResult* out);

}  // namespace tenas::server

#endif  // TENAS_SERVER_PROTO_CONVERT_H_
