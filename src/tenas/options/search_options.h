// Copyright 2026 The tenas Authors.
//
// search_options.h: the options of a TE-NAS search (search/prune_search.h
// runs it) and the library's ranges for them. LibTorch-free, so that request
// validation (options/request_limits.h) and the server's proto conversion
// need no LibTorch.

#ifndef TENAS_OPTIONS_SEARCH_OPTIONS_H_
#define TENAS_OPTIONS_SEARCH_OPTIONS_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "tenas/options/init_mode.h"
#include "tenas/options/ntk_method.h"
#include "tenas/options/score_options.h"
#include "tenas/options/search_defaults.h"
#include "tenas/options/search_mode.h"

namespace tenas::search {

class ParallelExecutor;  // search/parallel_executor.h
struct RoundRecord;      // search/prune_search.h

/// Most (candidate, repeat) NTK evaluations batched into one pass.
inline constexpr int kMaxNtkGroup = 1024;
/// Most threads evaluating candidates of a round.
inline constexpr int kMaxSearchWorkers = 256;

/// Options of a search. Zero-valued batch_size / prune_number take the
/// per-space, per-dataset defaults of DefaultBatchSize / DefaultPruneNumber.
struct SearchOptions {
  SpaceKind space = SpaceKind::kNb201;
  /// Faithful (the original code's draws, the default) or robust (common
  /// random weights and batches per repeat; search_mode.h).
  SearchMode mode = SearchMode::kFaithful;
  uint64_t seed = 0;
  /// Repeats of each measure per candidate (--repeat, shipped 3; a robust
  /// search's requests default to kRobustDefaultRepeats).
  /// [1, measures::kMaxRepeats].
  int repeats = measures::kDefaultRepeats;
  /// NTK batch, in images; 0 = default (NB201 72; DARTS cifar10 14,
  /// imagenet-1k 24).
  int batch_size = 0;
  /// Ops removed per edge per round; 0 = default (NB201 1; DARTS cifar10 3,
  /// imagenet-1k 2). [0, MaxPruneNumber(space)].
  int prune_number = 0;
  nn::InitMode init = nn::InitMode::kShipped;
  /// NTK Gram/eigen in float64.
  bool fp64 = false;
  /// Decimals of the per-repeat deltas and significant digits of the sort
  /// keys (--precision, shipped 3). [0, 10].
  int precision = 3;
  /// DARTS edge stage: refresh the NTK origin after each node group (off =
  /// the shipped code's stale origin, docs/ALGORITHM.md §5.4).
  bool fix_stale_origin = false;
  /// The measures whose rank sum prunes (options/measures.h), in canonical
  /// order: TE-NAS's κ and R by default. κ and R are measured in every
  /// search (they define the events and resumption); the zero-cost proxies
  /// listed here are measured on the NTK network too (docs/PROXIES.md,
  /// "In a search"), and only the listed measures are ranked.
  std::vector<measures::Measure> measures = measures::DefaultMeasures();
  /// Images per proxy batch (ScoreOptions::proxy_batch_size). [2, dataset].
  int proxy_batch_size = 32;
  /// Linear regions: batches of 1x3x3 crops per repeat.
  int lr_batch_size = 1000;
  int lr_num_batches = 3;
  /// Threads evaluating candidates of a round in parallel
  /// ([1, kMaxSearchWorkers]); ignored when `executor` is set.
  int workers = 1;
  /// Where candidate evaluations run (e.g. a server's worker pool); null:
  /// `workers` short-lived threads. Not owned.
  ParallelExecutor* executor = nullptr;
  /// LibTorch device of networks and batches ("cpu", "cuda:0").
  std::string device = "cpu";
  /// NTK implementation (the found architecture does not depend on it
  /// beyond float rounding; see docs/BENCHMARKS.md).
  measures::NtkMethod ntk_method = measures::NtkMethod::kFast;
  /// The fast path's backward on CPU: the explicit one (true, default) or
  /// the vmap-over-autograd one it replaced (measures::NtkOptions::
  /// explicit_backward). Same results beyond float rounding; for benchmarks.
  bool ntk_explicit_backward = true;
  /// Memory bound of one evaluation of the search (an NTK job of origin
  /// and candidate supernets, a candidate's linear regions), in bytes
  /// (options/memory_estimate.h; <= 0: none). A search whose smallest
  /// estimate exceeds it fails with InvalidArgument before any work; the
  /// others run each NTK call in a plan within it. Workers evaluating at
  /// once each have this bound.
  int64_t ntk_max_memory_bytes = measures::kDefaultNtkMaxMemoryBytes;
  /// Fast NTK: (candidate, repeat) evaluations of a round batched into the
  /// same backward passes, each with its origin ([0, kMaxNtkGroup]). 0 =
  /// auto: 1 on CPU (batching measured no faster there), on CUDA as many as
  /// keep all B rows in one pass within ntk_max_memory_bytes. The result
  /// does not depend on it beyond float rounding.
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

/// Checks `options` against the library's ranges, for a dataset of
/// `dataset_images` images (a zero batch_size or prune_number, the default,
/// passes). InvalidArgument whose message starts with `field_prefix` and the
/// field's name (e.g. "repeats: ..."), or, for a batch larger than the
/// dataset `dataset_name`, names the dataset, its images and the images
/// needed (data::CheckDatasetHolds).
absl::Status CheckSearchOptions(const SearchOptions& options,
                                absl::string_view dataset_name,
                                int64_t dataset_images,
                                absl::string_view field_prefix = "");

}  // namespace tenas::search

#endif  // TENAS_OPTIONS_SEARCH_OPTIONS_H_
