// Copyright 2026 The tenas Authors.

#include "tenas/measures/internal/tape_replay.h"

#include <utility>

namespace tenas::measures::internal {

std::vector<int> LayerOps(const nn::ForwardTape& tape) {
  std::vector<int> layers;
  const auto& ops = tape.ops();
  for (int i = 0; i < static_cast<int>(ops.size()); ++i) {
    if (ops[i].kind == nn::TapeOpKind::kConv ||
        ops[i].kind == nn::TapeOpKind::kLinear) {
      layers.push_back(i);
    }
  }
  return layers;
}

std::vector<int> ConsumerCounts(const nn::ForwardTape& tape) {
  std::vector<int> counts(static_cast<size_t>(tape.num_values()), 0);
  for (const nn::TapeOp& op : tape.ops()) {
    for (int v : op.inputs) ++counts.at(static_cast<size_t>(v));
  }
  return counts;
}

ReplayWeights TapeWeights(const nn::ForwardTape& tape) {
  ReplayWeights weights;
  for (int i : LayerOps(tape)) {
    const nn::TapeOp& op = tape.ops()[i];
    weights.weight.push_back(op.weight);
    weights.bias.push_back(op.kind == nn::TapeOpKind::kLinear ? op.bias
                                                              : at::Tensor());
  }
  return weights;
}

ReplayResult ReplayTape(const nn::ForwardTape& tape, const at::Tensor& x,
                        const ReplayWeights& weights,
                        const ReplayOptions& options) {
  using nn::TapeOpKind;
  const auto& ops = tape.ops();
  TORCH_CHECK(weights.weight.size() == weights.bias.size(),
              "replay: one bias entry per layer");
  // Value 0 of every tape is its input (SearchNetwork::RecordForward); the
  // other values no op makes are the all-zero outputs of nodes whose edges
  // are all `none`, and are made again at this batch size.
  std::vector<at::Tensor> values(static_cast<size_t>(tape.num_values()));
  std::vector<bool> made(values.size(), false);
  for (const nn::TapeOp& op : ops)
    made.at(static_cast<size_t>(op.output)) = true;
  values[0] = x;
  for (size_t v = 1; v < values.size(); ++v) {
    if (made[v]) continue;
    std::vector<int64_t> shape = tape.value(static_cast<int>(v)).sizes().vec();
    shape[0] = x.size(0);
    values[v] = at::zeros(shape, x.options().requires_grad(false));
  }
  ReplayResult result;
  size_t layer = 0;
  auto in = [&](const nn::TapeOp& op, size_t i = 0) -> const at::Tensor& {
    const at::Tensor& v = values.at(static_cast<size_t>(op.inputs.at(i)));
    TORCH_CHECK(v.defined(), "replay: value read before it is made");
    return v;
  };
  auto probe = [&](at::Tensor y) {
    if (!options.probe_layers) return y;
    std::vector<int64_t> shape = {y.size(0), y.size(1)};
    for (int64_t d = 2; d < y.dim(); ++d) shape.push_back(1);
    at::Tensor p = at::ones(shape, y.options()).requires_grad_(true);
    result.probes.push_back(p);
    return y * p;
  };
  at::Tensor last;
  for (const nn::TapeOp& op : ops) {
    at::Tensor y;
    switch (op.kind) {
      case TapeOpKind::kConv: {
        TORCH_CHECK(layer < weights.weight.size(), "replay: too few weights");
        y = at::conv2d(in(op), weights.weight[layer], {}, op.stride, op.padding,
                       op.dilation, op.groups);
        ++layer;
        y = probe(std::move(y));
        break;
      }
      case TapeOpKind::kLinear: {
        TORCH_CHECK(layer < weights.weight.size(), "replay: too few weights");
        y = at::linear(in(op), weights.weight[layer], weights.bias[layer]);
        ++layer;
        y = probe(std::move(y));
        break;
      }
      case TapeOpKind::kBatchNorm: {
        const at::Tensor& v = in(op);
        if (options.keep_batch_variance) {
          result.batch_variance.push_back(
              v.detach().var({0, 2, 3}, /*unbiased=*/true));
        }
        y = options.batch_norm
                ? at::batch_norm(v, {}, {}, {}, {}, /*training=*/true, 0.1,
                                 op.eps, /*cudnn_enabled=*/false)
                : v;
        break;
      }
      case TapeOpKind::kRelu:
        if (options.keep_relu_inputs) {
          result.relu_inputs.push_back(in(op).detach());
          result.relu_outputs.push_back(op.output);
        }
        y = at::relu(in(op));
        break;
      case TapeOpKind::kAvgPool:
        y = at::avg_pool2d(in(op), op.kernel, op.stride, op.padding,
                           /*ceil_mode=*/false, op.count_include_pad);
        break;
      case TapeOpKind::kMaxPool:
        y = at::max_pool2d(in(op), op.kernel, op.stride, op.padding,
                           op.dilation, /*ceil_mode=*/false);
        break;
      case TapeOpKind::kShiftCrop: {
        const at::Tensor padded = at::constant_pad_nd(in(op), {0, 1, 0, 1}, 0);
        y = padded.slice(2, 1, padded.size(2)).slice(3, 1, padded.size(3));
        break;
      }
      case TapeOpKind::kSum:
        for (size_t i = 0; i < op.inputs.size(); ++i) {
          at::Tensor term = in(op, i);
          if (op.coef[i] != 1.0f) term = term * op.coef[i];
          y = y.defined() ? y + term : term;
        }
        if (op.post_scale != 1.0f) y = y * op.post_scale;
        break;
      case TapeOpKind::kConcat: {
        std::vector<at::Tensor> parts;
        for (size_t i = 0; i < op.inputs.size(); ++i)
          parts.push_back(in(op, i));
        y = at::cat(parts, 1);
        break;
      }
      case TapeOpKind::kGlobalAvgPool:
        result.features = in(op);
        y = at::adaptive_avg_pool2d(in(op), {1, 1});
        y = y.view({y.size(0), -1});
        break;
    }
    values.at(static_cast<size_t>(op.output)) = y;
    last = y;
  }
  TORCH_CHECK(layer == weights.weight.size(), "replay: too many weights");
  result.logits = last;
  return result;
}

}  // namespace tenas::measures::internal
