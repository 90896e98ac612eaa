// Copyright 2026 The tenas Authors.
//
// search_json.h: the JSON form of search events and results, shared by
// `tenas-bench search --json` and (with the same field names) the tenas CLI.

#ifndef TENAS_BENCH_SEARCH_JSON_H_
#define TENAS_BENCH_SEARCH_JSON_H_

#include <nlohmann/json.hpp>
#include <string>

#include "tenas/search/prune_search.h"

namespace tenas::cli {

/// Name of op `op` in `space` (e.g. "nor_conv_3x3").
std::string OpName(search::SpaceKind space, int op);
/// Edge key of `edge` in `space` (e.g. "2<-1").
std::string EdgeName(search::SpaceKind space, int edge);

/// {"cell_type", "edge", "edge_key", "op"} of a candidate.
nlohmann::json CandidateJson(search::SpaceKind space,
                             const search::CandidateId& id);

/// One round of the history: candidates with deltas and per-repeat raw
/// measurements, and the pruned ops.
nlohmann::json RoundJson(search::SpaceKind space,
                         const search::RoundRecord& round);

/// The event as one JSON object with a "type" field: round_started,
/// candidate_scored, ops_pruned, round_finished. (kResult is written by the
/// caller with ResultJson, which knows the whole result.)
nlohmann::json EventJson(search::SpaceKind space,
                         const search::SearchEvent& event);

/// The final "result" line: arch, rounds (the history), seconds, options.
nlohmann::json ResultJson(const search::SearchResult& result);

}  // namespace tenas::cli

#endif  // TENAS_BENCH_SEARCH_JSON_H_
