// Copyright 2026 The tenas Authors.
//
// init_mode.h: how network weights are initialised for the measures
// (docs/ALGORITHM.md §3.6), as an option of scores and searches. LibTorch-free;
// the initialisation itself is in nn/init.h.

#ifndef TENAS_OPTIONS_INIT_MODE_H_
#define TENAS_OPTIONS_INIT_MODE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tenas::nn {

/// How network weights are initialised for the measures.
enum class InitMode {
  /// What the shipped code does: PyTorch default init once, never re-drawn
  /// (the Kaiming re-init is a no-op there because of a name mismatch).
  kShipped,
  /// What the paper says: Kaiming-normal weights re-drawn for every repeat
  /// (NTK nets fan_out, LR nets fan_in; biases 0; BN gamma 1, beta 0).
  kPaper,
};

/// Parses "shipped" or "paper"; InvalidArgument naming `init` otherwise.
absl::StatusOr<InitMode> ParseInitMode(absl::string_view text);
/// "shipped" or "paper".
absl::string_view InitModeName(InitMode mode);

}  // namespace tenas::nn

#endif  // TENAS_OPTIONS_INIT_MODE_H_
