// Copyright 2026 The tenas Authors.
//
// tape_backward.h: the NTK's backward without LibTorch's autograd engine.
//
// A network records its train-mode forward on a ForwardTape (nn/
// forward_tape.h); TapeBackward then walks the tape from the logits back to
// the first operation once for R one-hot cotangents at a time, calling each
// primitive's backward for all R replicas (replica_backward.h): gradient
// sums accumulate in place into one buffer per value, a sum's coefficients
// (the mixed edges' weights) are applied in the same sweep, a value's
// gradient buffer is released as soon as its producer has consumed it, and
// a buffer a sum passes through unchanged is handed on rather than copied.
// There is no graph of nodes, no per-node allocation of saved variables and
// no functorch batching layer.

#ifndef TENAS_MEASURES_INTERNAL_TAPE_BACKWARD_H_
#define TENAS_MEASURES_INTERNAL_TAPE_BACKWARD_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "tenas/nn/forward_tape.h"

namespace tenas::measures {

/// Which tape parameters the backward from value `logits` reaches (those a
/// backward pass gives a gradient; the others are unused, as autograd's
/// allow_unused would report them), indexed like tape.params().
std::vector<bool> TapeReachedParams(const nn::ForwardTape& tape, int logits);

/// Rows start .. start+rows-1 of the NTK Jacobian of the network recorded
/// on `tape` with logits value `logits` ([B, K]): row r is the gradient of
/// Σ_k logits[start + r, k]. Returns one tensor per tape parameter,
/// [rows, numel], undefined for the parameters not reached.
/// Preconditions: 0 <= start, start + rows <= B; the tape is finished and
/// not modified while this runs (several calls may read it at once).
std::vector<at::Tensor> TapeBackward(const nn::ForwardTape& tape, int logits,
                                     int64_t start, int64_t rows);

}  // namespace tenas::measures

#endif  // TENAS_MEASURES_INTERNAL_TAPE_BACKWARD_H_
