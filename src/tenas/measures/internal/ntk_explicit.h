// Copyright 2026 The tenas Authors.
//
// ntk_explicit.h: the fast NTK (ComputeNtkFastJoint, ntk.h) with the
// backward written out per operation instead of run by autograd: each
// network records its forward on a ForwardTape (nn/forward_tape.h) and every
// group of R rows is one TapeBackward sweep (tape_backward.h). Same rows,
// Gram and κ as the vmap path up to float rounding.

#ifndef TENAS_MEASURES_INTERNAL_NTK_EXPLICIT_H_
#define TENAS_MEASURES_INTERNAL_NTK_EXPLICIT_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "tenas/measures/ntk.h"

namespace tenas::measures {

/// Whether the explicit backward takes these inputs: every network can
/// record its forward, and the batches are on the CPU (on CUDA the vmap
/// path's few large passes suit the device better).
bool ExplicitBackwardApplies(const std::vector<NtkInput>& inputs);

/// The NTK of each input from TapeBackward sweeps of `rows_per_pass` rows,
/// the (network, rows) sweeps spread over `threads` threads. Inputs are
/// validated by the caller (ComputeNtkFastJoint). Errors: cancellation,
/// LibTorch failures (INTERNAL).
absl::StatusOr<std::vector<NtkResult>> ComputeNtkExplicitJoint(
    const std::vector<NtkInput>& inputs, const NtkOptions& options,
    int64_t rows_per_pass, int threads);

}  // namespace tenas::measures

#endif  // TENAS_MEASURES_INTERNAL_NTK_EXPLICIT_H_
