// Copyright 2026 The tenas Authors.

#include "tenas/nn/darts_network.h"

#include <algorithm>
#include <string>
#include <utility>

#include "tenas/nn/darts_ops.h"

namespace tenas::nn {
namespace {

using darts::kNumEdges;
using darts::kNumOps;
using darts::kNumSteps;

torch::nn::Conv2d Conv3x3(int64_t c_in, int64_t c_out, int64_t stride) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(c_in, c_out, 3)
                               .stride(stride)
                               .padding(1)
                               .bias(false));
}

// Spatial size after a stride-2 op of the cell (3x3 pad 1 or 1x1 pad 0).
int64_t Halved(int64_t size) { return (size - 1) / 2 + 1; }

// DARTS_evaluation drop_path: zero whole samples with probability p and
// rescale the rest by 1/(1-p). Uses the global torch generator.
at::Tensor DropPath(const at::Tensor& x, double drop_prob) {
  const double keep = 1.0 - drop_prob;
  at::Tensor mask =
      torch::empty({x.size(0), 1, 1, 1}, x.options()).bernoulli_(keep);
  return x.div(keep).mul(mask);
}

// AuxiliaryHeadCIFAR (8x8 input) / AuxiliaryHeadImageNet features.
torch::nn::Sequential AuxiliaryFeatures(int64_t c, bool imagenet) {
  torch::nn::Sequential seq;
  seq->push_back(torch::nn::ReLU());
  seq->push_back(torch::nn::AvgPool2d(torch::nn::AvgPool2dOptions(5)
                                          .stride(imagenet ? 2 : 3)
                                          .padding(0)
                                          .count_include_pad(false)));
  seq->push_back(
      torch::nn::Conv2d(torch::nn::Conv2dOptions(c, 128, 1).bias(false)));
  seq->push_back(torch::nn::BatchNorm2d(SearchBn(128)));
  seq->push_back(torch::nn::ReLU());
  seq->push_back(
      torch::nn::Conv2d(torch::nn::Conv2dOptions(128, 768, 2).bias(false)));
  // The ImageNet head of the original has no BN here.
  if (!imagenet) seq->push_back(torch::nn::BatchNorm2d(SearchBn(768)));
  seq->push_back(torch::nn::ReLU());
  return seq;
}

// Builds `auxiliary_head` (features + classifier) on `parent`.
void RegisterAuxiliaryHead(torch::nn::Module* parent, int64_t c,
                           int64_t num_classes, bool imagenet,
                           torch::nn::Sequential* features,
                           torch::nn::Linear* classifier) {
  auto head = std::make_shared<torch::nn::Module>();
  *features = head->register_module("features", AuxiliaryFeatures(c, imagenet));
  *classifier =
      head->register_module("classifier", torch::nn::Linear(768, num_classes));
  parent->register_module("auxiliary_head", head);
}

at::Tensor AuxiliaryLogits(torch::nn::Sequential& features,
                           torch::nn::Linear& classifier, const at::Tensor& x) {
  at::Tensor h = features->forward(x);
  return classifier->forward(h.view({h.size(0), -1}));
}

}  // namespace

// ------------------------------------------------------------------ search

DartsNetworkConfig DartsNtkConfig(int64_t num_classes) {
  DartsNetworkConfig c;
  c.channels = 1;
  c.cells_per_stage = 1;
  c.stem_multiplier = 1;
  c.depth = 2;
  c.use_stem = true;
  c.num_classes = num_classes;
  return c;
}

DartsNetworkConfig DartsLrConfig(int64_t num_classes) {
  DartsNetworkConfig c = DartsNtkConfig(num_classes);
  c.use_stem = false;
  return c;
}

at::Tensor DartsInitialAlphas() {
  at::Tensor alphas = torch::zeros({kNumEdges, kNumOps}, torch::kFloat32);
  alphas.select(1, darts::kNone).fill_(kMaskedAlpha);
  return alphas;
}

at::Tensor DartsGenotypeAlphas(const darts::Genotype& genotype, bool reduce) {
  at::Tensor alphas =
      torch::full({kNumEdges, kNumOps}, kMaskedAlpha, torch::kFloat32);
  const auto& items = reduce ? genotype.reduce : genotype.normal;
  for (int i = 0; i < darts::kGenotypeItems; ++i) {
    const int e = darts::EdgeIndex(i / 2, items[i].input);
    TORCH_CHECK(e >= 0, "genotype item ", i, " has an invalid input ",
                items[i].input);
    alphas[e][items[i].op] = 0.0f;
  }
  return alphas;
}

DartsMixWeights DartsMixFromAlphas(const at::Tensor& alphas) {
  TORCH_CHECK(alphas.dim() == 2 && alphas.size(0) == kNumEdges &&
                  alphas.size(1) == kNumOps,
              "DARTS alphas must be [14, 8], got ", alphas.sizes());
  const at::Tensor a =
      alphas.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  const at::Tensor w = torch::softmax(a, /*dim=*/1).contiguous();
  const float* pa = a.data_ptr<float>();
  const float* pw = w.data_ptr<float>();
  DartsMixWeights mix;
  for (int e = 0; e < kNumEdges; ++e) {
    // The original: sum(alphas) <= -INF * len(alphas), summed in float32.
    float sum = 0.0f;
    for (int op = 0; op < kNumOps; ++op) {
      mix.weight[e][op] = pw[e * kNumOps + op];
      sum += pa[e * kNumOps + op];
    }
    mix.all_masked[e] = sum <= kMaskedAlpha * kNumOps;
  }
  return mix;
}

DartsSearchCell::DartsSearchCell(
    const std::shared_ptr<ActivationRecorder>& recorder, int64_t c_prev_prev,
    int64_t c_prev, int64_t c, bool reduction, bool reduction_prev)
    : recorder_(recorder), c_(c), reduction_(reduction) {
  if (reduction_prev) {
    preprocess0_ = register_module(
        "preprocess0",
        std::make_shared<FactorizedReduce>(recorder, c_prev_prev, c, 2));
  } else {
    preprocess0_ = register_module(
        "preprocess0",
        std::make_shared<ReLUConvBN>(recorder, c_prev_prev, c, 1, 1, 0, 1));
  }
  preprocess1_ = register_module(
      "preprocess1",
      std::make_shared<ReLUConvBN>(recorder, c_prev, c, 1, 1, 0, 1));
  // A plain container: children are the mixed ops, named by edge key, each
  // holding its candidate ops in `_ops`.
  auto edges = std::make_shared<torch::nn::Module>();
  for (int e = 0; e < kNumEdges; ++e) {
    const int64_t stride = reduction && darts::kEdges[e].input < 2 ? 2 : 1;
    auto mixed = std::make_shared<torch::nn::Module>();
    auto list = torch::nn::ModuleList();
    for (int op = 0; op < kNumOps; ++op) {
      ops_[e][op] =
          MakeDartsSearchOp(static_cast<darts::Op>(op), recorder, c, stride);
      list->push_back(ops_[e][op]);
    }
    mixed->register_module("_ops", list);
    edges->register_module(darts::EdgeKey(e), mixed);
  }
  register_module("edges", edges);
}

at::Tensor DartsSearchCell::forward(const at::Tensor& s0, const at::Tensor& s1,
                                    const DartsMixWeights& mix) {
  std::vector<at::Tensor> states;
  states.reserve(2 + kNumSteps);
  states.push_back(preprocess0_->forward(s0));
  states.push_back(preprocess1_->forward(s1));
  const at::Tensor ref = states[1];  // shape reference for zero nodes
  // ReLU(state), computed once and shared by every op that starts with it
  // (same values; one ReLU backward instead of one per op). Not while linear
  // regions are recorded: there every op's ReLU is recorded.
  const bool share_relu = recorder_ == nullptr || !recorder_->enabled;
  std::vector<at::Tensor> relu_states(2 + kNumSteps);
  for (int node = 0; node < kNumSteps; ++node) {
    at::Tensor sum;
    for (int input = 0; input < node + 2; ++input) {
      const int e = darts::EdgeIndex(node, input);
      if (mix.all_masked[e]) continue;  // contributes exactly 0
      const at::Tensor edge_out =
          MixedEdge(ops_[e], mix.weight[e], states[input], share_relu,
                    &relu_states[input]);
      if (!edge_out.defined()) continue;
      sum = sum.defined() ? sum + edge_out : edge_out;
    }
    if (!sum.defined()) {
      // Every incoming edge is masked: the node is exactly zero.
      const int64_t h = reduction_ ? Halved(ref.size(2)) : ref.size(2);
      const int64_t w = reduction_ ? Halved(ref.size(3)) : ref.size(3);
      sum = torch::zeros({ref.size(0), c_, h, w}, ref.options());
    }
    states.push_back(sum);
  }
  return torch::cat(std::vector<at::Tensor>(states.begin() + 2, states.end()),
                    /*dim=*/1);
}

int DartsSearchCell::Record(ForwardTape& tape, int s0, int s1,
                            const DartsMixWeights& mix) {
  std::vector<int> states{preprocess0_->Record(tape, s0),
                          preprocess1_->Record(tape, s1)};
  std::vector<int> relu_states(2 + kNumSteps, -1);
  for (int node = 0; node < kNumSteps; ++node) {
    std::vector<int> edges;
    for (int input = 0; input < node + 2; ++input) {
      const int e = darts::EdgeIndex(node, input);
      if (mix.all_masked[e]) continue;
      const int out = RecordMixedEdge(ops_[e], mix.weight[e], tape,
                                      states[input], &relu_states[input]);
      if (out >= 0) edges.push_back(out);
    }
    if (edges.empty()) {
      const at::Tensor& ref = tape.value(states[1]);
      const int64_t h = reduction_ ? Halved(ref.size(2)) : ref.size(2);
      const int64_t w = reduction_ ? Halved(ref.size(3)) : ref.size(3);
      states.push_back(
          tape.Input(torch::zeros({ref.size(0), c_, h, w}, ref.options())));
    } else {
      states.push_back(edges.size() == 1 ? edges[0] : tape.Sum(edges));
    }
  }
  return tape.Concat(std::vector<int>(states.begin() + 2, states.end()));
}

DartsSearchNetwork::DartsSearchNetwork(const DartsNetworkConfig& config)
    : config_(config), use_stem_(config.use_stem) {
  const int64_t C = config.channels;
  const int64_t N = config.cells_per_stage;
  const int64_t c_stem = C * config.stem_multiplier;
  // Built even without use_stem (input channels min(3, C) then), as in the
  // original: it consumes random numbers, so keep it for identical init.
  stem_ = register_module(
      "stem",
      torch::nn::Sequential(
          Conv3x3(config.use_stem ? 3 : std::min<int64_t>(3, C), c_stem, 1),
          torch::nn::BatchNorm2d(SearchBn(c_stem))));
  // [C]*N + [2C] + [2C]*(N-1) + [4C] + [4C]*(N-1), reductions at 2C and 4C.
  std::vector<int64_t> channels;
  std::vector<bool> reductions;
  auto add_stage = [&](int64_t c, int64_t count, bool reduce_first) {
    for (int64_t i = 0; i < count; ++i) {
      channels.push_back(c);
      reductions.push_back(reduce_first && i == 0);
    }
  };
  add_stage(C, N, /*reduce_first=*/false);
  add_stage(2 * C, N, /*reduce_first=*/true);
  add_stage(4 * C, N, /*reduce_first=*/true);

  auto cells = torch::nn::ModuleList();
  int64_t c_prev_prev = c_stem, c_prev = c_stem;
  bool reduction_prev = false;
  for (size_t i = 0; i < channels.size(); ++i) {
    if (config.depth > 0 && static_cast<int>(i) >= config.depth) break;
    auto cell = std::make_shared<DartsSearchCell>(
        recorder_, c_prev_prev, c_prev, channels[i], reductions[i],
        reduction_prev);
    cells_.push_back(cell);
    cells->push_back(cell);
    c_prev_prev = c_prev;
    c_prev = darts::kMultiplier * channels[i];
    reduction_prev = reductions[i];
  }
  register_module("cells", cells);
  last_bn_ = torch::nn::BatchNorm2d(SearchBn(c_prev));
  last_relu_ = RecordingReLU(recorder_);
  register_module("lastact", torch::nn::Sequential(last_bn_, last_relu_));
  classifier_ = register_module("classifier",
                                torch::nn::Linear(c_prev, config.num_classes));
  SetAlphas(DartsInitialAlphas(), DartsInitialAlphas());
}

void DartsSearchNetwork::SetAlphas(const at::Tensor& normal,
                                   const at::Tensor& reduce) {
  normal_mix_ = DartsMixFromAlphas(normal);
  reduce_mix_ = DartsMixFromAlphas(reduce);
  normal_alphas_ =
      normal.detach().to(torch::kCPU, torch::kFloat32).contiguous().clone();
  reduce_alphas_ =
      reduce.detach().to(torch::kCPU, torch::kFloat32).contiguous().clone();
}

darts::Genotype DartsSearchNetwork::Genotype() const {
  return darts::DeriveGenotype(normal_mix_.weight, reduce_mix_.weight);
}

at::Tensor DartsSearchNetwork::forward(const at::Tensor& x) {
  at::Tensor s0 = use_stem_ ? stem_->forward(x) : x;
  at::Tensor s1 = s0;
  for (const auto& cell : cells_) {
    at::Tensor out =
        cell->forward(s0, s1, cell->reduction() ? reduce_mix_ : normal_mix_);
    s0 = std::move(s1);
    s1 = std::move(out);
  }
  at::Tensor h = last_relu_->forward(last_bn_->forward(s1));
  h = torch::adaptive_avg_pool2d(h, {1, 1});
  h = h.view({h.size(0), -1});
  return classifier_->forward(h);
}

int DartsSearchNetwork::RecordForward(ForwardTape& tape, const at::Tensor& x) {
  int s0 = tape.Input(x);
  if (use_stem_) {
    auto* conv = stem_[0]->as<torch::nn::Conv2dImpl>();
    auto* bn = stem_[1]->as<torch::nn::BatchNorm2dImpl>();
    s0 = tape.BatchNorm(tape.Conv(s0, *conv), *bn);
  }
  int s1 = s0;
  for (const auto& cell : cells_) {
    const int out = cell->Record(tape, s0, s1,
                                 cell->reduction() ? reduce_mix_ : normal_mix_);
    s0 = s1;
    s1 = out;
  }
  const int h = tape.Relu(tape.BatchNorm(s1, *last_bn_));
  return tape.Linear(tape.GlobalAvgPool(h), *classifier_);
}

// -------------------------------------------------------------- evaluation

DartsEvalConfig DartsCifarEvalConfig(int64_t num_classes) {
  return DartsEvalConfig{36, 20, num_classes, true};
}

DartsEvalConfig DartsImagenetEvalConfig(int64_t num_classes) {
  return DartsEvalConfig{48, 14, num_classes, true};
}

DartsEvalCell::DartsEvalCell(const darts::Genotype& genotype,
                             int64_t c_prev_prev, int64_t c_prev, int64_t c,
                             bool reduction, bool reduction_prev) {
  if (reduction_prev) {
    preprocess0_ = register_module(
        "preprocess0", std::make_shared<EvalFactorizedReduce>(c_prev_prev, c));
  } else {
    preprocess0_ = register_module(
        "preprocess0",
        std::make_shared<ReLUConvBN>(nullptr, c_prev_prev, c, 1, 1, 0, 1));
  }
  preprocess1_ = register_module(
      "preprocess1",
      std::make_shared<ReLUConvBN>(nullptr, c_prev, c, 1, 1, 0, 1));
  const auto& items = reduction ? genotype.reduce : genotype.normal;
  concat_ = reduction ? genotype.reduce_concat : genotype.normal_concat;
  TORCH_CHECK(!concat_.empty(), "genotype concat is empty");
  auto list = torch::nn::ModuleList();
  for (int i = 0; i < darts::kGenotypeItems; ++i) {
    const int input = items[i].input;
    TORCH_CHECK(input >= 0 && input <= i / 2 + 1, "genotype item ", i,
                " has an invalid input ", input);
    const int64_t stride = reduction && input < 2 ? 2 : 1;
    ops_.push_back(MakeDartsEvalOp(items[i].op, c, stride));
    list->push_back(ops_.back());
    inputs_[i] = input;
  }
  register_module("_ops", list);
}

at::Tensor DartsEvalCell::forward(const at::Tensor& s0, const at::Tensor& s1,
                                  double drop_prob) {
  std::vector<at::Tensor> states;
  states.reserve(2 + kNumSteps);
  states.push_back(preprocess0_->forward(s0));
  states.push_back(preprocess1_->forward(s1));
  for (int node = 0; node < kNumSteps; ++node) {
    at::Tensor h[2];
    for (int k = 0; k < 2; ++k) {
      const int i = 2 * node + k;
      h[k] = ops_[i]->forward(states[inputs_[i]]);
      if (is_training() && drop_prob > 0.0 &&
          dynamic_cast<Identity*>(ops_[i].get()) == nullptr) {
        h[k] = DropPath(h[k], drop_prob);
      }
    }
    states.push_back(h[0] + h[1]);
  }
  std::vector<at::Tensor> out;
  out.reserve(concat_.size());
  for (int i : concat_) out.push_back(states[i]);
  return torch::cat(out, /*dim=*/1);
}

DartsCifarNetwork::DartsCifarNetwork(const darts::Genotype& genotype,
                                     const DartsEvalConfig& config)
    : config_(config) {
  const int64_t stem_multiplier = 3;
  int64_t c_curr = stem_multiplier * config.channels;
  stem_ = register_module(
      "stem", torch::nn::Sequential(Conv3x3(3, c_curr, 1),
                                    torch::nn::BatchNorm2d(SearchBn(c_curr))));
  int64_t c_prev_prev = c_curr, c_prev = c_curr;
  c_curr = config.channels;
  int64_t c_aux = 0;
  bool reduction_prev = false;
  auto cells = torch::nn::ModuleList();
  const int layers = config.layers;
  for (int i = 0; i < layers; ++i) {
    const bool reduction = i == layers / 3 || i == 2 * layers / 3;
    if (reduction) c_curr *= 2;
    auto cell = std::make_shared<DartsEvalCell>(
        genotype, c_prev_prev, c_prev, c_curr, reduction, reduction_prev);
    reduction_prev = reduction;
    cells_.push_back(cell);
    cells->push_back(cell);
    c_prev_prev = c_prev;
    c_prev = cell->multiplier() * c_curr;
    if (i == 2 * layers / 3) c_aux = c_prev;
  }
  register_module("cells", cells);
  if (config.auxiliary) {
    RegisterAuxiliaryHead(this, c_aux, config.num_classes, /*imagenet=*/false,
                          &aux_features_, &aux_classifier_);
  }
  classifier_ = register_module("classifier",
                                torch::nn::Linear(c_prev, config.num_classes));
}

DartsEvalOutput DartsCifarNetwork::forward(const at::Tensor& x) {
  DartsEvalOutput result;
  at::Tensor s0 = stem_->forward(x);
  at::Tensor s1 = s0;
  for (size_t i = 0; i < cells_.size(); ++i) {
    at::Tensor out = cells_[i]->forward(s0, s1, drop_path_prob_);
    s0 = std::move(s1);
    s1 = std::move(out);
    if (static_cast<int>(i) == 2 * config_.layers / 3 && config_.auxiliary &&
        is_training()) {
      result.logits_aux = AuxiliaryLogits(aux_features_, aux_classifier_, s1);
    }
  }
  at::Tensor h = torch::adaptive_avg_pool2d(s1, {1, 1});
  result.logits = classifier_->forward(h.view({h.size(0), -1}));
  return result;
}

DartsImagenetNetwork::DartsImagenetNetwork(const darts::Genotype& genotype,
                                           const DartsEvalConfig& config)
    : config_(config) {
  const int64_t C = config.channels;
  stem0_ = register_module(
      "stem0", torch::nn::Sequential(Conv3x3(3, C / 2, 2),
                                     torch::nn::BatchNorm2d(SearchBn(C / 2)),
                                     torch::nn::ReLU(), Conv3x3(C / 2, C, 2),
                                     torch::nn::BatchNorm2d(SearchBn(C))));
  stem1_ = register_module(
      "stem1", torch::nn::Sequential(torch::nn::ReLU(), Conv3x3(C, C, 2),
                                     torch::nn::BatchNorm2d(SearchBn(C))));
  int64_t c_prev_prev = C, c_prev = C, c_curr = C;
  int64_t c_aux = 0;
  bool reduction_prev = true;
  auto cells = torch::nn::ModuleList();
  const int layers = config.layers;
  for (int i = 0; i < layers; ++i) {
    const bool reduction = i == layers / 3 || i == 2 * layers / 3;
    if (reduction) c_curr *= 2;
    auto cell = std::make_shared<DartsEvalCell>(
        genotype, c_prev_prev, c_prev, c_curr, reduction, reduction_prev);
    reduction_prev = reduction;
    cells_.push_back(cell);
    cells->push_back(cell);
    c_prev_prev = c_prev;
    c_prev = cell->multiplier() * c_curr;
    if (i == 2 * layers / 3) c_aux = c_prev;
  }
  register_module("cells", cells);
  if (config.auxiliary) {
    RegisterAuxiliaryHead(this, c_aux, config.num_classes, /*imagenet=*/true,
                          &aux_features_, &aux_classifier_);
  }
  classifier_ = register_module("classifier",
                                torch::nn::Linear(c_prev, config.num_classes));
}

DartsEvalOutput DartsImagenetNetwork::forward(const at::Tensor& x) {
  DartsEvalOutput result;
  at::Tensor s0 = stem0_->forward(x);
  at::Tensor s1 = stem1_->forward(s0);
  for (size_t i = 0; i < cells_.size(); ++i) {
    at::Tensor out = cells_[i]->forward(s0, s1, drop_path_prob_);
    s0 = std::move(s1);
    s1 = std::move(out);
    if (static_cast<int>(i) == 2 * config_.layers / 3 && config_.auxiliary &&
        is_training()) {
      result.logits_aux = AuxiliaryLogits(aux_features_, aux_classifier_, s1);
    }
  }
  at::Tensor h = torch::avg_pool2d(s1, {7, 7});
  result.logits = classifier_->forward(h.view({h.size(0), -1}));
  return result;
}

int64_t DartsParameterCount(torch::nn::Module& model) {
  int64_t n = 0;
  for (const auto& p : model.named_parameters(/*recurse=*/true)) {
    if (p.key().find("auxiliary") == std::string::npos) n += p.value().numel();
  }
  return n;
}

}  // namespace tenas::nn
