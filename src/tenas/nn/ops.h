// Copyright 2026 The tenas Authors.
//
// ops.h: the building blocks of the NB201 and DARTS search spaces
// (docs/ALGORITHM.md §1.1, §2.1), with the module layout and names of the
// original code, so that parameter names and default initialisation order match
// PyTorch's: constructing a network after torch::manual_seed(s) gives the same
// weights as the original Python code after torch.manual_seed(s).

#ifndef TENAS_NN_OPS_H_
#define TENAS_NN_OPS_H_

#include <torch/torch.h>

#include <memory>

#include "absl/types/span.h"
#include "tenas/nn/search_network.h"

namespace tenas::nn {

/// ReLU that appends its output to an ActivationRecorder when recording is on
/// and the input is 4-D (as the original forward hook does).
class RecordingReLUImpl : public torch::nn::Module {
 public:
  explicit RecordingReLUImpl(std::shared_ptr<ActivationRecorder> recorder)
      : recorder_(std::move(recorder)) {}
  at::Tensor forward(const at::Tensor& x);

 private:
  std::shared_ptr<ActivationRecorder> recorder_;
};
TORCH_MODULE(RecordingReLU);

/// Common base of the ops that a mixed edge holds.
class CellOp : public torch::nn::Module {
 public:
  virtual at::Tensor forward(const at::Tensor& x) = 0;
  /// Whether the op's first step is a ReLU of its input; if so,
  /// ForwardFromRelu(relu(x)) == forward(x) without recording the ReLU.
  virtual bool StartsWithRelu() const { return false; }
  /// The rest of the op after that ReLU. Precondition: StartsWithRelu().
  virtual at::Tensor ForwardFromRelu(const at::Tensor& relu_x) {
    TORCH_CHECK(false, "op does not start with a ReLU");
    return relu_x;  // not reached
  }
  /// Records forward(value x) on `tape` (forward_tape.h); returns the
  /// output's value id. Every op of the search networks implements it.
  virtual int Record(ForwardTape& tape, int x);
  /// Records ForwardFromRelu(value relu_x). Precondition: StartsWithRelu().
  virtual int RecordFromRelu(ForwardTape& tape, int relu_x);
};

/// op(input) inside a cell. When `share_relu` and the op starts with a
/// ReLU, the ReLU of `input` is taken from `*relu_input` (computed there on
/// first use), so every op of the cell reading the same input shares one
/// ReLU; otherwise op.forward(input).
at::Tensor ForwardInCell(CellOp& op, const at::Tensor& input, bool share_relu,
                         at::Tensor* relu_input);

/// One mixed edge: Σ w[i]·ops[i](x) over the ops with w[i] > 0.01 (the
/// others do not run); undefined when none runs. Sharing the ReLU of x as
/// in ForwardInCell. When every running op has the same weight and it is a
/// power of two (1, 1/2, 1/4: an edge with 1, 2 or 4 live ops), the sum is
/// scaled once, w·Σ ops(x): the same output bits as the per-op products
/// (scaling by a power of two is exact and commutes with rounding, barring
/// subnormal values) with one product instead of one per op, in the
/// forward and in every backward pass (whose gradient sums may then be
/// accumulated in another order: float rounding only).
/// Precondition: ops.size() == w.size().
at::Tensor MixedEdge(absl::Span<const std::shared_ptr<CellOp>> ops,
                     absl::Span<const float> w, const at::Tensor& x,
                     bool share_relu, at::Tensor* relu_x);

/// MixedEdge recorded on `tape` with the ReLU of x shared (`*relu_x`: its
/// value id, -1 until made): the same ops, weights and order of sums.
/// Returns the edge's value id, or -1 when no op runs.
int RecordMixedEdge(absl::Span<const std::shared_ptr<CellOp>> ops,
                    absl::Span<const float> w, ForwardTape& tape, int x,
                    int* relu_x);

/// BN options used everywhere in search networks.
torch::nn::BatchNorm2dOptions SearchBn(int64_t channels, bool affine = true,
                                       bool track_running_stats = true);

/// ReLU -> Conv2d(no bias) -> BN, registered as `op.{0,1,2}`.
class ReLUConvBN : public CellOp {
 public:
  ReLUConvBN(std::shared_ptr<ActivationRecorder> recorder, int64_t c_in,
             int64_t c_out, int64_t kernel, int64_t stride, int64_t padding,
             int64_t dilation);
  at::Tensor forward(const at::Tensor& x) override;
  bool StartsWithRelu() const override { return true; }
  at::Tensor ForwardFromRelu(const at::Tensor& relu_x) override;
  int Record(ForwardTape& tape, int x) override;
  int RecordFromRelu(ForwardTape& tape, int relu_x) override;

 private:
  RecordingReLU relu_{nullptr};
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
};

/// `none`: zeros (x * 0, subsampled by `stride`). Never executed by TE-NAS,
/// which masks it, but present so op indices match the original.
class Zero : public CellOp {
 public:
  explicit Zero(int64_t stride) : stride_(stride) {}
  at::Tensor forward(const at::Tensor& x) override;
  int Record(ForwardTape& tape, int x) override;

 private:
  int64_t stride_;
};

/// `skip_connect` with stride 1 and equal channels.
class Identity : public CellOp {
 public:
  at::Tensor forward(const at::Tensor& x) override { return x; }
  int Record(ForwardTape& /*tape*/, int x) override { return x; }
};

/// NB201 `avg_pool_3x3`: optional 1x1 ReLUConvBN preprocess when the channel
/// count changes, then AvgPool(3, stride, pad 1, count_include_pad=False).
class Pooling : public CellOp {
 public:
  Pooling(std::shared_ptr<ActivationRecorder> recorder, int64_t c_in,
          int64_t c_out, int64_t stride);
  at::Tensor forward(const at::Tensor& x) override;
  int Record(ForwardTape& tape, int x) override;

 private:
  std::shared_ptr<ReLUConvBN> preprocess_;
  torch::nn::AvgPool2d pool_{nullptr};
};

/// NB201 residual reduction block (docs/ALGORITHM.md §1.3): conv_a (3x3, stride
/// 2), conv_b (3x3), downsample = AvgPool(2,2) -> Conv1x1 (no BN).
class ResNetBasicBlock : public CellOp {
 public:
  ResNetBasicBlock(std::shared_ptr<ActivationRecorder> recorder, int64_t c_in,
                   int64_t c_out, int64_t stride);
  at::Tensor forward(const at::Tensor& x) override;
  int Record(ForwardTape& tape, int x) override;

 private:
  std::shared_ptr<ReLUConvBN> conv_a_;
  std::shared_ptr<ReLUConvBN> conv_b_;
  torch::nn::Sequential downsample_pool_conv_{nullptr};  // stride 2
  std::shared_ptr<ReLUConvBN> downsample_relu_conv_bn_;  // stride 1, C change
};

}  // namespace tenas::nn

#endif  // TENAS_NN_OPS_H_
