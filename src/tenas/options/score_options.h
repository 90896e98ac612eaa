// Copyright 2026 The tenas Authors.
//
// score_options.h: the options of one score (measures/score.h computes it)
// and the library's ranges for them. LibTorch-free, so that request
// validation (options/request_limits.h) and the server's proto conversion
// need no LibTorch.

#ifndef TENAS_OPTIONS_SCORE_OPTIONS_H_
#define TENAS_OPTIONS_SCORE_OPTIONS_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "tenas/options/init_mode.h"
#include "tenas/options/measures.h"
#include "tenas/options/ntk_method.h"
#include "tenas/options/search_defaults.h"

namespace tenas::measures {

/// Repeats of each measure when none are asked for (the shipped code's
/// --repeat 3); scores and searches alike.
inline constexpr int kDefaultRepeats = 3;
/// Most repeats of each measure the library runs.
inline constexpr int kMaxRepeats = 100;
/// Most linear-region batches per repeat.
inline constexpr int kMaxLrBatches = 100;

/// Most images in one zero-cost proxy batch. The memory bound
/// (options/memory_estimate.h) estimates the proxies within it; grasp's
/// double backward at 256 images of 32x32 on the largest NB201 architecture
/// peaked at 5.2 GB RSS.
inline constexpr int kMaxProxyBatchSize = 256;

/// Options of one score. Defaults follow the shipped code (docs/ALGORITHM.md
/// §0.2, §6.1).
struct ScoreOptions {
  /// NTK mini-batch size, in images (search::DefaultBatchSize: 72 for
  /// NB201). Range [2, dataset size].
  int batch_size = search::kNb201DefaultBatchSize;
  /// Repeats of each measure, each with fresh data. Range [1, kMaxRepeats].
  int repeats = kDefaultRepeats;
  /// Seeds network construction, re-initialisation and data sampling.
  uint64_t seed = 0;
  nn::InitMode init = nn::InitMode::kShipped;
  /// NTK Gram matrix and eigenvalues in float64 (off: float32 as shipped).
  bool fp64 = false;
  bool compute_ntk = true;
  bool compute_regions = true;
  /// Linear regions: batches of this many 1x3x3 crops per repeat. Range
  /// [1, dataset size].
  int lr_batch_size = 1000;
  /// Range [1, kMaxLrBatches].
  int lr_num_batches = 3;
  /// NTK implementation: the batched fast path or the literal reference.
  NtkMethod ntk_method = NtkMethod::kFast;
  /// The fast path's backward on CPU: the explicit one (true, default) or
  /// the vmap-over-autograd one it replaced (NtkOptions::explicit_backward).
  /// Same results beyond float rounding; for benchmarks.
  bool ntk_explicit_backward = true;
  /// Memory bound of the whole score, in bytes (options/memory_estimate.h;
  /// <= 0: none): a score whose smallest estimate exceeds it fails with
  /// InvalidArgument; the others run their NTK in a plan within it.
  int64_t ntk_max_memory_bytes = kDefaultNtkMaxMemoryBytes;
  /// Zero-cost proxies to compute besides κ and R (docs/PROXIES.md), in
  /// canonical order (ParseMeasures); none by default. Each repeat computes
  /// them on a fresh proxy network (NB201: C=16, N=5; DARTS: C=16, N=2, 6
  /// cells, PyTorch's default initialisation) and a fresh labelled batch.
  std::vector<Measure> proxies;
  /// Images per proxy batch: 32, the batch of NASLib's stored NB201 values
  /// (docs/PROXIES.md). Range [2, min(kMaxProxyBatchSize, dataset
  /// size)].
  int proxy_batch_size = 32;
  /// Unset (the default): repeat r's proxy network is drawn whole from
  /// (seed, r). Set: it is drawn from (proxy_macro_seed, r) and then only
  /// its cells' operations are re-drawn from (seed, r)
  /// (nn::ResetCellOperations); the batch still comes from (seed, r). Scores
  /// that share proxy_macro_seed but not seed thus share the stem, the
  /// reduction blocks and the head, as NASLib's zero-cost benchmark runner
  /// does: it copies one search-space instance per architecture and
  /// re-creates only the chosen cell operations (docs/PROXIES.md). Library
  /// and tenas-bench only; the service never sets it.
  std::optional<uint64_t> proxy_macro_seed;
  /// LibTorch device the networks and batches live on ("cpu", "cuda:0").
  std::string device = "cpu";
  /// Checked between backward passes and between repeats; may be null.
  const std::atomic<bool>* cancel = nullptr;
};

/// Sets compute_ntk, compute_regions and proxies from a measure list
/// (ParseMeasures' output).
void SetMeasures(const std::vector<Measure>& measures, ScoreOptions& options);

/// The measures `options` computes, in canonical order.
std::vector<Measure> RequestedMeasures(const ScoreOptions& options);

/// Checks `options` against the library's ranges, for the dataset
/// `dataset_name` of `dataset_images` images. InvalidArgument whose message
/// starts with `field_prefix` and the field's name (e.g. "options.batch_size:
/// ..."), or, for a batch larger than the dataset, names the dataset, its
/// images and the images needed (data::CheckDatasetHolds).
absl::Status CheckScoreOptions(const ScoreOptions& options,
                               absl::string_view dataset_name,
                               int64_t dataset_images,
                               absl::string_view field_prefix = "");

}  // namespace tenas::measures

#endif  // TENAS_OPTIONS_SCORE_OPTIONS_H_
