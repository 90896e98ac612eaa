// Copyright 2026 The tenas Authors.

#include "tenas/nn/ops.h"

#include <cmath>
#include <utility>
#include <vector>

namespace tenas::nn {

namespace {

// Whether a mixed edge with weights w scales the sum of its running ops
// (w > kActiveThreshold) once: they all share one weight and it is a power
// of two. Returns that and the shared weight.
std::pair<bool, float> ScaleOnce(absl::Span<const float> w) {
  float common = 0.0f;  // the running ops' weight if they all share one
  bool first = true, same = true;
  for (const float wi : w) {
    if (!(wi > kActiveThreshold)) continue;
    same = same && (first || wi == common);
    common = wi;
    first = false;
  }
  int exponent = 0;
  return {same && !first && std::frexp(common, &exponent) == 0.5f, common};
}

}  // namespace

at::Tensor RecordingReLUImpl::forward(const at::Tensor& x) {
  at::Tensor y = torch::relu(x);
  if (recorder_ != nullptr && recorder_->enabled && x.dim() == 4) {
    recorder_->outputs.push_back(y);
  }
  return y;
}

at::Tensor ForwardInCell(CellOp& op, const at::Tensor& input, bool share_relu,
                         at::Tensor* relu_input) {
  if (!share_relu || !op.StartsWithRelu()) return op.forward(input);
  if (!relu_input->defined()) *relu_input = torch::relu(input);
  return op.ForwardFromRelu(*relu_input);
}

at::Tensor MixedEdge(absl::Span<const std::shared_ptr<CellOp>> ops,
                     absl::Span<const float> w, const at::Tensor& x,
                     bool share_relu, at::Tensor* relu_x) {
  const auto [scale_once, common] = ScaleOnce(w);
  at::Tensor sum;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (!(w[i] > kActiveThreshold)) continue;  // not executed
    at::Tensor term = ForwardInCell(*ops[i], x, share_relu, relu_x);
    if (!scale_once) term = term * w[i];
    sum = sum.defined() ? sum + term : term;
  }
  // x * 1 == x exactly: a lone op needs no product at all.
  if (scale_once && common != 1.0f) sum = sum * common;
  return sum;
}

int CellOp::Record(ForwardTape& /*tape*/, int /*x*/) {
  TORCH_CHECK(false, "this op cannot be recorded on a tape");
  return -1;  // not reached
}

int CellOp::RecordFromRelu(ForwardTape& /*tape*/, int /*relu_x*/) {
  TORCH_CHECK(false, "op does not start with a ReLU");
  return -1;  // not reached
}

int RecordMixedEdge(absl::Span<const std::shared_ptr<CellOp>> ops,
                    absl::Span<const float> w, ForwardTape& tape, int x,
                    int* relu_x) {
  const auto [scale_once, common] = ScaleOnce(w);  // as MixedEdge
  std::vector<int> terms;
  std::vector<float> coef;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (!(w[i] > kActiveThreshold)) continue;
    int term;
    if (ops[i]->StartsWithRelu()) {
      if (*relu_x < 0) *relu_x = tape.Relu(x);
      term = ops[i]->RecordFromRelu(tape, *relu_x);
    } else {
      term = ops[i]->Record(tape, x);
    }
    terms.push_back(term);
    coef.push_back(scale_once ? 1.0f : w[i]);
  }
  if (terms.empty()) return -1;
  const float post_scale = scale_once ? common : 1.0f;
  if (terms.size() == 1 && coef[0] == 1.0f && post_scale == 1.0f) {
    return terms[0];
  }
  return tape.Sum(terms, coef, post_scale);
}

torch::nn::BatchNorm2dOptions SearchBn(int64_t channels, bool affine,
                                       bool track_running_stats) {
  return torch::nn::BatchNorm2dOptions(channels)
      .eps(1e-5)
      .momentum(0.1)
      .affine(affine)
      .track_running_stats(track_running_stats);
}

ReLUConvBN::ReLUConvBN(std::shared_ptr<ActivationRecorder> recorder,
                       int64_t c_in, int64_t c_out, int64_t kernel,
                       int64_t stride, int64_t padding, int64_t dilation) {
  relu_ = RecordingReLU(std::move(recorder));
  conv_ = torch::nn::Conv2d(torch::nn::Conv2dOptions(c_in, c_out, kernel)
                                .stride(stride)
                                .padding(padding)
                                .dilation(dilation)
                                .bias(false));
  bn_ = torch::nn::BatchNorm2d(SearchBn(c_out));
  register_module("op", torch::nn::Sequential(relu_, conv_, bn_));
}

at::Tensor ReLUConvBN::forward(const at::Tensor& x) {
  return ForwardFromRelu(relu_->forward(x));
}

at::Tensor ReLUConvBN::ForwardFromRelu(const at::Tensor& relu_x) {
  return bn_->forward(conv_->forward(relu_x));
}

int ReLUConvBN::Record(ForwardTape& tape, int x) {
  return RecordFromRelu(tape, tape.Relu(x));
}

int ReLUConvBN::RecordFromRelu(ForwardTape& tape, int relu_x) {
  return tape.BatchNorm(tape.Conv(relu_x, *conv_), *bn_);
}

int Zero::Record(ForwardTape& tape, int x) {
  // A kernel-1 average pool with the stride is the strided subsample.
  const int sub = stride_ == 1 ? x : tape.AvgPool(x, 1, stride_, 0, true);
  return tape.Sum({sub}, {0.0f});
}

at::Tensor Zero::forward(const at::Tensor& x) {
  if (stride_ == 1) return x.mul(0.0);
  using torch::indexing::None;
  using torch::indexing::Slice;
  return x
      .index({Slice(), Slice(), Slice(None, None, stride_),
              Slice(None, None, stride_)})
      .mul(0.0);
}

Pooling::Pooling(std::shared_ptr<ActivationRecorder> recorder, int64_t c_in,
                 int64_t c_out, int64_t stride) {
  if (c_in != c_out) {
    preprocess_ = register_module(
        "preprocess",
        std::make_shared<ReLUConvBN>(recorder, c_in, c_out, 1, 1, 0, 1));
  }
  pool_ = register_module("op",
                          torch::nn::AvgPool2d(torch::nn::AvgPool2dOptions(3)
                                                   .stride(stride)
                                                   .padding(1)
                                                   .count_include_pad(false)));
}

at::Tensor Pooling::forward(const at::Tensor& x) {
  if (preprocess_) return pool_->forward(preprocess_->forward(x));
  return pool_->forward(x);
}

int Pooling::Record(ForwardTape& tape, int x) {
  const int h = preprocess_ ? preprocess_->Record(tape, x) : x;
  const auto& o = pool_->options;
  return tape.AvgPool(h, (*o.kernel_size())[0], (*o.stride())[0],
                      (*o.padding())[0], o.count_include_pad());
}

ResNetBasicBlock::ResNetBasicBlock(std::shared_ptr<ActivationRecorder> recorder,
                                   int64_t c_in, int64_t c_out,
                                   int64_t stride) {
  TORCH_CHECK(stride == 1 || stride == 2, "invalid stride ", stride);
  conv_a_ = register_module(
      "conv_a",
      std::make_shared<ReLUConvBN>(recorder, c_in, c_out, 3, stride, 1, 1));
  conv_b_ = register_module("conv_b", std::make_shared<ReLUConvBN>(
                                          recorder, c_out, c_out, 3, 1, 1, 1));
  if (stride == 2) {
    downsample_pool_conv_ = register_module(
        "downsample",
        torch::nn::Sequential(
            torch::nn::AvgPool2d(
                torch::nn::AvgPool2dOptions(2).stride(2).padding(0)),
            torch::nn::Conv2d(torch::nn::Conv2dOptions(c_in, c_out, 1)
                                  .stride(1)
                                  .bias(false))));
  } else if (c_in != c_out) {
    downsample_relu_conv_bn_ = register_module(
        "downsample",
        std::make_shared<ReLUConvBN>(recorder, c_in, c_out, 1, 1, 0, 1));
  }
}

at::Tensor ResNetBasicBlock::forward(const at::Tensor& x) {
  at::Tensor basic = conv_b_->forward(conv_a_->forward(x));
  at::Tensor residual = x;
  if (downsample_pool_conv_) {
    residual = downsample_pool_conv_->forward(x);
  } else if (downsample_relu_conv_bn_) {
    residual = downsample_relu_conv_bn_->forward(x);
  }
  return residual + basic;
}

int ResNetBasicBlock::Record(ForwardTape& tape, int x) {
  const int basic = conv_b_->Record(tape, conv_a_->Record(tape, x));
  int residual = x;
  if (downsample_pool_conv_) {
    auto* pool = downsample_pool_conv_[0]->as<torch::nn::AvgPool2dImpl>();
    auto* conv = downsample_pool_conv_[1]->as<torch::nn::Conv2dImpl>();
    TORCH_CHECK(pool != nullptr && conv != nullptr, "unexpected downsample");
    const auto& o = pool->options;
    residual =
        tape.Conv(tape.AvgPool(x, (*o.kernel_size())[0], (*o.stride())[0],
                               (*o.padding())[0], o.count_include_pad()),
                  *conv);
  } else if (downsample_relu_conv_bn_) {
    residual = downsample_relu_conv_bn_->Record(tape, x);
  }
  return tape.Sum({residual, basic});
}

}  // namespace tenas::nn
