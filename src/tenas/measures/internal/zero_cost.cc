// Copyright 2026 The tenas Authors.
//
// The definitions follow NASLib (naslib/predictors/utils/pruners/measures),
// Zen-NAS and ZiCo; docs/PROXIES.md states each one and where tenas differs.

#include "tenas/measures/internal/zero_cost.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "tenas/measures/internal/tape_replay.h"
#include "tenas/nn/forward_tape.h"

namespace tenas::measures::internal {
namespace {

bool Wants(const std::vector<Measure>& proxies, Measure m) {
  return std::find(proxies.begin(), proxies.end(), m) != proxies.end();
}

double Finite(double v) { return std::isfinite(v) ? v : kProxySentinel; }

double Product(at::IntArrayRef sizes, size_t from) {
  double p = 1;
  for (size_t i = from; i < sizes.size(); ++i)
    p *= static_cast<double>(sizes[i]);
  return p;
}

// Parameters of the network, counting every batch norm as affine (2 per
// channel), as the benchmark's networks have them; millions.
double CountParams(const nn::ForwardTape& tape) {
  double n = 0;
  for (const nn::TapeOp& op : tape.ops()) {
    switch (op.kind) {
      case nn::TapeOpKind::kConv:
        n += static_cast<double>(op.weight.numel());
        break;
      case nn::TapeOpKind::kLinear:
        n += static_cast<double>(op.weight.numel());
        if (op.bias.defined()) n += static_cast<double>(op.bias.numel());
        break;
      case nn::TapeOpKind::kBatchNorm:
        n += 2.0 * static_cast<double>(tape.value(op.inputs[0]).size(1));
        break;
      default:
        break;
    }
  }
  return n / 1e6;
}

// Forward operations for one image, millions, with the counting rules of
// NASLib's stored NB201 values (docs/PROXIES.md, "flops").
double CountFlops(const nn::ForwardTape& tape) {
  const std::vector<int> consumers = ConsumerCounts(tape);
  double f = 0;
  for (const nn::TapeOp& op : tape.ops()) {
    const at::Tensor& out = tape.value(op.output);
    switch (op.kind) {
      case nn::TapeOpKind::kConv: {
        const at::Tensor& w = op.weight;  // [Cout, Cin/g, kh, kw]
        f += Product(w.sizes(), 0) * Product(out.sizes(), 2);
        break;
      }
      case nn::TapeOpKind::kBatchNorm:
        f += 2.0 * Product(out.sizes(), 1);
        break;
      case nn::TapeOpKind::kRelu:
        // One ReLU module per consumer, as the original networks hold one
        // per ReLU-conv-BN op where the tape shares it.
        f += Product(out.sizes(), 1) * std::max(1, consumers[op.output]);
        break;
      case nn::TapeOpKind::kAvgPool:
      case nn::TapeOpKind::kMaxPool:
        f += static_cast<double>(op.kernel[0] * op.kernel[1]) *
             Product(out.sizes(), 1);
        break;
      case nn::TapeOpKind::kGlobalAvgPool: {
        const at::Tensor& in = tape.value(op.inputs[0]);
        f += static_cast<double>(in.size(1) * (in.size(2) + 1) *
                                 (in.size(3) + 1));
        break;
      }
      case nn::TapeOpKind::kLinear:
        f += static_cast<double>(op.weight.numel());
        break;
      default:
        break;
    }
  }
  return f / 1e6;
}

// Leaves that alias `weights` (one autograd graph per pass).
ReplayWeights Leaves(const ReplayWeights& weights) {
  ReplayWeights out;
  for (size_t i = 0; i < weights.weight.size(); ++i) {
    out.weight.push_back(weights.weight[i].detach().requires_grad_(true));
    out.bias.push_back(weights.bias[i].defined() ? weights.bias[i].detach()
                                                 : at::Tensor());
  }
  return out;
}

// Pearson correlation matrix of the rows of `x` [M, D] (np.corrcoef),
// float64, clipped to [-1, 1].
at::Tensor CorrCoef(const at::Tensor& x) {
  const at::Tensor c = x - x.mean(1, /*keepdim=*/true);
  const at::Tensor cov =
      at::matmul(c, c.t()) / static_cast<double>(x.size(1) - 1);
  const at::Tensor d = cov.diagonal().sqrt();
  return (cov / d.unsqueeze(1) / d.unsqueeze(0)).clamp(-1.0, 1.0);
}

double JacovScore(const at::Tensor& jacobian) {
  const at::Tensor corr = CorrCoef(jacobian);
  if (!corr.isfinite().all().item<bool>()) return kProxySentinel;
  const at::Tensor v = at::linalg_eigvalsh(corr) + 1e-5;
  return Finite(-(v.log() + v.reciprocal()).sum().item<double>());
}

double EpeNasScore(const at::Tensor& jacobian, const at::Tensor& labels,
                   int64_t num_classes) {
  // Rows of each class, in order of the class's first appearance.
  std::vector<int64_t> order;
  std::map<int64_t, std::vector<int64_t>> rows;
  const at::Tensor cpu_labels = labels.to(at::kCPU, at::kLong);
  for (int64_t i = 0; i < cpu_labels.size(0); ++i) {
    const int64_t c = cpu_labels[i].item<int64_t>();
    if (rows.find(c) == rows.end()) order.push_back(c);
    rows[c].push_back(i);
  }
  const double k = 1e-5;
  std::vector<double> per_class;
  for (int64_t c : order) {
    const std::vector<int64_t>& r = rows[c];
    if (r.size() == 1) {
      // np.corrcoef of one row is the scalar 1; its len() fails above 100
      // classes, and the original skips the class then.
      if (num_classes > 100) continue;
      per_class.push_back(std::log(1.0 + k));
      continue;
    }
    const at::Tensor index = at::tensor(r, at::kLong).to(jacobian.device());
    const at::Tensor corr = CorrCoef(jacobian.index_select(0, index));
    double s = (corr.abs() + k).log().sum().item<double>();
    if (num_classes > 100) s /= static_cast<double>(r.size());
    per_class.push_back(s);
  }
  double score = 0;
  if (num_classes <= 100) {
    for (double s : per_class) score += std::abs(s);
  } else {
    for (double a : per_class) {
      for (double b : per_class) score += std::abs(a - b);
    }
    if (!per_class.empty()) score /= static_cast<double>(per_class.size());
  }
  return Finite(score);
}

// NASWOT: K = Σ over ReLU modules of c·cᵀ + (1-c)·(1-c)ᵀ, c the binary codes
// of the ReLU's input per image; log |det K|. A tape ReLU read by m ops
// stands for m ReLU modules of the original network.
double NwotScore(const nn::ForwardTape& tape, const ReplayResult& replay) {
  const std::vector<int> consumers = ConsumerCounts(tape);
  at::Tensor kernel;
  for (size_t i = 0; i < replay.relu_inputs.size(); ++i) {
    const at::Tensor& in = replay.relu_inputs[i];
    const at::Tensor x = (in.reshape({in.size(0), -1}) > 0).to(at::kDouble);
    const at::Tensor y = 1.0 - x;
    at::Tensor k = at::matmul(x, x.t()) + at::matmul(y, y.t());
    const int m = std::max(1, consumers[replay.relu_outputs[i]]);
    if (m > 1) k = k * static_cast<double>(m);
    kernel = kernel.defined() ? kernel + k : k;
  }
  if (!kernel.defined()) return kProxySentinel;
  return Finite(std::get<1>(at::linalg_slogdet(kernel)).item<double>());
}

// The pass that serves snip, grad_norm, plain, fisher, grasp, nwot, jacov
// and epe_nas: one forward of the batch and the cross-entropy loss.
void GradientPass(const nn::ForwardTape& tape, const ReplayWeights& tape_w,
                  const at::Tensor& images, const at::Tensor& labels,
                  const std::vector<Measure>& proxies,
                  std::map<Measure, double>& out) {
  const bool fisher = Wants(proxies, Measure::kFisher);
  const bool grasp = Wants(proxies, Measure::kGrasp);
  const bool nwot = Wants(proxies, Measure::kNwot);
  const bool jac =
      Wants(proxies, Measure::kJacov) || Wants(proxies, Measure::kEpeNas);
  const bool loss_grads = grasp || fisher || Wants(proxies, Measure::kSnip) ||
                          Wants(proxies, Measure::kGradNorm) ||
                          Wants(proxies, Measure::kPlain);
  if (!loss_grads && !nwot && !jac) return;
  const ReplayWeights w = Leaves(tape_w);
  const at::Tensor x = images.detach().clone().requires_grad_(jac);
  ReplayOptions options;
  options.probe_layers = fisher;
  options.keep_relu_inputs = nwot;
  const ReplayResult r = ReplayTape(tape, x, w, options);
  if (nwot) out[Measure::kNwot] = NwotScore(tape, r);
  if (loss_grads) {
    const at::Tensor loss = at::cross_entropy_loss(r.logits, labels);
    std::vector<at::Tensor> inputs = w.weight;
    if (fisher) inputs.insert(inputs.end(), r.probes.begin(), r.probes.end());
    const std::vector<at::Tensor> grads =
        torch::autograd::grad({loss}, inputs, {}, /*retain_graph=*/jac || grasp,
                              /*create_graph=*/grasp, /*allow_unused=*/true);
    const size_t n = w.weight.size();
    double snip = 0, grad_norm = 0, plain = 0, fisher_sum = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!grads[i].defined()) continue;
      const at::Tensor g = grads[i].detach();
      // snip and plain share g ⊙ θ.
      const at::Tensor g_theta = g * w.weight[i].detach();
      snip += g_theta.abs().sum().item<double>();
      plain += g_theta.sum().item<double>();
      grad_norm += g.norm().item<double>();
    }
    if (fisher) {
      for (size_t i = 0; i < n; ++i) {
        const at::Tensor& g = grads[n + i];
        if (!g.defined()) continue;
        const at::Tensor gnk = g.detach().reshape({g.size(0), g.size(1)});
        const at::Tensor del = gnk.pow(2).mean(0).mul(0.5);
        fisher_sum +=
            del.abs().sum().item<double>() * Product(w.weight[i].sizes(), 1);
      }
      out[Measure::kFisher] = Finite(fisher_sum);
    }
    if (Wants(proxies, Measure::kSnip)) out[Measure::kSnip] = Finite(snip);
    if (Wants(proxies, Measure::kGradNorm)) {
      out[Measure::kGradNorm] = Finite(grad_norm);
    }
    if (Wants(proxies, Measure::kPlain)) out[Measure::kPlain] = Finite(plain);
    if (grasp) {
      // z = Σ g·stopgrad(g); ∂z/∂θ = H g.
      at::Tensor z;
      std::vector<at::Tensor> used;
      std::vector<size_t> used_index;
      for (size_t i = 0; i < n; ++i) {
        if (!grads[i].defined()) continue;
        const at::Tensor term = (grads[i].detach() * grads[i]).sum();
        z = z.defined() ? z + term : term;
        used.push_back(w.weight[i]);
        used_index.push_back(i);
      }
      double score = 0;
      if (z.defined() && z.requires_grad()) {
        const std::vector<at::Tensor> hg = torch::autograd::grad(
            {z}, used, {}, /*retain_graph=*/jac, /*create_graph=*/false,
            /*allow_unused=*/true);
        for (size_t j = 0; j < used.size(); ++j) {
          if (!hg[j].defined()) continue;
          score -= (used[j].detach() * hg[j]).sum().item<double>();
        }
      }
      out[Measure::kGrasp] = Finite(score);
    }
  }
  if (jac) {
    // An input no path reaches (all-none cells) has a zero Jacobian.
    at::Tensor j = torch::autograd::grad(
        {r.logits}, {x}, {at::ones_like(r.logits)}, /*retain_graph=*/false,
        /*create_graph=*/false, /*allow_unused=*/true)[0];
    if (!j.defined()) j = at::zeros_like(x);
    const at::Tensor rows = j.detach().reshape({j.size(0), -1}).to(at::kDouble);
    if (Wants(proxies, Measure::kJacov))
      out[Measure::kJacov] = JacovScore(rows);
    if (Wants(proxies, Measure::kEpeNas)) {
      out[Measure::kEpeNas] = EpeNasScore(rows, labels, r.logits.size(1));
    }
  }
}

// SynFlow: |θ| in float64, batch norms off, one all-ones image; ln of
// Σ |θ ⊙ ∂(Σ output)/∂θ| over conv and linear weights.
double Synflow(const nn::ForwardTape& tape, const ReplayWeights& tape_w,
               const at::Tensor& images) {
  ReplayWeights w;
  for (size_t i = 0; i < tape_w.weight.size(); ++i) {
    w.weight.push_back(
        tape_w.weight[i].detach().to(at::kDouble).abs().requires_grad_(true));
    w.bias.push_back(tape_w.bias[i].defined()
                         ? tape_w.bias[i].detach().to(at::kDouble).abs()
                         : at::Tensor());
  }
  std::vector<int64_t> shape = images.sizes().vec();
  shape[0] = 1;
  const at::Tensor x = at::ones(shape, images.options().dtype(at::kDouble));
  ReplayOptions options;
  options.batch_norm = false;
  const ReplayResult r = ReplayTape(tape, x, w, options);
  const std::vector<at::Tensor> grads = torch::autograd::grad(
      {r.logits.sum()}, w.weight, {}, false, false, /*allow_unused=*/true);
  double s = 0;
  for (size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined()) continue;
    s += (w.weight[i].detach() * grads[i]).abs().sum().item<double>();
  }
  return s > 0 ? Finite(std::log(s)) : kProxySentinel;
}

// Zen-score: Gaussian weights, two Gaussian inputs 0.01 apart; ln of the mean
// L1 distance of the pre-pooling features plus Σ ln sqrt(mean running_var)
// of the batch norms after the two forwards.
double Zen(const nn::ForwardTape& tape, const ReplayWeights& tape_w,
           const at::Tensor& images, uint64_t seed) {
  at::NoGradGuard no_grad;
  at::Generator gen = at::detail::createCPUGenerator(seed);
  const auto cpu = images.options().device(at::kCPU).dtype(at::kFloat);
  ReplayWeights w;
  for (size_t i = 0; i < tape_w.weight.size(); ++i) {
    w.weight.push_back(at::normal(0.0, 1.0, tape_w.weight[i].sizes(), gen, cpu)
                           .to(images.device()));
    w.bias.push_back(tape_w.bias[i].defined() ? at::zeros_like(tape_w.bias[i])
                                              : at::Tensor());
  }
  const at::Tensor in1 =
      at::normal(0.0, 1.0, images.sizes(), gen, cpu).to(images.device());
  const at::Tensor in2 =
      at::normal(0.0, 1.0, images.sizes(), gen, cpu).to(images.device());
  ReplayOptions options;
  options.keep_batch_variance = true;
  const ReplayResult a = ReplayTape(tape, in1, w, options);
  const ReplayResult b = ReplayTape(tape, in1 + 0.01 * in2, w, options);
  if (!a.features.defined()) return kProxySentinel;
  const double dist =
      (a.features - b.features).abs().sum({1, 2, 3}).mean().item<double>();
  double log_bn = 0;
  for (size_t i = 0; i < a.batch_variance.size(); ++i) {
    // running_var from 1 after two updates with momentum 0.1.
    const at::Tensor rv = 0.81 + 0.09 * a.batch_variance[i].to(at::kDouble) +
                          0.1 * b.batch_variance[i].to(at::kDouble);
    log_bn += std::log(std::sqrt(rv.mean().item<double>()));
  }
  return dist > 0 ? Finite(std::log(dist) + log_bn) : kProxySentinel;
}

// ZiCo: gradients of the loss on the two halves of the batch; Σ over layers
// of ln Σ_θ mean|g| / std(g) (std over the two halves, θ with std > 0).
double Zico(const nn::ForwardTape& tape, const ReplayWeights& tape_w,
            const at::Tensor& images, const at::Tensor& labels) {
  const int64_t n = images.size(0);
  std::vector<std::vector<at::Tensor>> halves;
  for (int sp = 0; sp < 2; ++sp) {
    const int64_t st = sp * n / 2, en = (sp + 1) * n / 2;
    const ReplayWeights w = Leaves(tape_w);
    const ReplayResult r =
        ReplayTape(tape, images.slice(0, st, en), w, ReplayOptions{});
    const at::Tensor loss =
        at::cross_entropy_loss(r.logits, labels.slice(0, st, en));
    halves.push_back(torch::autograd::grad({loss}, w.weight, {}, false, false,
                                           /*allow_unused=*/true));
  }
  double score = 0;
  for (size_t i = 0; i < halves[0].size(); ++i) {
    if (!halves[0][i].defined() || !halves[1][i].defined()) continue;
    const at::Tensor g1 = halves[0][i].detach().flatten().to(at::kDouble);
    const at::Tensor g2 = halves[1][i].detach().flatten().to(at::kDouble);
    const at::Tensor mean_abs = (g1.abs() + g2.abs()) / 2;
    const at::Tensor std = (g1 - g2).abs() / 2;
    const at::Tensor nz = std > 0;
    const double sum = (mean_abs.masked_select(nz) / std.masked_select(nz))
                           .sum()
                           .item<double>();
    if (sum > 0) score += std::log(sum);
  }
  return Finite(score);
}

}  // namespace

std::vector<double> ComputeZeroCostProxies(nn::SearchNetwork& net,
                                           const at::Tensor& images,
                                           const at::Tensor& labels,
                                           const std::vector<Measure>& proxies,
                                           uint64_t seed) {
  TORCH_CHECK(images.dim() == 4 && images.size(0) >= 2,
              "zero-cost proxies need a batch of at least 2 images");
  TORCH_CHECK(net.CanRecordForward(),
              "zero-cost proxies need a network that records its forward");
  net.train();
  nn::ForwardTape tape;
  {
    at::NoGradGuard no_grad;
    net.RecordForward(tape, images.slice(0, 0, 2));
  }
  const ReplayWeights weights = TapeWeights(tape);
  const at::Tensor y = labels.to(images.device(), at::kLong);
  std::map<Measure, double> out;
  GradientPass(tape, weights, images, y, proxies, out);
  for (Measure m : proxies) {
    switch (m) {
      case Measure::kParams:
        out[m] = CountParams(tape);
        break;
      case Measure::kFlops:
        out[m] = CountFlops(tape);
        break;
      case Measure::kL2Norm: {
        double s = 0;
        for (const at::Tensor& w : weights.weight) s += w.norm().item<double>();
        out[m] = Finite(s);
        break;
      }
      case Measure::kSynflow:
        out[m] = Synflow(tape, weights, images);
        break;
      case Measure::kZen:
        out[m] = Zen(tape, weights, images, seed);
        break;
      case Measure::kZico:
        out[m] = Zico(tape, weights, images, y);
        break;
      default:
        break;
    }
  }
  std::vector<double> values;
  for (Measure m : proxies) {
    const auto it = out.find(m);
    TORCH_CHECK(it != out.end(), "no value for measure ",
                std::string(MeasureName(m)));
    values.push_back(it->second);
  }
  return values;
}

}  // namespace tenas::measures::internal
