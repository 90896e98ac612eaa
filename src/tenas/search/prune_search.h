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
// neither on the number of workers nor on which thread ran what.

#ifndef TENAS_SEARCH_PRUNE_SEARCH_H_
#define TENAS_SEARCH_PRUNE_SEARCH_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tenas/data/image_dataset.h"
#include "tenas/measures/ntk_method.h"
#include "tenas/nn/init.h"
#include "tenas/search/parallel_executor.h"
#include "tenas/search/ranking.h"
#include "tenas/search/space_adapter.h"

namespace tenas::search {

struct RoundRecord;

/// Options of a search. Zero-valued batch_size / prune_number take the
/// per-space, per-dataset defaults of DefaultBatchSize / DefaultPruneNumber.
struct SearchOptions {
  SpaceKind space = SpaceKind::kNb201;
  uint64_t seed = 0;
  /// Repeats of each measure per candidate (--repeat, shipped 3). [1, 100].
  int repeats = 3;
  /// NTK batch; 0 = default (NB201 72; DARTS cifar10 14, imagenet-1k 24).
  int batch_size = 0;
  /// Ops removed per edge per round; 0 = default (NB201 1; DARTS cifar10 3,
  /// imagenet-1k 2).
  int prune_number = 0;
  nn::InitMode init = nn::InitMode::kShipped;
  /// NTK Gram/eigen in float64.
  bool fp64 = false;
  /// Decimals of the per-repeat deltas and significant digits of the sort
  /// keys (--precision, shipped 3).
  int precision = 3;
  /// DARTS edge stage: refresh the NTK origin after each node group (off =
  /// the shipped code's stale origin, docs/ALGORITHM.md §5.4).
  bool fix_stale_origin = false;
  /// Linear regions: batches of 1x3x3 crops per repeat.
  int lr_batch_size = 1000;
  int lr_num_batches = 3;
  /// Threads evaluating candidates of a round in parallel ([1, 256]);
  /// ignored when `executor` is set.
  int workers = 1;
  /// Where candidate evaluations run (e.g. a server's worker pool); null:
  /// `workers` short-lived threads. Not owned.
  ParallelExecutor* executor = nullptr;
  /// LibTorch device of networks and batches ("cpu", "cuda:0").
  std::string device = "cpu";
  /// NTK implementation (the found architecture does not depend on it
  /// beyond float rounding; see docs/BENCHMARKS.md).
  measures::NtkMethod ntk_method = measures::NtkMethod::kFast;
  /// Memory budget of one batched NTK pass, in bytes.
  int64_t ntk_max_memory_bytes = measures::kDefaultNtkMaxMemoryBytes;
  /// Fast NTK: (candidate, repeat) evaluations of a round batched into the
  /// same backward passes, each with its origin ([0, 1024]). 0 = auto: 1 on
  /// CPU (batching measured no faster there), on CUDA as many as keep all B
  /// rows in one pass within ntk_max_memory_bytes. The result does not
  /// depend on it beyond float rounding.
  int ntk_group = 0;
  /// Checked between backward passes and between candidates; may be null.
  const std::atomic<bool>* cancel = nullptr;
  /// Resuming an interrupted search: the rounds it completed, in order, as
  /// its events reported them. Run with the same options, seed and dataset,
  /// the search applies their decisions instead of re-running them, starts
  /// with the next round, and returns the uninterrupted run's result (every
  /// round's random streams derive from (seed, round) only). Records that
  /// do not fit the search give INVALID_ARGUMENT. Not owned; may be null.
  const std::vector<RoundRecord>* resume_rounds = nullptr;
};

/// One scored candidate of a round.
struct CandidateRecord {
  CandidateDeltas deltas;
  std::vector<RepeatMeasurement> repeats;
};

/// One round of the op stage ("ops") or one node group of the DARTS edge
/// stage ("edges").
struct RoundRecord {
  int round = 0;      ///< 0-based, counting op rounds then edge groups.
  std::string stage;  ///< "ops" or "edges".
  int cell_type = 0;  ///< Edge stage: the cell type of the group.
  int group = -1;     ///< Edge stage: the node group (0..3); -1 in op rounds.
  int prune_number = 0;
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
  /// The NB201 string or the DARTS genotype text.
  std::string arch;
  std::vector<RoundRecord> rounds;
  AliveMask final_alive;
  int batch_size = 0;
  int prune_number = 0;
  /// NTK and LR evaluations performed (per network).
  int64_t ntk_evaluations = 0;
  int64_t lr_evaluations = 0;
  double seconds = 0;
};

/// Checks options; InvalidArgument names the field.
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
