// Copyright 2026 The tenas Authors.
//
// search_defaults.h: the search spaces by name and their per-space,
// per-dataset defaults (docs/ALGORITHM.md §6.1, §7). LibTorch-free, so that
// code that only names spaces or validates requests (the tenas CLI, the fuzz
// targets) links without LibTorch.

#ifndef TENAS_OPTIONS_SEARCH_DEFAULTS_H_
#define TENAS_OPTIONS_SEARCH_DEFAULTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tenas::search {

/// The search spaces of the paper.
enum class SpaceKind { kNb201, kDarts };

/// Parses "nb201" or "darts"; InvalidArgument naming `space` otherwise.
absl::StatusOr<SpaceKind> ParseSpace(absl::string_view text);
/// "nb201" or "darts".
absl::string_view SpaceName(SpaceKind space);

/// NTK batch of NB201 (docs/ALGORITHM.md §6.1), in images.
inline constexpr int kNb201DefaultBatchSize = 72;

/// Default NTK batch (docs/ALGORITHM.md §6.1): kNb201DefaultBatchSize for
/// NB201; DARTS 14 on CIFAR, 24 on ImageNet16-120 / imagenet-1k (cifar100 and
/// ImageNet16-120 are not configured by the original launcher).
int DefaultBatchSize(SpaceKind space, const std::string& dataset);
/// Most ops one round may remove per edge: one fewer than the ops an edge
/// starts with besides `none` (NB201 4, so 3; DARTS 7, so 6), since every
/// edge keeps at least one op. The original code silently lowers a larger
/// request to what edge 0 allows; tenas rejects it instead.
int MaxPruneNumber(SpaceKind space);

/// Default prune number: 1 for NB201; DARTS 2 on ImageNet16-120 /
/// imagenet-1k, else 3.
int DefaultPruneNumber(SpaceKind space, const std::string& dataset);

}  // namespace tenas::search

#endif  // TENAS_OPTIONS_SEARCH_DEFAULTS_H_
