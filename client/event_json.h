// Copyright 2026 The tenas Authors.
//
// event_json.h: what the tenas CLI prints as JSON: score replies and search
// infos with the field names of `tenas-bench`, and the service's search
// events as records of the shared event format (tenas/events/search_events.h),
// which `tenas-bench search --json` prints too.

#ifndef TENAS_CLIENT_EVENT_JSON_H_
#define TENAS_CLIENT_EVENT_JSON_H_

#include <nlohmann/json.hpp>

#include "tenas/events/search_events.h"
#include "tenas/v1/scorer.pb.h"

namespace tenas::client {

/// A score reply as `tenas-bench score --json` prints it.
nlohmann::json ScoreJson(const v1::ScoreArchitectureResponse& r);

/// The service's search event `e` as a record of the shared event format,
/// with its search_id and sequence. A result event carries the whole history
/// (no benchmark accuracies: the caller adds them).
events::EventRecord EventRecordOf(const v1::SearchEvent& e);

/// The service's search result `r` as the shared "result" record.
events::ResultSummary ResultSummaryOf(const v1::SearchResult& r);

/// A SearchInfo (GetSearch / ListSearches).
nlohmann::json SearchInfoJson(const v1::SearchInfo& info);

}  // namespace tenas::client

#endif  // TENAS_CLIENT_EVENT_JSON_H_
