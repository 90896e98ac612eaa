// Copyright 2026 The tenas Authors.
//
// prune_search.h: the TE-NAS pruning search (docs/ALGORITHM.md §5): start from
// the supernet with every op alive, and in each round remove, on every edge,
// the `prune_number` ops whose removal ranks best by Δκ (descending) plus ΔR
// (ascending), until each edge keeps one op; in the DARTS space an edge stage
// then keeps 2 incoming edges per node.
//
// Reproducible: every random stream (network weights, data batches) is
// derived from (seed, round, candidate, repeat), so the result depends
// neither on the number of workers nor on which thread ran what. The robust
// mode (options/search_mode.h) derives them from (seed, round, repeat) only.
//
// The options are options/search_options.h. LibTorch-free header.

#ifndef TENAS_SEARCH_PRUNE_SEARCH_H_
#define TENAS_SEARCH_PRUNE_SEARCH_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tenas/data/image_dataset.h"
#include "tenas/options/search_options.h"
#include "tenas/search/parallel_executor.h"
#include "tenas/search/ranking.h"

namespace tenas::search {

/// One scored candidate of a round.
struct CandidateRecord {
  CandidateDeltas deltas;
  std::vector<RepeatMeasurement> repeats;
  /// The zero-cost proxies of RepeatMeasurement::proxy_origin (and of
  /// deltas.proxy_deltas), in order; empty without proxies.
  std::vector<measures::Measure> proxies{};
};

/// One round of the op stage ("ops") or one node group of the DARTS edge
/// stage ("edges").
struct RoundRecord {
  int round = 0;      ///< 0-based, counting op rounds then edge groups.
  std::string stage;  ///< "ops" or "edges".
  int cell_type = 0;  ///< Edge stage: the cell type of the group.
  int group = -1;     ///< Edge stage: the node group (0..3); -1 in op rounds.
  int prune_number = 0;
  /// The mode whose draws measured it; a search resumes only from rounds
  /// of its own mode.
  SearchMode mode = SearchMode::kFaithful;
  std::vector<CandidateRecord> candidates;  ///< In enumeration order.
  std::vector<CandidateId> pruned;
  double seconds = 0;
};

/// A progress event.
struct SearchEvent {
  enum class Type {
    kRoundStarted,
    kCandidateScored,
    kOpsPruned,
    kRoundFinished,
    kResult,
  };
  Type type = Type::kRoundStarted;
  int round = 0;
  std::string stage;
  int num_candidates = 0;                      ///< kRoundStarted.
  const CandidateRecord* candidate = nullptr;  ///< kCandidateScored.
  int candidate_index = 0;  ///< kCandidateScored: enumeration index.
  const RoundRecord* record = nullptr;  ///< kOpsPruned, kRoundFinished.
  /// kRoundFinished: the ops alive after the round (the search's α state:
  /// alive = finite α).
  const AliveMask* alive = nullptr;
  std::string arch;    ///< kResult.
  double seconds = 0;  ///< Since the search started.
};

/// Receives events. Called from the search's threads, one call at a time
/// (serialised), candidate events possibly out of enumeration order when
/// workers > 1. Must not block for long.
using SearchEventCallback = std::function<void(const SearchEvent&)>;

struct SearchResult {
  SpaceKind space = SpaceKind::kNb201;
  SearchMode mode = SearchMode::kFaithful;
  int repeats = 0;  ///< Repeats per candidate (the options').
  /// The measures whose rank sum pruned (SearchOptions::measures).
  std::vector<measures::Measure> measures;
  /// The NB201 string or the DARTS genotype text.
  std::string arch;
  std::vector<RoundRecord> rounds;
  AliveMask final_alive;
  int batch_size = 0;
  int prune_number = 0;
  /// NTK and LR evaluations performed (per network): faithful rounds
  /// 2 x candidates x repeats each, robust rounds (candidates + 1) x repeats.
  int64_t ntk_evaluations = 0;
  int64_t lr_evaluations = 0;
  double seconds = 0;
};

/// Checks options against the dataset (CheckSearchOptions); InvalidArgument
/// names the field.
absl::Status ValidateSearchOptions(const SearchOptions& options,
                                   const data::ImageDataset& dataset);

/// Runs a whole search on `dataset`. Errors: invalid options, cancellation
/// (CANCELLED), a round the original code would abort (κ = +inf), LibTorch
/// failures (INTERNAL).
absl::StatusOr<SearchResult> RunPruneSearch(
    const data::ImageDataset& dataset, const SearchOptions& options,
    const SearchEventCallback& on_event = nullptr);

}  // namespace tenas::search

#endif  // TENAS_SEARCH_PRUNE_SEARCH_H_
