// Copyright 2026 The tenas Authors.
//
// event_json.h: JSON lines of the tenas CLI, with the same field names as
// `tenas-bench` (bench/search_json.h) plus `search_id`.

#ifndef TENAS_CLIENT_EVENT_JSON_H_
#define TENAS_CLIENT_EVENT_JSON_H_

#include <nlohmann/json.hpp>

#include "tenas/v1/scorer.pb.h"

namespace tenas::client {

/// A score reply as `tenas-bench score --json` prints it.
nlohmann::json ScoreJson(const v1::ScoreArchitectureResponse& r);

/// One search event as `tenas-bench search --json` prints it, plus
/// "search_id". The result event carries the whole history.
nlohmann::json SearchEventJson(const v1::SearchEvent& e);

/// A SearchInfo (GetSearch / ListSearches).
nlohmann::json SearchInfoJson(const v1::SearchInfo& info);

}  // namespace tenas::client

#endif  // TENAS_CLIENT_EVENT_JSON_H_
