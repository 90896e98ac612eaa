// Copyright 2026 The tenas Authors.
//
// init.h: weight initialisation of the TE-NAS networks (docs/ALGORITHM.md §3.6)
// and reproducible, thread-safe seeding of network construction.

#ifndef TENAS_NN_INIT_H_
#define TENAS_NN_INIT_H_

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>

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

/// Parses "shipped" or "paper".
absl::StatusOr<InitMode> ParseInitMode(absl::string_view text);
absl::string_view InitModeName(InitMode mode);

/// Kaiming-normal fan mode used by ApplyKaimingInit.
enum class FanMode { kFanIn, kFanOut };

/// Re-draws every conv and linear weight from kaiming_normal(mode, relu),
/// zeroes their biases and resets BN to gamma 1, beta 0, using the global
/// torch generator. Call it inside RunSeeded().
void ApplyKaimingInit(torch::nn::Module& module, FanMode mode);

/// Runs `fn` while holding the process-wide construction lock, with the
/// global torch generator seeded to `seed` (torch::manual_seed). Network
/// construction and re-initialisation go through here so that they are
/// reproducible from the seed whichever thread runs them. A network built
/// after seed s has exactly the weights the original Python code gets after
/// torch.manual_seed(s).
void RunSeeded(uint64_t seed, const std::function<void()>& fn);

}  // namespace tenas::nn

#endif  // TENAS_NN_INIT_H_
