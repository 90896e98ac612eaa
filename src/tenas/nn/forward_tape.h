// Copyright 2026 The tenas Authors.
//
// forward_tape.h: a network's train-mode forward pass written down as a flat
// list of primitive operations, for a backward pass that does not go through
// LibTorch's autograd engine (measures/internal/tape_backward.h).
//
// A search network records its forward on a ForwardTape (SearchNetwork::
// RecordForward) instead of running its modules: each primitive computes its
// output at once, with autograd off, from the same module parameters and the
// same ATen calls as the module's forward (so the values are the module
// forward's, and batch norms update their running statistics the same way),
// and keeps what its backward needs: the input, the ReLU output, the batch
// statistics, the pooling indices. Values are numbered in the order they are
// made; an operation only reads values made before it, so the list is in
// topological order and the backward walks it from the end.
//
// Only the weights whose gradient the NTK needs are tape parameters (those
// the network's WeightParameters() names: convolution weights, batch-norm
// gammas, the classifier's weight); biases and betas are used, never
// differentiated.

#ifndef TENAS_NN_FORWARD_TAPE_H_
#define TENAS_NN_FORWARD_TAPE_H_

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace tenas::nn {

/// The primitive operations of the TE-NAS search networks.
enum class TapeOpKind {
  kConv,           ///< 2-D convolution, no bias; param = weight.
  kBatchNorm,      ///< train-mode batch norm; param = gamma (or none).
  kRelu,           ///< max(x, 0).
  kAvgPool,        ///< 2-D average pool.
  kMaxPool,        ///< 2-D max pool (indices kept).
  kShiftCrop,      ///< y[.., i, j] = x[.., i+1, j+1], 0 past the edge.
  kSum,            ///< y = post_scale · Σ coef[i]·x[i].
  kConcat,         ///< channel concatenation.
  kGlobalAvgPool,  ///< [B, C, H, W] -> [B, C].
  kLinear,         ///< x·Wᵀ + b; param = W.
};

/// One recorded operation. Unused fields stay at their defaults.
struct TapeOp {
  TapeOpKind kind = TapeOpKind::kSum;
  std::vector<int> inputs;  ///< value ids read
  int output = -1;          ///< value id written
  int param = -1;           ///< tape parameter differentiated, or -1
  at::Tensor weight;        ///< conv / linear weight, BN gamma (may be undef.)
  at::Tensor bias;          ///< linear bias, BN beta (may be undefined)
  // kConv, kAvgPool, kMaxPool geometry.
  std::vector<int64_t> kernel, stride, padding, dilation;
  int64_t groups = 1;
  bool count_include_pad = true;      ///< kAvgPool
  at::Tensor save_mean, save_invstd;  ///< kBatchNorm batch statistics
  double eps = 1e-5;                  ///< kBatchNorm epsilon
  at::Tensor indices;                 ///< kMaxPool argmax, [B, C, Ho, Wo]
  std::vector<float> coef;            ///< kSum per-input factors
  float post_scale = 1.0f;            ///< kSum factor after the sum
};

/// A recorded forward pass. Not thread-safe while recording; the finished
/// tape is read-only and may be read by several backward passes at once.
class ForwardTape {
 public:
  ForwardTape() = default;
  ForwardTape(const ForwardTape&) = delete;
  ForwardTape& operator=(const ForwardTape&) = delete;

  /// A value with no gradient (the image batch, constants).
  int Input(const at::Tensor& x);
  /// conv(x) with the module's weight and geometry (no bias allowed).
  int Conv(int x, torch::nn::Conv2dImpl& conv);
  /// Train-mode batch norm with the module's parameters; updates its
  /// running statistics and batch counter as the module's forward does.
  int BatchNorm(int x, torch::nn::BatchNorm2dImpl& bn);
  int Relu(int x);
  int AvgPool(int x, int64_t kernel, int64_t stride, int64_t padding,
              bool count_include_pad);
  int MaxPool(int x, int64_t kernel, int64_t stride, int64_t padding);
  /// pad(x, right 1, bottom 1)[:, :, 1:, 1:] (FactorizedReduce's shift).
  int ShiftCrop(int x);
  /// post_scale · (coef[0]·x[0] + coef[1]·x[1] + ...), summed left to right;
  /// a coefficient of 1 multiplies nothing, and neither does post_scale 1.
  /// Precondition: xs non-empty, coef empty (all 1) or of xs's size.
  int Sum(const std::vector<int>& xs, const std::vector<float>& coef = {},
          float post_scale = 1.0f);
  int Concat(const std::vector<int>& xs);
  int GlobalAvgPool(int x);
  int Linear(int x, torch::nn::LinearImpl& fc);

  /// The value with id `id`.
  const at::Tensor& value(int id) const { return values_.at(id); }
  int num_values() const { return static_cast<int>(values_.size()); }
  const std::vector<TapeOp>& ops() const { return ops_; }
  /// The differentiated parameters, in order of first use.
  const std::vector<at::Tensor>& params() const { return params_; }

 private:
  int Add(TapeOp op, at::Tensor out);
  int ParamIndex(const at::Tensor& p);

  std::vector<at::Tensor> values_;
  std::vector<TapeOp> ops_;
  std::vector<at::Tensor> params_;
};

}  // namespace tenas::nn

#endif  // TENAS_NN_FORWARD_TAPE_H_
