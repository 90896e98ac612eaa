// Copyright 2026 The tenas Authors.
//
// tape_replay.h: runs a recorded forward (nn/forward_tape.h) again, on new
// inputs and weights, through LibTorch's autograd, for the zero-cost proxies
// (measures/internal/zero_cost.h).
//
// A tape records a network's train-mode forward as primitives; replaying it
// gives the same function of (input, weights) as the network's module forward,
// with the hooks the proxies need and no module state touched:
//  - the convolution and linear weights ("layers") are the caller's tensors,
//    so a proxy can take gradients with respect to them, or replace them
//    (|θ| in float64 for synflow, Gaussian draws for Zen-score);
//  - each layer's output may be multiplied by a "probe" of ones [N, C, 1, 1]
//    (or [N, C]) whose gradient is Σ over pixels of output · output grad (the
//    channel Fisher information of docs/PROXIES.md);
//  - the inputs of the ReLUs (NASWOT's binary codes), the input of the global
//    average pool (Zen-score's features) and each batch norm's batch
//    variance are kept.
// Batch norms normalise with the batch statistics and no affine parameters
// (gamma 1, beta 0, as every network the proxies use starts out), and can be
// turned off (the identity, as synflow asks).

#ifndef TENAS_MEASURES_INTERNAL_TAPE_REPLAY_H_
#define TENAS_MEASURES_INTERNAL_TAPE_REPLAY_H_

#include <torch/torch.h>

#include <vector>

#include "tenas/nn/forward_tape.h"

namespace tenas::measures::internal {

/// The weights of a replay, one entry per layer (LayerOps order). `bias` is
/// undefined for convolutions (the tape allows none) and may be undefined for
/// linear layers.
struct ReplayWeights {
  std::vector<at::Tensor> weight;
  std::vector<at::Tensor> bias;
};

/// What a replay keeps besides the logits.
struct ReplayOptions {
  bool batch_norm = true;     ///< false: every batch norm is the identity.
  bool probe_layers = false;  ///< multiply layer outputs by ones probes.
  bool keep_relu_inputs = false;
  bool keep_batch_variance = false;
};

/// The outputs of one replay.
struct ReplayResult {
  at::Tensor logits;                    ///< [N, classes]
  at::Tensor features;                  ///< input of the global average pool
  std::vector<at::Tensor> probes;       ///< one leaf per layer (probe_layers)
  std::vector<at::Tensor> relu_inputs;  ///< detached, in tape order
  std::vector<int> relu_outputs;        ///< the value id of each ReLU's output
  /// Per batch norm, in tape order: the unbiased per-channel variance of its
  /// input (detached), as a train-mode batch norm folds into running_var.
  std::vector<at::Tensor> batch_variance;
};

/// Indices into tape.ops() of the convolution and linear ops, in order.
std::vector<int> LayerOps(const nn::ForwardTape& tape);

/// How many ops read each value of `tape` (a ReLU whose output feeds three
/// convolutions is three ReLU modules of the original network).
std::vector<int> ConsumerCounts(const nn::ForwardTape& tape);

/// The tape's own layer weights and biases (detached aliases of the
/// network's parameters).
ReplayWeights TapeWeights(const nn::ForwardTape& tape);

/// Replays `tape` on `x` (any batch size; the tape's image size) with
/// `weights`. Throws c10::Error on a malformed tape or mismatched shapes.
ReplayResult ReplayTape(const nn::ForwardTape& tape, const at::Tensor& x,
                        const ReplayWeights& weights,
                        const ReplayOptions& options);

}  // namespace tenas::measures::internal

#endif  // TENAS_MEASURES_INTERNAL_TAPE_REPLAY_H_
