// Copyright 2026 The tenas Authors.
//
// score.h: the two TE-NAS measures of one architecture, averaged over
// repeats, on real images: what `tenas-bench score` and ScoreArchitecture
// compute.

#ifndef TENAS_MEASURES_SCORE_H_
#define TENAS_MEASURES_SCORE_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tenas/data/image_dataset.h"
#include "tenas/measures/ntk_method.h"
#include "tenas/nn/init.h"
#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"

namespace tenas::measures {

/// Options of one score. Defaults follow the shipped code (docs/ALGORITHM.md
/// §0.2, §6.1).
struct ScoreOptions {
  /// NTK mini-batch size (72 for NB201). Range [2, dataset size].
  int batch_size = 72;
  /// Repeats of each measure, each with fresh data. Range [1, 100].
  int repeats = 3;
  /// Seeds network construction, re-initialisation and data sampling.
  uint64_t seed = 0;
  nn::InitMode init = nn::InitMode::kShipped;
  /// NTK Gram matrix and eigenvalues in float64 (off: float32 as shipped).
  bool fp64 = false;
  bool compute_ntk = true;
  bool compute_regions = true;
  /// Linear regions: batches of this many 1x3x3 crops per repeat.
  int lr_batch_size = 1000;
  int lr_num_batches = 3;
  /// NTK implementation: the batched fast path or the literal reference.
  NtkMethod ntk_method = NtkMethod::kFast;
  /// Memory budget of one batched NTK pass (fast path), in bytes.
  int64_t ntk_max_memory_bytes = kDefaultNtkMaxMemoryBytes;
  /// LibTorch device the networks and batches live on ("cpu", "cuda:0").
  std::string device = "cpu";
  /// Checked between backward passes and between repeats; may be null.
  const std::atomic<bool>* cancel = nullptr;
};

/// Per-repeat and mean values of the two measures.
struct ScoreResult {
  std::vector<double> kappa;         ///< κ per repeat (empty without NTK).
  std::vector<double> regions;       ///< R per repeat (empty without LR).
  double kappa_mean = 0;             ///< Mean of `kappa`, accumulated in order.
  double regions_mean = 0;           ///< Mean of `regions`.
  int64_t num_gradient_entries = 0;  ///< P of the NTK.
  double ntk_seconds = 0;            ///< Wall time of the NTK part.
  double regions_seconds = 0;        ///< Wall time of the LR part.
  double seconds = 0;                ///< Total wall time.
};

/// Checks options against the dataset; InvalidArgument names the field.
absl::Status ValidateScoreOptions(const ScoreOptions& options,
                                  const data::ImageDataset& dataset);

/// Scores an NB201 architecture: the NTK condition number on the TE-NAS NTK
/// network (C=3, N=1) and the linear-region count on the thin network, with
/// only the architecture's op alive on each edge (a `none` edge outputs 0).
/// Thread-safe: the dataset is only read; each call builds its own networks.
absl::StatusOr<ScoreResult> ScoreNb201(const nb201::Architecture& arch,
                                       const data::ImageDataset& dataset,
                                       const ScoreOptions& options);

/// Scores a DARTS genotype: the TE-NAS DARTS NTK network (C=1, a normal and
/// a reduction cell) and its thin LR network with only the genotype's
/// (edge, op) pairs alive; other edges output 0. Use batch_size 14 (CIFAR)
/// or 24 (ImageNet) to match the search.
absl::StatusOr<ScoreResult> ScoreDarts(const darts::Genotype& genotype,
                                       const data::ImageDataset& dataset,
                                       const ScoreOptions& options);

}  // namespace tenas::measures

#endif  // TENAS_MEASURES_SCORE_H_
