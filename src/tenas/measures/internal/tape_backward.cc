// Copyright 2026 The tenas Authors.

#include "tenas/measures/internal/tape_backward.h"

#include <ATen/ATen.h>

#include <utility>
#include <vector>

#include "tenas/measures/internal/replica_backward.h"

namespace tenas::measures {
namespace {

using at::Tensor;
using nn::TapeOp;
using nn::TapeOpKind;

// For each value, the index of the op that made it, or -1 for inputs.
std::vector<int> Producers(const nn::ForwardTape& tape) {
  std::vector<int> producer(tape.num_values(), -1);
  const auto& ops = tape.ops();
  for (size_t i = 0; i < ops.size(); ++i) {
    producer[ops[i].output] = static_cast<int>(i);
  }
  return producer;
}

// Whether each value's gradient is needed: it is made by an op (inputs and
// constants take none) and the backward from `logits` reaches it.
std::vector<bool> ReachedValues(const nn::ForwardTape& tape, int logits) {
  std::vector<bool> reached(tape.num_values(), false);
  reached[logits] = true;
  const auto& ops = tape.ops();
  for (auto op = ops.rbegin(); op != ops.rend(); ++op) {
    if (!reached[op->output]) continue;
    for (int in : op->inputs) reached[in] = true;
  }
  return reached;
}

// A value's gradient: scale · t. The scale is applied lazily: every
// primitive's backward is linear in its output grad, so a factor (an edge
// weight, a sum's 1/4) rides along to where the gradient is next added to
// another or lands in a parameter's row, instead of costing a pass over
// memory of its own. `shared`: t is also another value's gradient (a sum
// hands its output grad to every summand), so it must not be written.
struct Grad {
  Tensor t;
  double scale = 1.0;
  bool shared = false;
  bool defined() const { return t.defined(); }
};

class Backward {
 public:
  Backward(const nn::ForwardTape& tape, int64_t rows)
      : tape_(tape),
        producer_(Producers(tape)),
        R_(rows),
        grads_(tape.num_values()),
        param_grads_(tape.params().size()) {}

  std::vector<Tensor> Run(int logits, int64_t start) {
    const Tensor& out = tape_.value(logits);
    const int64_t B = out.size(0), K = out.size(1);
    // Cotangent r is all ones on the logits of sample start + r.
    Tensor cot = at::zeros({R_, B, K}, out.options());
    cot.narrow(1, start, R_).diagonal(0, 0, 1).fill_(1);
    grads_[logits] = {cot, 1.0, false};
    const auto& ops = tape_.ops();
    for (auto op = ops.rbegin(); op != ops.rend(); ++op) {
      Grad g = std::move(grads_[op->output]);  // released after this op
      if (g.defined()) Step(*op, g);
    }
    return std::move(param_grads_);
  }

 private:
  bool NeedsGrad(int value) const { return producer_[value] >= 0; }

  // grads_[value] += scale · grad. `grad` is not used by anyone else
  // afterwards unless `shared`.
  void Accumulate(int value, Tensor grad, double scale, bool shared = false) {
    if (!NeedsGrad(value)) return;
    Grad& slot = grads_[value];
    if (!slot.defined()) {
      slot = {std::move(grad), scale, shared};
      return;
    }
    // slot.scale · (t + (scale / slot.scale) · grad): one pass, in place
    // when the slot's buffer is its own. (The ratio is exact when both are
    // powers of two, as TE-NAS's edge weights are.)
    if (slot.scale == 0.0) {  // a zeroed branch (`none`): 0·t, then add
      slot.t = at::add(slot.t.mul(0.0), grad, scale);
      slot.scale = 1.0;
      slot.shared = false;
      return;
    }
    const double ratio = scale / slot.scale;
    if (slot.shared) {
      slot.t =
          ratio == 1.0 ? at::add(slot.t, grad) : at::add(slot.t, grad, ratio);
      slot.shared = false;
    } else if (ratio == 1.0) {
      slot.t.add_(grad);
    } else {
      slot.t.add_(grad, ratio);
    }
  }

  void AccumulateParam(int param, const Tensor& grad, double scale) {
    if (param < 0) return;
    Tensor flat = grad.reshape({R_, -1});
    if (scale != 1.0) flat = flat * scale;
    Tensor& slot = param_grads_[param];
    if (!slot.defined()) {
      slot = flat.is_contiguous() ? flat : flat.contiguous();
    } else {
      slot.add_(flat);
    }
  }

  // Where a kernel may add `value`'s new grad contribution (scale s) in the
  // same sweep that computes it: the value's slot, when it holds a buffer
  // of its own; with the factor relative to the slot's scale. Undefined
  // when there is none (the kernel then returns a new tensor).
  std::pair<Tensor, double> InPlaceTarget(int value, double s) const {
    if (value < 0 || !NeedsGrad(value)) return {Tensor(), 1.0};
    const Grad& slot = grads_[value];
    if (!slot.defined() || slot.shared || slot.scale == 0.0) {
      return {Tensor(), 1.0};
    }
    return {slot.t, s / slot.scale};
  }

  // Whether the convolution that made `value` takes its output grad
  // channels-last (a convolution the direct loops do not run).
  bool WantsChannelsLast(int value) const {
    const int p = producer_[value];
    if (p < 0) return false;
    const TapeOp& conv = tape_.ops()[p];
    if (conv.kind != TapeOpKind::kConv) return false;
    const Tensor& x = tape_.value(conv.inputs[0]);
    return !replica::DirectConvolution(conv.weight.sizes(), x.size(2),
                                       x.size(3), conv.stride, conv.padding,
                                       conv.dilation, false, conv.groups, x);
  }

  void Step(const TapeOp& op, const Grad& grad) {
    const int in = op.inputs.empty() ? -1 : op.inputs[0];
    const Tensor& g = grad.t;
    const double s = grad.scale;
    switch (op.kind) {
      case TapeOpKind::kLinear: {
        const Tensor& x = tape_.value(in);  // [B, F]
        AccumulateParam(op.param, at::matmul(g.transpose(1, 2), x), s);
        if (NeedsGrad(in)) Accumulate(in, at::matmul(g, op.weight), s);
        return;
      }
      case TapeOpKind::kGlobalAvgPool: {
        const Tensor& x = tape_.value(in);
        const int64_t hw = x.size(2) * x.size(3);
        Accumulate(in,
                   (g / static_cast<double>(hw))
                       .unsqueeze(-1)
                       .unsqueeze(-1)
                       .expand({R_, x.size(0), x.size(1), x.size(2), x.size(3)})
                       .contiguous(),
                   s);
        return;
      }
      case TapeOpKind::kRelu: {
        const Tensor& y = tape_.value(op.output);
        if (replica::ReluBackwardSupported(g, y)) {
          const auto [into, factor] = InPlaceTarget(in, s);
          Tensor gi = replica::ReluBackward(g, y, into, factor);
          if (gi.defined()) Accumulate(in, std::move(gi), s);
        } else {
          Accumulate(in, at::threshold_backward(g, y.unsqueeze(0), 0), s);
        }
        return;
      }
      case TapeOpKind::kBatchNorm: {
        const Tensor& x = tape_.value(in);
        const bool input_grad = NeedsGrad(in);
        if (replica::BatchNormBackwardSupported(g, x)) {
          replica::BatchNormGrads grads = replica::BatchNormBackward(
              g, x, op.save_mean, op.save_invstd, op.weight,
              input_grad && WantsChannelsLast(in),
              {input_grad, op.param >= 0, false});
          AccumulateParam(op.param, grads.gamma, s);
          if (input_grad) Accumulate(in, std::move(grads.input), s);
          return;
        }
        std::vector<Tensor> gi, gw;
        for (int64_t r = 0; r < R_; ++r) {
          auto [i, w, b] = at::native_batch_norm_backward(
              g.select(0, r), x, op.weight, {}, {}, op.save_mean,
              op.save_invstd, /*train=*/true, /*eps=*/0.0,
              {input_grad, op.param >= 0, false});
          gi.push_back(i);
          gw.push_back(w);
        }
        if (op.param >= 0) AccumulateParam(op.param, at::stack(gw), s);
        if (input_grad) Accumulate(in, at::stack(gi), s);
        return;
      }
      case TapeOpKind::kConv: {
        const Tensor& x = tape_.value(in);
        const auto [into, factor] = InPlaceTarget(in, s);
        auto [gi, gw] = replica::ConvolutionBackward(
            g, x, op.weight, op.stride, op.padding, op.dilation, {0, 0},
            op.groups, NeedsGrad(in), op.param >= 0, into, factor);
        AccumulateParam(op.param, gw, s);
        if (gi.defined()) Accumulate(in, std::move(gi), s);
        return;
      }
      case TapeOpKind::kAvgPool: {
        const Tensor& x = tape_.value(in);
        const auto [into, factor] = InPlaceTarget(in, s);
        Tensor gi = replica::AvgPoolBackward(
            g, x.size(2), x.size(3), op.kernel, op.stride, op.padding,
            op.count_include_pad, into, factor);
        if (gi.defined()) Accumulate(in, std::move(gi), s);
        return;
      }
      case TapeOpKind::kMaxPool: {
        const Tensor& x = tape_.value(in);
        const int64_t B = x.size(0), C = x.size(1), H = x.size(2),
                      W = x.size(3);
        const Tensor shape_only = at::empty({R_ * B, C, H, W}, g.options());
        const Tensor gi = at::max_pool2d_with_indices_backward(
            g.reshape({R_ * B, C, g.size(3), g.size(4)}), shape_only, op.kernel,
            op.stride, op.padding, op.dilation, false,
            op.indices.repeat({R_, 1, 1, 1}));
        Accumulate(in, gi.view({R_, B, C, H, W}), s);
        return;
      }
      case TapeOpKind::kShiftCrop: {
        const int64_t H = g.size(3), W = g.size(4);
        Tensor gi = at::zeros(g.sizes(), g.options());
        gi.slice(3, 1, H).slice(4, 1, W).copy_(
            g.slice(3, 0, H - 1).slice(4, 0, W - 1));
        Accumulate(in, std::move(gi), s);
        return;
      }
      case TapeOpKind::kConcat: {
        int64_t offset = 0;
        for (int x : op.inputs) {
          const int64_t c = tape_.value(x).size(1);
          Accumulate(x, g.narrow(2, offset, c).contiguous(), s);
          offset += c;
        }
        return;
      }
      case TapeOpKind::kSum:
        // Every summand's grad is the same buffer, each with its factor:
        // no pass over memory here at all.
        for (size_t i = 0; i < op.inputs.size(); ++i) {
          const double factor =
              s * static_cast<double>(op.coef[i]) * op.post_scale;
          Accumulate(op.inputs[i], g, factor, /*shared=*/true);
        }
        return;
    }
  }

  const nn::ForwardTape& tape_;
  std::vector<int> producer_;
  int64_t R_;
  std::vector<Grad> grads_;
  std::vector<Tensor> param_grads_;
};

}  // namespace

std::vector<bool> TapeReachedParams(const nn::ForwardTape& tape, int logits) {
  const std::vector<bool> reached = ReachedValues(tape, logits);
  std::vector<bool> params(tape.params().size(), false);
  for (const TapeOp& op : tape.ops()) {
    if (op.param >= 0 && reached[op.output]) params[op.param] = true;
  }
  return params;
}

std::vector<Tensor> TapeBackward(const nn::ForwardTape& tape, int logits,
                                 int64_t start, int64_t rows) {
  return Backward(tape, rows).Run(logits, start);
}

}  // namespace tenas::measures
