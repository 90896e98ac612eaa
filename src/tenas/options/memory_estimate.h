// Copyright 2026 The tenas Authors.
//
// memory_estimate.h: how much memory one evaluation allocates, before it
// runs (docs/RELIABILITY.md §6.6 has the formula and its validation).
//
// An evaluation is one architecture's score (every repeat of both measures)
// or one step of a search (a (candidate, repeat) NTK job of two supernets,
// the origin and the candidate, or a candidate's linear regions). Its fast
// NTK keeps the forward graph of every network of one joint call alive while
// backward passes of R rows each run on up to `threads` threads, and it keeps
// each network's B x P Jacobian rows. The estimate is linear in what drives
// it: B, the image's pixels, the networks per call, R x threads, and P; its
// per-pixel coefficients come from peak-RSS measurements of the worst
// architecture of each space on CPU (tenas-bench memory), rounded up.
//
// An evaluation runs in a plan (NtkPlan) that keeps the estimate within the
// budget (--max-memory): fewer repeats per joint call, fewer rows per pass,
// fewer passes at once. A request whose smallest plan (one repeat or job per
// call, one row, one pass at a time) does not fit is refused with the
// estimate. LibTorch-free (tenas_options): the server checks at admission.

#ifndef TENAS_OPTIONS_MEMORY_ESTIMATE_H_
#define TENAS_OPTIONS_MEMORY_ESTIMATE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tenas/options/ntk_method.h"
#include "tenas/options/score_options.h"
#include "tenas/options/search_defaults.h"
#include "tenas/options/search_options.h"

namespace tenas::measures {

/// The shape of one evaluation: what its memory depends on.
struct EvaluationShape {
  search::SpaceKind space = search::SpaceKind::kNb201;
  /// A search's evaluation: supernets (every op alive), an origin and a
  /// candidate per NTK job. Otherwise a score: one network per repeat, with
  /// one op per edge (the estimate covers the space's largest op).
  bool search = false;
  int num_classes = 10;
  /// Input image: channels x height x width.
  int channels = 3;
  int height = 32;
  int width = 32;
  /// NTK batch, in images.
  int batch_size = search::kNb201DefaultBatchSize;
  /// Score: repeats of each measure. Search: NTK jobs one call may batch
  /// (SearchOptions::ntk_group, 1 by default on CPU).
  int repeats = 1;
  bool fp64 = false;
  NtkMethod ntk_method = NtkMethod::kFast;
  bool compute_ntk = true;
  bool compute_regions = true;
  int lr_batch_size = 1000;
  int lr_num_batches = 3;
  /// Zero-cost proxies that run a forward and backward pass (all but
  /// params, flops and l2_norm): images per proxy batch, 0 when none is
  /// requested. A score runs them on the proxy network (docs/PROXIES.md), a
  /// search on the NTK supernets, one network at a time, after the NTK.
  int proxy_batch_size = 0;
  /// grasp is among them: its Hessian-vector product keeps the gradient's
  /// graph and differentiates it again.
  bool proxy_second_order = false;
};

/// How an evaluation's NTK runs (fast path on CPU).
struct NtkPlan {
  /// Score: repeats whose networks share one joint call (their forward
  /// graphs are alive together). Search: NTK jobs per call (two networks
  /// each).
  int evaluations_per_call = 1;
  /// Jacobian rows of one batched backward pass (NtkOptions::
  /// replicas_per_pass).
  int rows_per_pass = 1;
  /// Backward passes running at once (NtkOptions::max_parallel_passes),
  /// at most the LibTorch threads.
  int parallel_passes = 1;
};

/// The estimate of one evaluation, in bytes, by part. Only the largest of
/// the NTK part and the linear-region part is alive at a time; `total`
/// adds both anyway (the linear-region part is small), takes the larger of
/// that and the zero-cost proxies' part, and adds the overhead.
struct MemoryEstimate {
  int64_t forward_bytes = 0;  ///< forward graphs kept for the backward
  int64_t batch_bytes = 0;    ///< input batches (float32)
  int64_t pass_bytes = 0;     ///< backward passes in flight
  int64_t rows_bytes = 0;     ///< Jacobian rows G [B, P] of every network
  int64_t gram_bytes = 0;     ///< float64 copy of G, Gram, eigvalsh
  int64_t regions_bytes = 0;  ///< linear regions: activations, patterns
  /// Zero-cost proxies: one network's passes and its labelled batch. They
  /// run after the NTK and the linear regions, whose memory is free again,
  /// so `total` takes the larger of the two phases.
  int64_t proxies_bytes = 0;
  int64_t overhead_bytes = 0;  ///< LibTorch/oneDNN scratch, allocator slack
  int64_t total_bytes = 0;
};

/// P, the weight entries of one TE-NAS NTK network of `space` for
/// `num_classes` classes: every weight of the supernet (an upper bound on
/// those a single architecture uses).
int64_t NtkWeightEntries(search::SpaceKind space, int num_classes);

/// The estimate of `shape` run in `plan`.
MemoryEstimate EstimateEvaluationMemory(const EvaluationShape& shape,
                                        const NtkPlan& plan);

/// The smallest plan: one repeat or job per call, one row per pass, one
/// pass at a time. The estimate of this plan is the evaluation's minimum.
NtkPlan MinimalNtkPlan();

/// The estimate of `shape` in its smallest plan.
MemoryEstimate MinimalEvaluationMemory(const EvaluationShape& shape);

/// Rows per pass on CPU when memory allows (small passes stay in cache).
inline constexpr int kDefaultCpuRowsPerPass = 4;

/// The plan of `shape` on `threads` LibTorch threads within `max_bytes`
/// (<= 0: no bound): the most passes at once (up to `threads`) and rows per
/// pass (up to `preferred_rows`, at most B) that fit with one evaluation per
/// call, then as many evaluations per call (up to shape.repeats) as still
/// fit. InvalidArgument (OverBudgetError) when even MinimalNtkPlan does not
/// fit. Precondition: threads >= 1, preferred_rows >= 1.
absl::StatusOr<NtkPlan> PlanEvaluation(
    const EvaluationShape& shape, int threads, int64_t max_bytes,
    int preferred_rows = kDefaultCpuRowsPerPass);

/// "1.25 GiB", "512.0 MiB", "300 B": a byte count for messages.
std::string FormatBytes(int64_t bytes);

/// The refusal of an evaluation whose minimal estimate exceeds `max_bytes`:
/// InvalidArgument "<prefix>batch_size: <B> images of CxHxW[, <prefix>fp64]
/// [in a search] need an estimated X for one evaluation, above the memory
/// bound of Y (<limit_name>); at most N images fit" (or "no batch fits").
/// When the evaluation fits without its zero-cost proxies, the proxies are
/// what does not fit: "<prefix>proxy_batch_size: the zero-cost proxies
/// [with grasp] on <Bp> images of CxHxW need ...; at most N images fit".
absl::Status OverBudgetError(const EvaluationShape& shape, int64_t max_bytes,
                             absl::string_view field_prefix,
                             absl::string_view limit_name);

/// The shape of a score of `space` with `options` on images of
/// channels x height x width and `num_classes` classes.
EvaluationShape ScoreShape(const ScoreOptions& options, search::SpaceKind space,
                           int num_classes, int channels, int height,
                           int width);

/// The shape of one evaluation of a search with `options` (batch_size
/// already defaulted) on such images. `ntk_jobs_per_call` is the jobs one
/// call may batch (1 on CPU unless SearchOptions::ntk_group asks more).
EvaluationShape SearchShape(const search::SearchOptions& options,
                            int num_classes, int channels, int height,
                            int width, int ntk_jobs_per_call = 1);

/// Admission: OK when `shape` fits `max_bytes` in its smallest plan (<= 0:
/// no bound), OverBudgetError otherwise, naming `limit_name` (the server's
/// "--max-memory").
absl::Status CheckEvaluationMemory(const EvaluationShape& shape,
                                   int64_t max_bytes,
                                   absl::string_view field_prefix,
                                   absl::string_view limit_name);

}  // namespace tenas::measures

#endif  // TENAS_OPTIONS_MEMORY_ESTIMATE_H_
