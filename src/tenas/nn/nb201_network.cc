// Copyright 2026 The tenas Authors.

#include "tenas/nn/nb201_network.h"

#include <string>

namespace tenas::nn {
namespace {

using nb201::kNumEdges;
using nb201::kNumOps;

// Channel and reduction layout of TinyNetwork(Darts) (docs/ALGORITHM.md §1.3):
// [C]*N + [2C] + [2C]*N + [4C] + [4C]*N, reductions at the ResBlocks.
void MacroLayout(const Nb201NetworkConfig& config, std::vector<int64_t>* c,
                 std::vector<bool>* reduction) {
  const int64_t C = config.channels;
  const int64_t N = config.cells_per_stage;
  for (int64_t i = 0; i < N; ++i) c->push_back(C), reduction->push_back(false);
  c->push_back(2 * C), reduction->push_back(true);
  for (int64_t i = 0; i < N; ++i)
    c->push_back(2 * C), reduction->push_back(false);
  c->push_back(4 * C), reduction->push_back(true);
  for (int64_t i = 0; i < N; ++i)
    c->push_back(4 * C), reduction->push_back(false);
}

std::shared_ptr<CellOp> MakeNb201Op(
    nb201::Op op, const std::shared_ptr<ActivationRecorder>& recorder,
    int64_t c_in, int64_t c_out, int64_t stride) {
  switch (op) {
    case nb201::kNone:
      return std::make_shared<Zero>(stride);
    case nb201::kSkipConnect:
      TORCH_CHECK(stride == 1 && c_in == c_out,
                  "skip_connect with reduction is not used in NB201 cells");
      return std::make_shared<Identity>();
    case nb201::kNorConv1x1:
      return std::make_shared<ReLUConvBN>(recorder, c_in, c_out, 1, stride, 0,
                                          1);
    case nb201::kNorConv3x3:
      return std::make_shared<ReLUConvBN>(recorder, c_in, c_out, 3, stride, 1,
                                          1);
    case nb201::kAvgPool3x3:
      return std::make_shared<Pooling>(recorder, c_in, c_out, stride);
  }
  TORCH_CHECK(false, "unknown NB201 op");
}

torch::nn::Sequential MakeStem(int64_t c_in, int64_t c_out) {
  return torch::nn::Sequential(
      torch::nn::Conv2d(
          torch::nn::Conv2dOptions(c_in, c_out, 3).padding(1).bias(false)),
      torch::nn::BatchNorm2d(SearchBn(c_out)));
}

}  // namespace

Nb201NetworkConfig Nb201NtkConfig(int64_t num_classes) {
  return Nb201NetworkConfig{3, 1, -1, true, num_classes};
}

Nb201NetworkConfig Nb201LrConfig(int64_t num_classes) {
  return Nb201NetworkConfig{1, 1, 1, false, num_classes};
}

at::Tensor Nb201InitialAlphas() {
  at::Tensor alphas = torch::zeros({kNumEdges, kNumOps}, torch::kFloat32);
  alphas.select(1, nb201::kNone).fill_(kMaskedAlpha);
  return alphas;
}

at::Tensor Nb201ArchitectureAlphas(const nb201::Architecture& arch) {
  at::Tensor alphas =
      torch::full({kNumEdges, kNumOps}, kMaskedAlpha, torch::kFloat32);
  for (int e = 0; e < kNumEdges; ++e) {
    if (arch.ops[e] != nb201::kNone) alphas[e][arch.ops[e]] = 0.0f;
  }
  return alphas;
}

// ---------------------------------------------------------------------------

Nb201SearchCell::Nb201SearchCell(
    const std::shared_ptr<ActivationRecorder>& recorder, int64_t c_in,
    int64_t c_out)
    : recorder_(recorder), c_out_(c_out) {
  // A plain container module: children are named by their edge key.
  auto edges = std::make_shared<torch::nn::Module>();
  for (int e = 0; e < kNumEdges; ++e) {
    // Node 0 is the cell input (c_in); inner nodes have c_out channels.
    const int64_t edge_c_in = nb201::kEdges[e].from == 0 ? c_in : c_out;
    auto list = torch::nn::ModuleList();
    for (int op = 0; op < kNumOps; ++op) {
      ops_[e][op] = MakeNb201Op(static_cast<nb201::Op>(op), recorder, edge_c_in,
                                c_out, /*stride=*/1);
      list->push_back(ops_[e][op]);
    }
    edges->register_module(nb201::EdgeKey(e), list);
  }
  register_module("edges", edges);
}

at::Tensor Nb201SearchCell::forward(const at::Tensor& x,
                                    const Nb201MixWeights& mix) {
  std::array<at::Tensor, nb201::kNumNodes> nodes;
  nodes[0] = x;
  // ReLU(node), computed once and shared by every op that starts with it
  // (the same values; the backward then masks the summed grads once instead
  // of once per op). Not while linear regions are being recorded: there
  // every op's ReLU is recorded, as in the original code.
  const bool share_relu = recorder_ == nullptr || !recorder_->enabled;
  std::array<at::Tensor, nb201::kNumNodes> relu_nodes;
  for (int to = 1; to < nb201::kNumNodes; ++to) {
    at::Tensor node;
    for (int from = 0; from < to; ++from) {
      const int e = nb201::EdgeIndex(to, from);
      at::Tensor edge_out;
      if (!mix.all_masked[e]) {
        edge_out = MixedEdge(ops_[e], mix.weight[e], nodes[from], share_relu,
                             &relu_nodes[from]);
      }
      if (!edge_out.defined()) continue;  // contributes exactly 0
      node = node.defined() ? node + edge_out : edge_out;
    }
    if (!node.defined()) {
      // Every incoming edge is masked: the node is exactly zero.
      node =
          torch::zeros({x.size(0), c_out_, x.size(2), x.size(3)}, x.options());
    }
    nodes[to] = node;
  }
  return nodes[nb201::kNumNodes - 1];
}

int Nb201SearchCell::Record(ForwardTape& tape, int x,
                            const Nb201MixWeights& mix) {
  std::array<int, nb201::kNumNodes> nodes;
  std::array<int, nb201::kNumNodes> relu_nodes;
  relu_nodes.fill(-1);
  nodes[0] = x;
  for (int to = 1; to < nb201::kNumNodes; ++to) {
    std::vector<int> edges;
    for (int from = 0; from < to; ++from) {
      const int e = nb201::EdgeIndex(to, from);
      if (mix.all_masked[e]) continue;
      const int out = RecordMixedEdge(ops_[e], mix.weight[e], tape, nodes[from],
                                      &relu_nodes[from]);
      if (out >= 0) edges.push_back(out);
    }
    if (edges.empty()) {
      const at::Tensor& in = tape.value(x);
      nodes[to] = tape.Input(torch::zeros(
          {in.size(0), c_out_, in.size(2), in.size(3)}, in.options()));
    } else {
      nodes[to] = edges.size() == 1 ? edges[0] : tape.Sum(edges);
    }
  }
  return nodes[nb201::kNumNodes - 1];
}

// ---------------------------------------------------------------------------

Nb201SearchNetwork::Nb201SearchNetwork(const Nb201NetworkConfig& config)
    : config_(config) {
  const int64_t C = config.channels;
  // The original builds the stem even without use_stem (input channels 1 in
  // that case); it consumes random numbers, so keep it for identical init.
  stem_ = register_module("stem", MakeStem(config.use_stem ? 3 : 1, C));
  std::vector<int64_t> channels;
  std::vector<bool> reduction;
  MacroLayout(config, &channels, &reduction);
  auto cells = torch::nn::ModuleList();
  int64_t c_prev = C;
  for (size_t i = 0; i < channels.size(); ++i) {
    if (config.depth > 0 && static_cast<int>(i) >= config.depth) break;
    if (reduction[i]) {
      auto block =
          std::make_shared<ResNetBasicBlock>(recorder_, c_prev, channels[i], 2);
      res_blocks_.push_back(block);
      cells->push_back(block);
      layer_is_cell_.push_back(false);
    } else {
      auto cell =
          std::make_shared<Nb201SearchCell>(recorder_, c_prev, channels[i]);
      search_cells_.push_back(cell);
      cells->push_back(cell);
      layer_is_cell_.push_back(true);
    }
    c_prev = channels[i];
  }
  register_module("cells", cells);
  last_bn_ = torch::nn::BatchNorm2d(SearchBn(c_prev));
  last_relu_ = RecordingReLU(recorder_);
  register_module("lastact", torch::nn::Sequential(last_bn_, last_relu_));
  classifier_ = register_module("classifier",
                                torch::nn::Linear(c_prev, config.num_classes));
  SetAlphas(Nb201InitialAlphas());
}

void Nb201SearchNetwork::SetAlphas(const at::Tensor& alphas) {
  TORCH_CHECK(alphas.dim() == 2 && alphas.size(0) == kNumEdges &&
                  alphas.size(1) == kNumOps,
              "NB201 alphas must be [6, 5]");
  alphas_ = alphas.to(torch::kCPU, torch::kFloat32).contiguous().clone();
  at::Tensor w = torch::softmax(alphas_, /*dim=*/-1).contiguous();
  const float* a = alphas_.data_ptr<float>();
  const float* p = w.data_ptr<float>();
  for (int e = 0; e < kNumEdges; ++e) {
    bool all_masked = true;
    for (int op = 0; op < kNumOps; ++op) {
      mix_.weight[e][op] = p[e * kNumOps + op];
      all_masked = all_masked && a[e * kNumOps + op] <= kMaskedAlpha;
    }
    mix_.all_masked[e] = all_masked;
  }
}

at::Tensor Nb201SearchNetwork::forward(const at::Tensor& x) {
  at::Tensor h = config_.use_stem ? stem_->forward(x) : x;
  size_t cell_i = 0, block_i = 0;
  for (bool is_cell : layer_is_cell_) {
    h = is_cell ? search_cells_[cell_i++]->forward(h, mix_)
                : res_blocks_[block_i++]->forward(h);
  }
  h = last_relu_->forward(last_bn_->forward(h));
  h = torch::adaptive_avg_pool2d(h, {1, 1});
  h = h.view({h.size(0), -1});
  return classifier_->forward(h);
}

int Nb201SearchNetwork::RecordForward(ForwardTape& tape, const at::Tensor& x) {
  int h = tape.Input(x);
  if (config_.use_stem) {
    auto* conv = stem_[0]->as<torch::nn::Conv2dImpl>();
    auto* bn = stem_[1]->as<torch::nn::BatchNorm2dImpl>();
    h = tape.BatchNorm(tape.Conv(h, *conv), *bn);
  }
  size_t cell_i = 0, block_i = 0;
  for (bool is_cell : layer_is_cell_) {
    h = is_cell ? search_cells_[cell_i++]->Record(tape, h, mix_)
                : res_blocks_[block_i++]->Record(tape, h);
  }
  h = tape.Relu(tape.BatchNorm(h, *last_bn_));
  return tape.Linear(tape.GlobalAvgPool(h), *classifier_);
}

// ---------------------------------------------------------------------------

Nb201BenchmarkNetwork::Nb201BenchmarkNetwork(const nb201::Architecture& arch,
                                             const Nb201NetworkConfig& config)
    : arch_(arch) {
  const int64_t C = config.channels;
  stem_ = register_module("stem", MakeStem(3, C));
  std::vector<int64_t> channels;
  std::vector<bool> reduction;
  MacroLayout(config, &channels, &reduction);
  auto cells = torch::nn::ModuleList();
  int64_t c_prev = C;
  for (size_t i = 0; i < channels.size(); ++i) {
    if (reduction[i]) {
      auto block =
          std::make_shared<ResNetBasicBlock>(nullptr, c_prev, channels[i], 2);
      cells->push_back(block);
      layers_.push_back(block);
      cell_ops_.emplace_back();
    } else {
      auto cell = std::make_shared<torch::nn::Module>();
      auto list = torch::nn::ModuleList();
      std::vector<std::shared_ptr<CellOp>> ops;
      for (int e = 0; e < kNumEdges; ++e) {
        const int64_t edge_c_in =
            nb201::kEdges[e].from == 0 ? c_prev : channels[i];
        ops.push_back(
            MakeNb201Op(arch.ops[e], nullptr, edge_c_in, channels[i], 1));
        list->push_back(ops.back());
      }
      cell->register_module("layers", list);
      cells->push_back(cell);
      layers_.push_back(cell);
      cell_ops_.push_back(std::move(ops));
    }
    c_prev = channels[i];
  }
  register_module("cells", cells);
  lastact_ = register_module(
      "lastact", torch::nn::Sequential(torch::nn::BatchNorm2d(SearchBn(c_prev)),
                                       torch::nn::ReLU()));
  classifier_ = register_module("classifier",
                                torch::nn::Linear(c_prev, config.num_classes));
}

at::Tensor Nb201BenchmarkNetwork::forward(const at::Tensor& x) {
  at::Tensor h = stem_->forward(x);
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (cell_ops_[i].empty()) {
      h = std::static_pointer_cast<ResNetBasicBlock>(layers_[i])->forward(h);
      continue;
    }
    std::array<at::Tensor, nb201::kNumNodes> nodes;
    nodes[0] = h;
    for (int to = 1; to < nb201::kNumNodes; ++to) {
      at::Tensor node;
      for (int from = 0; from < to; ++from) {
        at::Tensor out =
            cell_ops_[i][nb201::EdgeIndex(to, from)]->forward(nodes[from]);
        node = node.defined() ? node + out : out;
      }
      nodes[to] = node;
    }
    h = nodes[nb201::kNumNodes - 1];
  }
  h = lastact_->forward(h);
  h = torch::adaptive_avg_pool2d(h, {1, 1});
  return classifier_->forward(h.view({h.size(0), -1}));
}

int64_t CountParameters(torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters(/*recurse=*/true)) n += p.numel();
  return n;
}

}  // namespace tenas::nn
