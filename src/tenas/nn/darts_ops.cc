// Copyright 2026 The tenas Authors.

#include "tenas/nn/darts_ops.h"

#include <utility>

namespace tenas::nn {
namespace {

using torch::indexing::None;
using torch::indexing::Slice;

torch::nn::Conv2d Conv(int64_t c_in, int64_t c_out, int64_t kernel,
                       int64_t stride, int64_t padding, int64_t dilation = 1,
                       int64_t groups = 1) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(c_in, c_out, kernel)
                               .stride(stride)
                               .padding(padding)
                               .dilation(dilation)
                               .groups(groups)
                               .bias(false));
}

// x[:, :, 1:, 1:]
at::Tensor DropFirstRowAndColumn(const at::Tensor& x) {
  return x.index({Slice(), Slice(), Slice(1, None), Slice(1, None)});
}

}  // namespace

// ----------------------------------------------------------------- search ops

DartsSepConv::DartsSepConv(std::shared_ptr<ActivationRecorder> recorder,
                           int64_t c_in, int64_t c_out, int64_t kernel,
                           int64_t stride, int64_t padding, int64_t dilation) {
  relu_ = RecordingReLU(std::move(recorder));
  depthwise_ = Conv(c_in, c_in, kernel, stride, padding, dilation, c_in);
  pointwise_ = Conv(c_in, c_out, 1, 1, 0);
  bn_ = torch::nn::BatchNorm2d(SearchBn(c_out));
  register_module("op",
                  torch::nn::Sequential(relu_, depthwise_, pointwise_, bn_));
}

at::Tensor DartsSepConv::forward(const at::Tensor& x) {
  return ForwardFromRelu(relu_->forward(x));
}

at::Tensor DartsSepConv::ForwardFromRelu(const at::Tensor& relu_x) {
  return bn_->forward(pointwise_->forward(depthwise_->forward(relu_x)));
}

int DartsSepConv::Record(ForwardTape& tape, int x) {
  return RecordFromRelu(tape, tape.Relu(x));
}

int DartsSepConv::RecordFromRelu(ForwardTape& tape, int relu_x) {
  return tape.BatchNorm(tape.Conv(tape.Conv(relu_x, *depthwise_), *pointwise_),
                        *bn_);
}

DualSepConv::DualSepConv(const std::shared_ptr<ActivationRecorder>& recorder,
                         int64_t c_in, int64_t c_out, int64_t kernel,
                         int64_t stride, int64_t padding, int64_t dilation) {
  op_a_ = register_module(
      "op_a", std::make_shared<DartsSepConv>(recorder, c_in, c_in, kernel,
                                             stride, padding, dilation));
  op_b_ = register_module(
      "op_b", std::make_shared<DartsSepConv>(recorder, c_in, c_out, kernel, 1,
                                             padding, dilation));
}

at::Tensor DualSepConv::forward(const at::Tensor& x) {
  return op_b_->forward(op_a_->forward(x));
}

at::Tensor DualSepConv::ForwardFromRelu(const at::Tensor& relu_x) {
  return op_b_->forward(op_a_->ForwardFromRelu(relu_x));
}

FactorizedReduce::FactorizedReduce(std::shared_ptr<ActivationRecorder> recorder,
                                   int64_t c_in, int64_t c_out, int64_t stride)
    : stride_(stride) {
  TORCH_CHECK(stride == 1 || stride == 2, "FactorizedReduce: invalid stride ",
              stride);
  relu_ = register_module("relu", RecordingReLU(std::move(recorder)));
  if (stride == 2) {
    conv0_ = Conv(c_in, c_out / 2, 1, 2, 0);
    conv1_ = Conv(c_in, c_out - c_out / 2, 1, 2, 0);
    register_module("convs", torch::nn::ModuleList(conv0_, conv1_));
  } else {
    conv0_ = register_module("conv", Conv(c_in, c_out, 1, 1, 0));
  }
  bn_ = register_module("bn", torch::nn::BatchNorm2d(SearchBn(c_out)));
}

int DualSepConv::Record(ForwardTape& tape, int x) {
  return op_b_->Record(tape, op_a_->Record(tape, x));
}

int DualSepConv::RecordFromRelu(ForwardTape& tape, int relu_x) {
  return op_b_->Record(tape, op_a_->RecordFromRelu(tape, relu_x));
}

int FactorizedReduce::Record(ForwardTape& tape, int x) {
  if (stride_ == 1) return tape.BatchNorm(tape.Conv(x, *conv0_), *bn_);
  return RecordFromRelu(tape, tape.Relu(x));
}

int FactorizedReduce::RecordFromRelu(ForwardTape& tape, int h) {
  TORCH_CHECK(stride_ == 2, "FactorizedReduce: stride 1 has no ReLU");
  const int a = tape.Conv(h, *conv0_);
  const int b = tape.Conv(tape.ShiftCrop(h), *conv1_);
  return tape.BatchNorm(tape.Concat({a, b}), *bn_);
}

at::Tensor FactorizedReduce::forward(const at::Tensor& x) {
  if (stride_ == 1) return bn_->forward(conv0_->forward(x));
  return ForwardFromRelu(relu_->forward(x));
}

at::Tensor FactorizedReduce::ForwardFromRelu(const at::Tensor& h) {
  TORCH_CHECK(stride_ == 2, "FactorizedReduce: stride 1 has no ReLU");
  // ConstantPad2d((0, 1, 0, 1), 0): one zero column right, one row bottom.
  at::Tensor y = torch::constant_pad_nd(h, {0, 1, 0, 1}, 0.0);
  return bn_->forward(torch::cat(
      {conv0_->forward(h), conv1_->forward(DropFirstRowAndColumn(y))}, 1));
}

DartsPooling::DartsPooling(const std::shared_ptr<ActivationRecorder>& recorder,
                           int64_t c_in, int64_t c_out, int64_t stride,
                           PoolMode mode)
    : mode_(mode) {
  if (c_in != c_out) {
    preprocess_ = register_module(
        "preprocess",
        std::make_shared<ReLUConvBN>(recorder, c_in, c_out, 1, 1, 0, 1));
  }
  if (mode == PoolMode::kAvg) {
    avg_ = register_module("op",
                           torch::nn::AvgPool2d(torch::nn::AvgPool2dOptions(3)
                                                    .stride(stride)
                                                    .padding(1)
                                                    .count_include_pad(false)));
  } else {
    max_ = register_module(
        "op", torch::nn::MaxPool2d(
                  torch::nn::MaxPool2dOptions(3).stride(stride).padding(1)));
  }
}

at::Tensor DartsPooling::forward(const at::Tensor& x) {
  const at::Tensor h = preprocess_ ? preprocess_->forward(x) : x;
  return mode_ == PoolMode::kAvg ? avg_->forward(h) : max_->forward(h);
}

int DartsPooling::Record(ForwardTape& tape, int x) {
  const int h = preprocess_ ? preprocess_->Record(tape, x) : x;
  if (mode_ == PoolMode::kAvg) {
    const auto& o = avg_->options;
    return tape.AvgPool(h, (*o.kernel_size())[0], (*o.stride())[0],
                        (*o.padding())[0], o.count_include_pad());
  }
  const auto& o = max_->options;
  TORCH_CHECK((*o.dilation())[0] == 1 && !o.ceil_mode(), "unexpected pool");
  return tape.MaxPool(h, (*o.kernel_size())[0], (*o.stride())[0],
                      (*o.padding())[0]);
}

std::shared_ptr<CellOp> MakeDartsSearchOp(
    darts::Op op, const std::shared_ptr<ActivationRecorder>& recorder,
    int64_t channels, int64_t stride) {
  const int64_t c = channels;
  switch (op) {
    case darts::kNone:
      return std::make_shared<Zero>(stride);
    case darts::kSkipConnect:
      if (stride == 1) return std::make_shared<Identity>();
      return std::make_shared<FactorizedReduce>(recorder, c, c, stride);
    case darts::kSepConv3x3:
      return std::make_shared<DualSepConv>(recorder, c, c, 3, stride, 1, 1);
    case darts::kSepConv5x5:
      return std::make_shared<DualSepConv>(recorder, c, c, 5, stride, 2, 1);
    case darts::kDilConv3x3:
      return std::make_shared<DartsSepConv>(recorder, c, c, 3, stride, 2, 2);
    case darts::kDilConv5x5:
      return std::make_shared<DartsSepConv>(recorder, c, c, 5, stride, 4, 2);
    case darts::kAvgPool3x3:
      return std::make_shared<DartsPooling>(recorder, c, c, stride,
                                            PoolMode::kAvg);
    case darts::kMaxPool3x3:
      return std::make_shared<DartsPooling>(recorder, c, c, stride,
                                            PoolMode::kMax);
  }
  TORCH_CHECK(false, "unknown DARTS op ", static_cast<int>(op));
}

// ------------------------------------------------------------ evaluation ops

EvalSepConv::EvalSepConv(int64_t c_in, int64_t c_out, int64_t kernel,
                         int64_t stride, int64_t padding) {
  op_ = register_module(
      "op",
      torch::nn::Sequential(
          torch::nn::ReLU(), Conv(c_in, c_in, kernel, stride, padding, 1, c_in),
          Conv(c_in, c_in, 1, 1, 0), torch::nn::BatchNorm2d(SearchBn(c_in)),
          torch::nn::ReLU(), Conv(c_in, c_in, kernel, 1, padding, 1, c_in),
          Conv(c_in, c_out, 1, 1, 0), torch::nn::BatchNorm2d(SearchBn(c_out))));
}

at::Tensor EvalSepConv::forward(const at::Tensor& x) { return op_->forward(x); }

EvalFactorizedReduce::EvalFactorizedReduce(int64_t c_in, int64_t c_out) {
  TORCH_CHECK(c_out % 2 == 0, "FactorizedReduce: C_out must be even, got ",
              c_out);
  relu_ = register_module("relu", torch::nn::ReLU());
  conv_1_ = register_module("conv_1", Conv(c_in, c_out / 2, 1, 2, 0));
  conv_2_ = register_module("conv_2", Conv(c_in, c_out / 2, 1, 2, 0));
  bn_ = register_module("bn", torch::nn::BatchNorm2d(SearchBn(c_out)));
}

at::Tensor EvalFactorizedReduce::forward(const at::Tensor& x) {
  at::Tensor h = relu_->forward(x);
  return bn_->forward(torch::cat(
      {conv_1_->forward(h), conv_2_->forward(DropFirstRowAndColumn(h))}, 1));
}

EvalPoolBN::EvalPoolBN(int64_t channels, int64_t stride, PoolMode mode) {
  torch::nn::Sequential seq;
  if (mode == PoolMode::kAvg) {
    seq->push_back(torch::nn::AvgPool2d(torch::nn::AvgPool2dOptions(3)
                                            .stride(stride)
                                            .padding(1)
                                            .count_include_pad(false)));
  } else {
    seq->push_back(torch::nn::MaxPool2d(
        torch::nn::MaxPool2dOptions(3).stride(stride).padding(1)));
  }
  seq->push_back(torch::nn::BatchNorm2d(SearchBn(channels, /*affine=*/false)));
  op_ = register_module("op", seq);
}

at::Tensor EvalPoolBN::forward(const at::Tensor& x) { return op_->forward(x); }

std::shared_ptr<CellOp> MakeDartsEvalOp(darts::Op op, int64_t channels,
                                        int64_t stride) {
  const int64_t c = channels;
  switch (op) {
    case darts::kNone:
      return std::make_shared<Zero>(stride);
    case darts::kSkipConnect:
      if (stride == 1) return std::make_shared<Identity>();
      return std::make_shared<EvalFactorizedReduce>(c, c);
    case darts::kSepConv3x3:
      return std::make_shared<EvalSepConv>(c, c, 3, stride, 1);
    case darts::kSepConv5x5:
      return std::make_shared<EvalSepConv>(c, c, 5, stride, 2);
    case darts::kDilConv3x3:
      return std::make_shared<DartsSepConv>(nullptr, c, c, 3, stride, 2, 2);
    case darts::kDilConv5x5:
      return std::make_shared<DartsSepConv>(nullptr, c, c, 5, stride, 4, 2);
    case darts::kAvgPool3x3:
      return std::make_shared<EvalPoolBN>(c, stride, PoolMode::kAvg);
    case darts::kMaxPool3x3:
      return std::make_shared<EvalPoolBN>(c, stride, PoolMode::kMax);
  }
  TORCH_CHECK(false, "unknown DARTS op ", static_cast<int>(op));
}

}  // namespace tenas::nn
