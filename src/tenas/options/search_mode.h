// Copyright 2026 The tenas Authors.
//
// search_mode.h: how a search draws the weights and batches behind its
// decisions (docs/ALGORITHM.md §5.6): the original code's way (the default)
// or a variance-reduced way. LibTorch-free, so that request validation and
// the CLIs' flag parsing need no LibTorch.

#ifndef TENAS_OPTIONS_SEARCH_MODE_H_
#define TENAS_OPTIONS_SEARCH_MODE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tenas/options/init_mode.h"

namespace tenas::search {

/// How the measurements behind a round's decisions are drawn.
enum class SearchMode {
  /// As the original code: each (candidate, repeat) draws its own batches
  /// and evaluates its own copy of the origin; the NTK weights are drawn once
  /// per round (shipped init) and each candidate's linear-region network once.
  kFaithful,
  /// Common random numbers: repeat r of a round draws one set of weights and
  /// one batch, shared by the origin and every candidate, so a candidate's
  /// Δκ and ΔR are paired comparisons on identical networks and data. The
  /// origin is evaluated once per (round, repeat), and the weights are drawn
  /// anew in every repeat (from the --init distribution).
  kRobust,
};

/// Repeats of a faithful search when the request leaves them 0 (the
/// original code's 3).
inline constexpr int kFaithfulDefaultRepeats = 3;
/// Repeats of a robust search when the request leaves them 0. Chosen by the
/// seed study in docs/VALIDATION.md; its cost is in docs/BENCHMARKS.md.
inline constexpr int kRobustDefaultRepeats = 4;
/// Weight initialisation of a robust search when the request names none:
/// Kaiming (the paper's), chosen by the seed study in docs/VALIDATION.md §4.
/// A faithful search defaults to the original code's (kShipped).
inline constexpr nn::InitMode kRobustDefaultInit = nn::InitMode::kPaper;

/// Parses "faithful" or "robust"; InvalidArgument naming `mode` otherwise.
absl::StatusOr<SearchMode> ParseSearchMode(absl::string_view text);
/// "faithful" or "robust".
absl::string_view SearchModeName(SearchMode mode);
/// kFaithfulDefaultRepeats or kRobustDefaultRepeats.
int DefaultSearchRepeats(SearchMode mode);
/// nn::InitMode::kShipped (faithful) or kRobustDefaultInit (robust).
nn::InitMode DefaultSearchInit(SearchMode mode);

}  // namespace tenas::search

#endif  // TENAS_OPTIONS_SEARCH_MODE_H_
