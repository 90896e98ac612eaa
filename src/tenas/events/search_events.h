// Copyright 2026 The tenas Authors.
//
// search_events.h: the JSON event format of TE-NAS searches, written once for
// both CLIs. `tenas-bench search --json` converts the library's events
// (tenas/search/event_records.h) and the `tenas` client converts the
// service's tenas.v1 events (client/event_json.h) into these plain records;
// EventJson and ResultJson print them. LibTorch-free and gRPC-free.

#ifndef TENAS_EVENTS_SEARCH_EVENTS_H_
#define TENAS_EVENTS_SEARCH_EVENTS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tenas/space/accuracy_table.h"

namespace tenas::events {

/// One op on one edge: a candidate for removal, or a removed op.
struct CandidateRef {
  /// "normal" or "reduce" in the DARTS space; empty in NB201 (then the JSON
  /// has no "cell_type").
  std::string cell_type;
  int edge = 0;          ///< Edge index in sorted key order.
  std::string edge_key;  ///< e.g. "2<-1".
  std::string op;        ///< Op name, e.g. "nor_conv_3x3".
};

/// The raw measurements of one repeat of a candidate.
struct RepeatRecord {
  double kappa_origin = 0;
  double kappa_candidate = 0;
  double regions_origin = 0;
  double regions_candidate = 0;
};

/// One zero-cost proxy of a scored candidate (a search that ranks with
/// proxies, SearchOptions::measures).
struct ProxyDeltaRecord {
  std::string measure;            ///< e.g. "nwot"
  double delta = 0;               ///< mean relative change (p0 - p) / |p0|
  std::vector<double> origin;     ///< per repeat
  std::vector<double> candidate;  ///< per repeat
};

/// A scored candidate: its mean relative deltas and per-repeat measurements.
struct ScoredCandidate {
  CandidateRef candidate;
  double kappa_delta = 0;
  double regions_delta = 0;
  std::vector<RepeatRecord> repeats;
  /// The proxies the search ranks with besides κ and R; empty without.
  std::vector<ProxyDeltaRecord> proxies{};
};

/// One round of a finished search's history.
struct RoundSummary {
  int round = 0;
  std::string stage;  ///< "ops" or "edges".
  std::vector<ScoredCandidate> candidates;
  std::vector<CandidateRef> pruned;
  double seconds = 0;
  int prune_number = 0;   ///< "ops" rounds only.
  std::string cell_type;  ///< "edges" rounds only: "normal" or "reduce".
  int group = 0;          ///< "edges" rounds only: the node group.
};

/// A finished search: the "result" line.
struct ResultSummary {
  std::string space;  ///< "nb201" or "darts".
  std::string dataset;
  /// "faithful" or "robust" (search_mode.h); empty from an older server.
  std::string mode;
  /// Repeats per candidate; 0 when unknown (an older server).
  int repeats = 0;
  /// The measures whose rank sum pruned ("ntk", "lr", proxies); empty when
  /// unknown (an older server: κ and R).
  std::vector<std::string> measures;
  std::string arch;  ///< NB201 string or DARTS genotype text.
  std::vector<RoundSummary> rounds;
  int batch_size = 0;
  int prune_number = 0;
  int64_t ntk_evaluations = 0;
  int64_t lr_evaluations = 0;
  double seconds = 0;
  /// NAS-Bench-201 test accuracies of `arch`, when an accuracy table is known
  /// and holds it.
  std::optional<nb201::BenchmarkAccuracy> benchmark;
};

/// One search event.
struct EventRecord {
  enum class Type {
    kRoundStarted,
    kCandidateScored,
    kOpsPruned,
    kRoundFinished,
    kResult,
    kUnknown,  ///< An event this build does not know (newer server).
  };
  Type type = Type::kUnknown;
  int round = 0;
  std::string stage;
  int num_candidates = 0;            ///< kRoundStarted.
  ScoredCandidate candidate;         ///< kCandidateScored.
  int index = 0;                     ///< kCandidateScored: enumeration index.
  std::vector<CandidateRef> pruned;  ///< kOpsPruned.
  double round_seconds = 0;          ///< kRoundFinished.
  ResultSummary result;              ///< kResult.
  /// Seconds since the search started (kResult prints result.seconds).
  double seconds = 0;
  /// Set by the service only: the search's id and the event's sequence.
  std::optional<std::string> search_id;
  std::optional<int64_t> sequence;
};

/// The event as one JSON object with a "type" field: round_started,
/// candidate_scored, ops_pruned, round_finished, result (ResultJson) or
/// unknown; plus "search_id" and "sequence" when set.
nlohmann::json EventJson(const EventRecord& event);

/// The "result" line: type, space, dataset, arch, rounds (the history),
/// batch_size, prune_number, ntk_evaluations, lr_evaluations, seconds and,
/// when known, benchmark (index and test accuracies).
nlohmann::json ResultJson(const ResultSummary& result);

/// The NAS-Bench-201 accuracies of `arch` in `table`; nullopt when `arch` is
/// not an NB201 string (e.g. a DARTS genotype) or not in the table.
std::optional<nb201::BenchmarkAccuracy> FindBenchmark(
    const nb201::AccuracyTable& table, const std::string& arch);

/// The text summary's line of `accuracy`: "NAS-Bench-201 #N test accuracy:
/// CIFAR-10 ... %, CIFAR-100 ... %, ImageNet16-120 ... %" (no newline).
std::string BenchmarkLine(const nb201::BenchmarkAccuracy& accuracy);

}  // namespace tenas::events

#endif  // TENAS_EVENTS_SEARCH_EVENTS_H_
