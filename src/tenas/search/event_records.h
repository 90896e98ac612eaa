// Copyright 2026 The tenas Authors.
//
// event_records.h: the search's events and result as the plain records of
// the shared JSON event format (tenas/events/search_events.h), which
// `tenas-bench search --json` prints.

#ifndef TENAS_SEARCH_EVENT_RECORDS_H_
#define TENAS_SEARCH_EVENT_RECORDS_H_

#include <string>

#include "tenas/events/search_events.h"
#include "tenas/search/prune_search.h"

namespace tenas::search {

/// The candidate `id` of `space` with its cell type, edge key and op names.
events::CandidateRef CandidateRefOf(SpaceKind space, const CandidateId& id);

/// The event `event` of a search in `space`. kResult events carry only the
/// architecture; ResultRecordOf gives the whole result.
events::EventRecord EventRecordOf(SpaceKind space, const SearchEvent& event);

/// The finished search `result` on `dataset` (no benchmark accuracies).
events::ResultSummary ResultRecordOf(const SearchResult& result,
                                     const std::string& dataset);

}  // namespace tenas::search

#endif  // TENAS_SEARCH_EVENT_RECORDS_H_
