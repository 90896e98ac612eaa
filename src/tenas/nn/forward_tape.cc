// Copyright 2026 The tenas Authors.

#include "tenas/nn/forward_tape.h"

#include <torch/version.h>

#include <utility>
#include <variant>

namespace tenas::nn {
namespace {

// The options' variants: c10::variant in LibTorch 1.13, std::variant in 2.x.
template <typename T, typename V>
const T* GetIf(const V* v) {
#if TORCH_VERSION_MAJOR >= 2
  return std::get_if<T>(v);
#else
  return c10::get_if<T>(v);
#endif
}

std::vector<int64_t> Pair(int64_t v) { return {v, v}; }

std::vector<int64_t> ToVector(at::IntArrayRef v) {
  return std::vector<int64_t>(v.begin(), v.end());
}

}  // namespace

int ForwardTape::Add(TapeOp op, at::Tensor out) {
  op.output = static_cast<int>(values_.size());
  values_.push_back(std::move(out));
  ops_.push_back(std::move(op));
  return ops_.back().output;
}

int ForwardTape::ParamIndex(const at::Tensor& p) {
  for (size_t i = 0; i < params_.size(); ++i) {
    if (params_[i].unsafeGetTensorImpl() == p.unsafeGetTensorImpl()) {
      return static_cast<int>(i);
    }
  }
  params_.push_back(p);
  return static_cast<int>(params_.size()) - 1;
}

int ForwardTape::Input(const at::Tensor& x) {
  values_.push_back(x);
  return static_cast<int>(values_.size()) - 1;
}

int ForwardTape::Conv(int x, torch::nn::Conv2dImpl& conv) {
  at::NoGradGuard no_grad;
  const auto& o = conv.options;
  TapeOp op;
  op.kind = TapeOpKind::kConv;
  op.inputs = {x};
  op.weight = conv.weight.detach();
  op.param = ParamIndex(conv.weight);
  op.kernel = ToVector(*o.kernel_size());
  op.stride = ToVector(*o.stride());
  op.dilation = ToVector(*o.dilation());
  const auto* padding = GetIf<torch::ExpandingArray<2>>(&o.padding());
  TORCH_CHECK(padding != nullptr, "tape: only explicit conv padding");
  op.padding = ToVector(**padding);
  op.groups = o.groups();
  TORCH_CHECK(GetIf<torch::enumtype::kZeros>(&o.padding_mode()) != nullptr &&
                  !o.transposed(),
              "tape: only zero-padded, non-transposed convolutions");
  at::Tensor bias = conv.bias.defined() ? conv.bias.detach() : at::Tensor();
  at::Tensor out = at::conv2d(value(x), op.weight, bias, op.stride, op.padding,
                              op.dilation, op.groups);
  return Add(std::move(op), std::move(out));
}

int ForwardTape::BatchNorm(int x, torch::nn::BatchNorm2dImpl& bn) {
  at::NoGradGuard no_grad;
  const auto& o = bn.options;
  double momentum = o.momentum().has_value() ? *o.momentum() : 0.0;
  const bool track = o.track_running_stats();
  if (bn.is_training() && track && bn.num_batches_tracked.defined()) {
    bn.num_batches_tracked += 1;  // as BatchNormImplBase::forward
    if (!o.momentum().has_value()) {
      momentum = 1.0 / bn.num_batches_tracked.item<double>();
    }
  }
  TORCH_CHECK(bn.is_training() || !track,
              "tape: batch norm must run in train mode");
  TapeOp op;
  op.kind = TapeOpKind::kBatchNorm;
  op.inputs = {x};
  if (o.affine()) {
    op.weight = bn.weight.detach();
    op.param = ParamIndex(bn.weight);
  }
  if (o.affine()) op.bias = bn.bias.detach();
  op.eps = o.eps();
  auto [out, mean, invstd] = at::native_batch_norm(
      value(x), op.weight, op.bias, track ? bn.running_mean : at::Tensor(),
      track ? bn.running_var : at::Tensor(), /*training=*/true, momentum,
      o.eps());
  op.save_mean = std::move(mean);
  op.save_invstd = std::move(invstd);
  return Add(std::move(op), std::move(out));
}

int ForwardTape::Relu(int x) {
  TapeOp op;
  op.kind = TapeOpKind::kRelu;
  op.inputs = {x};
  return Add(std::move(op), at::relu(value(x)));
}

int ForwardTape::AvgPool(int x, int64_t kernel, int64_t stride, int64_t padding,
                         bool count_include_pad) {
  TapeOp op;
  op.kind = TapeOpKind::kAvgPool;
  op.inputs = {x};
  op.kernel = Pair(kernel);
  op.stride = Pair(stride);
  op.padding = Pair(padding);
  op.count_include_pad = count_include_pad;
  at::Tensor out = at::avg_pool2d(value(x), op.kernel, op.stride, op.padding,
                                  /*ceil_mode=*/false, count_include_pad);
  return Add(std::move(op), std::move(out));
}

int ForwardTape::MaxPool(int x, int64_t kernel, int64_t stride,
                         int64_t padding) {
  TapeOp op;
  op.kind = TapeOpKind::kMaxPool;
  op.inputs = {x};
  op.kernel = Pair(kernel);
  op.stride = Pair(stride);
  op.padding = Pair(padding);
  op.dilation = Pair(1);
  auto [out, indices] = at::max_pool2d_with_indices(
      value(x), op.kernel, op.stride, op.padding, op.dilation, false);
  op.indices = std::move(indices);
  return Add(std::move(op), std::move(out));
}

int ForwardTape::ShiftCrop(int x) {
  TapeOp op;
  op.kind = TapeOpKind::kShiftCrop;
  op.inputs = {x};
  const at::Tensor padded = at::constant_pad_nd(value(x), {0, 1, 0, 1}, 0.0);
  const int64_t H = padded.size(2), W = padded.size(3);
  return Add(std::move(op), padded.slice(2, 1, H).slice(3, 1, W));
}

int ForwardTape::Sum(const std::vector<int>& xs, const std::vector<float>& coef,
                     float post_scale) {
  TORCH_CHECK(!xs.empty(), "tape: empty sum");
  TORCH_CHECK(coef.empty() || coef.size() == xs.size(),
              "tape: one coefficient per summand");
  TapeOp op;
  op.kind = TapeOpKind::kSum;
  op.inputs = xs;
  op.coef = coef.empty() ? std::vector<float>(xs.size(), 1.0f) : coef;
  op.post_scale = post_scale;
  at::Tensor sum;
  for (size_t i = 0; i < xs.size(); ++i) {
    at::Tensor term = value(xs[i]);
    if (op.coef[i] != 1.0f) term = term * op.coef[i];
    sum = sum.defined() ? sum + term : term;
  }
  if (post_scale != 1.0f) sum = sum * post_scale;
  return Add(std::move(op), std::move(sum));
}

int ForwardTape::Concat(const std::vector<int>& xs) {
  TapeOp op;
  op.kind = TapeOpKind::kConcat;
  op.inputs = xs;
  std::vector<at::Tensor> parts;
  for (int x : xs) parts.push_back(value(x));
  return Add(std::move(op), at::cat(parts, 1));
}

int ForwardTape::GlobalAvgPool(int x) {
  TapeOp op;
  op.kind = TapeOpKind::kGlobalAvgPool;
  op.inputs = {x};
  at::Tensor out = at::adaptive_avg_pool2d(value(x), {1, 1});
  return Add(std::move(op), out.view({out.size(0), -1}));
}

int ForwardTape::Linear(int x, torch::nn::LinearImpl& fc) {
  at::NoGradGuard no_grad;
  TapeOp op;
  op.kind = TapeOpKind::kLinear;
  op.inputs = {x};
  op.weight = fc.weight.detach();
  op.param = ParamIndex(fc.weight);
  if (fc.bias.defined()) op.bias = fc.bias.detach();
  at::Tensor out = at::linear(value(x), op.weight, op.bias);
  return Add(std::move(op), std::move(out));
}

}  // namespace tenas::nn
