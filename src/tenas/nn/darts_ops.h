// Copyright 2026 The tenas Authors.
//
// darts_ops.h: the operations of the DARTS search space, in two flavours with
// the module layout and names of their original code:
//
//  - search ops (docs/ALGORITHM.md §2.1; TE-NAS lib/models/cell_operations.py),
//  used by the
//    TE-NAS supernet: DualSepConv (`op_a`, `op_b`), SepConv (dilated conv),
//    FactorizedReduce (`relu`, `convs.{0,1}`, `bn`), pools without BN;
//  - evaluation ops (chenwydj/DARTS_evaluation operations.py), used to
//    retrain a genotype: classic DARTS SepConv (`op.0`..`op.7`), DilConv,
//    FactorizedReduce (`conv_1`, `conv_2`), pools followed by BN(affine=False).
//
// Construction order equals the original's, so after torch::manual_seed(s)
// the default-initialised weights equal PyTorch's after torch.manual_seed(s).

#ifndef TENAS_NN_DARTS_OPS_H_
#define TENAS_NN_DARTS_OPS_H_

#include <torch/torch.h>

#include <memory>

#include "tenas/nn/ops.h"
#include "tenas/nn/search_network.h"
#include "tenas/space/darts.h"

namespace tenas::nn {

// ----------------------------------------------------------------- search ops

/// TE-NAS SepConv: ReLU -> depthwise Conv(k, stride, pad, dilation,
/// groups=C_in) -> pointwise Conv1x1(C_in->C_out) -> BN, registered as
/// `op.{0,1,2,3}`. Used alone as `dil_conv_*` and twice in DualSepConv.
/// Also the DARTS_evaluation DilConv, which has the same layout.
class DartsSepConv : public CellOp {
 public:
  DartsSepConv(std::shared_ptr<ActivationRecorder> recorder, int64_t c_in,
               int64_t c_out, int64_t kernel, int64_t stride, int64_t padding,
               int64_t dilation);
  at::Tensor forward(const at::Tensor& x) override;
  bool StartsWithRelu() const override { return true; }
  at::Tensor ForwardFromRelu(const at::Tensor& relu_x) override;
  int Record(ForwardTape& tape, int x) override;
  int RecordFromRelu(ForwardTape& tape, int relu_x) override;

 private:
  RecordingReLU relu_{nullptr};
  torch::nn::Conv2d depthwise_{nullptr};
  torch::nn::Conv2d pointwise_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
};

/// TE-NAS `sep_conv_*`: `op_a` = SepConv(C_in->C_in, stride), then `op_b` =
/// SepConv(C_in->C_out, stride 1).
class DualSepConv : public CellOp {
 public:
  DualSepConv(const std::shared_ptr<ActivationRecorder>& recorder, int64_t c_in,
              int64_t c_out, int64_t kernel, int64_t stride, int64_t padding,
              int64_t dilation);
  at::Tensor forward(const at::Tensor& x) override;
  bool StartsWithRelu() const override { return true; }
  at::Tensor ForwardFromRelu(const at::Tensor& relu_x) override;
  int Record(ForwardTape& tape, int x) override;
  int RecordFromRelu(ForwardTape& tape, int relu_x) override;

 private:
  std::shared_ptr<DartsSepConv> op_a_;
  std::shared_ptr<DartsSepConv> op_b_;
};

/// TE-NAS FactorizedReduce. Stride 2: ReLU(x); y = pad(x, right 1, bottom 1);
/// BN(cat[convs.0(x), convs.1(y[:, :, 1:, 1:])]) with 1x1 stride-2 convs of
/// C_out/2 and C_out - C_out/2 channels. Stride 1: BN(conv(x)), no ReLU.
class FactorizedReduce : public CellOp {
 public:
  FactorizedReduce(std::shared_ptr<ActivationRecorder> recorder, int64_t c_in,
                   int64_t c_out, int64_t stride);
  at::Tensor forward(const at::Tensor& x) override;
  bool StartsWithRelu() const override { return stride_ == 2; }
  at::Tensor ForwardFromRelu(const at::Tensor& relu_x) override;
  int Record(ForwardTape& tape, int x) override;
  int RecordFromRelu(ForwardTape& tape, int relu_x) override;

 private:
  int64_t stride_;
  RecordingReLU relu_{nullptr};
  torch::nn::Conv2d conv0_{nullptr};  // convs.0, or conv (stride 1)
  torch::nn::Conv2d conv1_{nullptr};  // convs.1
  torch::nn::BatchNorm2d bn_{nullptr};
};

/// Pooling kind of `avg_pool_3x3` / `max_pool_3x3`.
enum class PoolMode { kAvg, kMax };

/// TE-NAS POOLING: optional 1x1 ReLUConvBN `preprocess` when C_in != C_out,
/// then `op` = AvgPool(3, stride, pad 1, count_include_pad=False) or
/// MaxPool(3, stride, pad 1). No BN after the pool.
class DartsPooling : public CellOp {
 public:
  DartsPooling(const std::shared_ptr<ActivationRecorder>& recorder,
               int64_t c_in, int64_t c_out, int64_t stride, PoolMode mode);
  at::Tensor forward(const at::Tensor& x) override;
  int Record(ForwardTape& tape, int x) override;

 private:
  std::shared_ptr<ReLUConvBN> preprocess_;
  PoolMode mode_;
  torch::nn::AvgPool2d avg_{nullptr};
  torch::nn::MaxPool2d max_{nullptr};
};

/// The search op `op` (C -> C, `stride`) as TE-NAS's OPS table builds it.
std::shared_ptr<CellOp> MakeDartsSearchOp(
    darts::Op op, const std::shared_ptr<ActivationRecorder>& recorder,
    int64_t channels, int64_t stride);

// ------------------------------------------------------------ evaluation ops

/// DARTS_evaluation SepConv: two ReLU -> depthwise -> pointwise -> BN blocks
/// in one Sequential `op.{0..7}`; the first depthwise conv has the stride.
class EvalSepConv : public CellOp {
 public:
  EvalSepConv(int64_t c_in, int64_t c_out, int64_t kernel, int64_t stride,
              int64_t padding);
  at::Tensor forward(const at::Tensor& x) override;

 private:
  torch::nn::Sequential op_{nullptr};
};

/// DARTS_evaluation FactorizedReduce: ReLU, BN(cat[conv_1(x),
/// conv_2(x[:, :, 1:, 1:])]) with 1x1 stride-2 convs of C_out/2 channels each
/// (C_out must be even). No padding: expects even spatial sizes.
class EvalFactorizedReduce : public CellOp {
 public:
  EvalFactorizedReduce(int64_t c_in, int64_t c_out);
  at::Tensor forward(const at::Tensor& x) override;

 private:
  torch::nn::ReLU relu_{nullptr};
  torch::nn::Conv2d conv_1_{nullptr};
  torch::nn::Conv2d conv_2_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
};

/// DARTS_evaluation AvgPoolBN / MaxPoolBN: `op` = Sequential(pool 3x3 with
/// `stride`, pad 1 [avg: count_include_pad=False], BN(C, affine=False)).
class EvalPoolBN : public CellOp {
 public:
  EvalPoolBN(int64_t channels, int64_t stride, PoolMode mode);
  at::Tensor forward(const at::Tensor& x) override;

 private:
  torch::nn::Sequential op_{nullptr};
};

/// The evaluation op `op` (C -> C, `stride`, affine=True) as
/// DARTS_evaluation's OPS table builds it.
std::shared_ptr<CellOp> MakeDartsEvalOp(darts::Op op, int64_t channels,
                                        int64_t stride);

}  // namespace tenas::nn

#endif  // TENAS_NN_DARTS_OPS_H_
