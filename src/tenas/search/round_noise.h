// Copyright 2026 The tenas Authors.
//
// round_noise.h: where the noise of a round's decision comes from
// (docs/VALIDATION.md, "Where the noise comes from"). For the first round of
// a search (every op alive), measures each candidate's relative Δκ and ΔR
// on three axes of `draws` draws each: data batches with the weights fixed,
// weight initialisations with the batch fixed, and both drawn together (what
// the robust mode's repeats do). Within a draw, the origin and every
// candidate share weights and batch. Draw 0 is the same (weights, batch)
// pair on every axis, evaluated once. LibTorch-free header.

#ifndef TENAS_SEARCH_ROUND_NOISE_H_
#define TENAS_SEARCH_ROUND_NOISE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tenas/data/image_dataset.h"
#include "tenas/options/init_mode.h"
#include "tenas/options/search_defaults.h"
#include "tenas/search/ranking.h"

namespace tenas::search {

/// Options of MeasureRoundNoise.
struct RoundNoiseOptions {
  SpaceKind space = SpaceKind::kNb201;
  uint64_t seed = 0;
  /// Draws per axis, in [2, 1000].
  int draws = 8;
  /// NTK batch, in images; 0 = the space's default.
  int batch_size = 0;
  /// The weights' distribution (PyTorch default or Kaiming).
  nn::InitMode init = nn::InitMode::kShipped;
  /// Linear regions: batches of 1x3x3 crops per draw.
  int lr_batch_size = 1000;
  int lr_num_batches = 3;
  /// Threads evaluating networks in parallel, in [1, 256].
  int workers = 1;
};

/// One candidate's relative deltas, (origin - candidate) / origin, one per
/// draw (unrounded).
struct CandidateNoise {
  CandidateId id;
  std::vector<double> kappa_delta_over_batches;
  std::vector<double> kappa_delta_over_inits;
  std::vector<double> kappa_delta_joint;
  std::vector<double> regions_delta_over_batches;
  std::vector<double> regions_delta_over_inits;
  std::vector<double> regions_delta_joint;
};

/// The first round's candidates, in enumeration order.
struct RoundNoise {
  std::vector<CandidateNoise> candidates;
  int batch_size = 0;
  /// Networks evaluated: (candidates + 1) x (1 + 3 x (draws - 1)); the
  /// origin once per draw, draw 0 once for all three axes.
  int64_t ntk_evaluations = 0;
  int64_t lr_evaluations = 0;
};

/// Measures the first round of a search on `dataset`. InvalidArgument
/// naming the field for options out of range; LibTorch errors as INTERNAL.
absl::StatusOr<RoundNoise> MeasureRoundNoise(const data::ImageDataset& dataset,
                                             const RoundNoiseOptions& options);

}  // namespace tenas::search

#endif  // TENAS_SEARCH_ROUND_NOISE_H_
