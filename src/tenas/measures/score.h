// Copyright 2026 The tenas Authors.
//
// score.h: the two TE-NAS measures of one architecture, averaged over
// repeats, on real images: what `tenas-bench score` and ScoreArchitecture
// compute. The options are options/score_options.h. LibTorch-free header.

#ifndef TENAS_MEASURES_SCORE_H_
#define TENAS_MEASURES_SCORE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "tenas/data/image_dataset.h"
#include "tenas/options/score_options.h"
#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"

namespace tenas::measures {

/// Per-repeat values of one zero-cost proxy, their mean and its standard
/// error (as for κ).
struct ProxyScore {
  Measure measure = Measure::kParams;
  std::vector<double> values;  ///< one per repeat
  double mean = 0;
  double sem = 0;
};

/// Per-repeat values of the two measures, their means and the standard
/// errors of the means.
struct ScoreResult {
  std::vector<double> kappa;    ///< κ per repeat (empty without NTK).
  std::vector<double> regions;  ///< R per repeat (empty without LR).
  double kappa_mean = 0;        ///< Mean of `kappa`, accumulated in order.
  double regions_mean = 0;      ///< Mean of `regions`.
  /// Standard error of `kappa_mean`: the sample standard deviation (n - 1)
  /// of `kappa` over sqrt(n) (util/stats.h); 0 with one repeat (no estimate)
  /// or without NTK.
  double kappa_sem = 0;
  /// Standard error of `regions_mean`, likewise; 0 with one repeat or
  /// without LR.
  double regions_sem = 0;
  int64_t num_gradient_entries = 0;  ///< P of the NTK.
  double ntk_seconds = 0;            ///< Wall time of the NTK part.
  double regions_seconds = 0;        ///< Wall time of the LR part.
  /// The requested zero-cost proxies, in ScoreOptions::proxies order.
  std::vector<ProxyScore> proxies;
  double proxies_seconds = 0;  ///< Wall time of the proxies.
  double seconds = 0;          ///< Total wall time.
};

/// Checks options against the dataset (CheckScoreOptions); InvalidArgument
/// names the field. The memory bound is checked by the score itself.
absl::Status ValidateScoreOptions(const ScoreOptions& options,
                                  const data::ImageDataset& dataset);

/// Scores an NB201 architecture: the NTK condition number on the TE-NAS NTK
/// network (C=3, N=1) and the linear-region count on the thin network, with
/// only the architecture's op alive on each edge (a `none` edge outputs 0).
/// Thread-safe: the dataset is only read; each call builds its own networks.
/// The NTK runs in the plan of options/memory_estimate.h that keeps the
/// score within options.ntk_max_memory_bytes (the same values, bit for bit,
/// whatever the repeats per call); a score whose smallest estimate exceeds
/// it fails with InvalidArgument ("batch_size: ...", with the estimate)
/// before any work.
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
