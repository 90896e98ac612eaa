// Copyright 2026 The tenas Authors.
//
// search_network.h: the interface shared by the TE-NAS supernets (NB201 and
// DARTS): a torch module whose forward returns logits, whose mixing weights
// come from architecture parameters ("alphas"), and whose ReLUs can record
// their outputs for the linear-region count.

#ifndef TENAS_NN_SEARCH_NETWORK_H_
#define TENAS_NN_SEARCH_NETWORK_H_

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "tenas/nn/forward_tape.h"

namespace tenas::nn {

/// Collects the outputs of every executed ReLU during one forward pass when
/// enabled. Owned by one network; not thread-safe (one forward at a time).
struct ActivationRecorder {
  bool enabled = false;
  std::vector<at::Tensor> outputs;
};

/// Alpha value of a pruned or masked op (docs/ALGORITHM.md §1.5: INF = 1000).
inline constexpr float kMaskedAlpha = -1000.0f;
/// An op runs only when its softmax weight is above this (docs/ALGORITHM.md
/// §1.5).
inline constexpr float kActiveThreshold = 0.01f;

/// Base class of the supernets. Parameter names follow the original PyTorch
/// code, so "name contains `weight`" selects conv weights, BN gammas and the
/// classifier weight, exactly as the NTK of the paper's code does.
class SearchNetwork : public torch::nn::Module {
 public:
  /// Logits [B, num_classes] for input [B, C_in, H, W].
  virtual at::Tensor forward(const at::Tensor& x) = 0;

  /// Recorder shared with every ReLU of this network.
  ActivationRecorder& recorder() { return *recorder_; }

  /// Copies every parameter value from `other`, which must be a network of
  /// the same type and configuration (names and shapes are checked).
  void CopyParametersFrom(SearchNetwork& other);

  /// Parameters whose name contains "weight", in named_parameters() order.
  std::vector<at::Tensor> WeightParameters();

  /// Whether RecordForward is implemented (the TE-NAS supernets).
  virtual bool CanRecordForward() const { return false; }
  /// Runs the train-mode forward of `x` as primitives on `tape` (see
  /// forward_tape.h) with the ReLUs of a node shared, as forward() does when
  /// not recording activations; returns the logits' value id. The values
  /// are forward(x)'s, and the batch norms' running statistics change as
  /// in forward(x). Precondition: CanRecordForward(), train mode.
  virtual int RecordForward(ForwardTape& tape, const at::Tensor& x);

 protected:
  std::shared_ptr<ActivationRecorder> recorder_ =
      std::make_shared<ActivationRecorder>();
};

}  // namespace tenas::nn

#endif  // TENAS_NN_SEARCH_NETWORK_H_
