// Copyright 2026 The tenas Authors.
//
// nb201_network.h: NAS-Bench-201 networks (docs/ALGORITHM.md §1.3, §1.5).
//
//  - Nb201SearchNetwork: the TE-NAS supernet (TinyNetworkDarts): every edge
//    holds all 5 ops, mixed by softmax(alpha) with ops of weight <= 0.01 not
//    executed. Its two TE-NAS configurations are Nb201NtkConfig() (C=3, N=1,
//    stem) and Nb201LrConfig() (C=1, N=1, depth 1, no stem, 1x3x3 input).
//  - Nb201BenchmarkNetwork: the fixed-architecture network the benchmark
//    trained (C=16, N=5), holding only the chosen op per edge.

#ifndef TENAS_NN_NB201_NETWORK_H_
#define TENAS_NN_NB201_NETWORK_H_

#include <torch/torch.h>

#include <array>
#include <memory>
#include <vector>

#include "tenas/nn/ops.h"
#include "tenas/nn/search_network.h"
#include "tenas/space/nb201.h"

namespace tenas::nn {

/// Shape of an NB201 macro network (TinyNetworkDarts / TinyNetwork).
struct Nb201NetworkConfig {
  int64_t channels = 16;        ///< C of the first stage.
  int64_t cells_per_stage = 5;  ///< N.
  int depth = -1;        ///< Keep only the first `depth` layers; -1 = all.
  bool use_stem = true;  ///< false: the input feeds the first cell.
  int64_t num_classes = 10;
};

/// TE-NAS NTK network: C=3, N=1, all layers, stem.
Nb201NetworkConfig Nb201NtkConfig(int64_t num_classes);
/// TE-NAS linear-region network: C=1, N=1, depth 1, no stem.
Nb201NetworkConfig Nb201LrConfig(int64_t num_classes);

/// Initial supernet alphas [6, 5]: 0 everywhere, `none` column -1000.
at::Tensor Nb201InitialAlphas();
/// Alphas selecting one architecture: 0 for the chosen op, -1000 elsewhere.
/// An edge whose op is `none` gets an all -1000 row (the edge outputs zero).
at::Tensor Nb201ArchitectureAlphas(const nb201::Architecture& arch);

/// Per-edge mixing weights derived from alphas.
struct Nb201MixWeights {
  std::array<std::array<float, nb201::kNumOps>, nb201::kNumEdges> weight{};
  /// True when every alpha of the edge is <= -1000: the edge outputs zero
  /// (otherwise softmax of an all-masked row would re-enable every op).
  std::array<bool, nb201::kNumEdges> all_masked{};
};

/// A search cell: 4 nodes, 6 mixed edges (`edges.<to><-<from>.<op>`).
class Nb201SearchCell : public torch::nn::Module {
 public:
  Nb201SearchCell(const std::shared_ptr<ActivationRecorder>& recorder,
                  int64_t c_in, int64_t c_out);
  at::Tensor forward(const at::Tensor& x, const Nb201MixWeights& weights);
  /// forward(value x) recorded on `tape`; returns the output's value id.
  int Record(ForwardTape& tape, int x, const Nb201MixWeights& weights);

 private:
  std::array<std::array<std::shared_ptr<CellOp>, nb201::kNumOps>,
             nb201::kNumEdges>
      ops_;
  std::shared_ptr<ActivationRecorder> recorder_;
  int64_t c_out_;
};

/// The TE-NAS NB201 supernet. Not thread-safe: one forward at a time.
class Nb201SearchNetwork : public SearchNetwork {
 public:
  explicit Nb201SearchNetwork(const Nb201NetworkConfig& config);

  /// Sets the architecture parameters. Precondition: float tensor [6, 5].
  void SetAlphas(const at::Tensor& alphas);
  const at::Tensor& alphas() const { return alphas_; }
  const Nb201NetworkConfig& config() const { return config_; }

  at::Tensor forward(const at::Tensor& x) override;
  bool CanRecordForward() const override { return true; }
  int RecordForward(ForwardTape& tape, const at::Tensor& x) override;

 private:
  Nb201NetworkConfig config_;
  torch::nn::Sequential stem_{nullptr};
  std::vector<std::shared_ptr<Nb201SearchCell>> search_cells_;
  std::vector<std::shared_ptr<ResNetBasicBlock>> res_blocks_;
  std::vector<bool> layer_is_cell_;
  torch::nn::BatchNorm2d last_bn_{nullptr};
  RecordingReLU last_relu_{nullptr};
  torch::nn::Linear classifier_{nullptr};
  at::Tensor alphas_;
  Nb201MixWeights mix_;
};

/// The benchmark's fixed-architecture network (TinyNetwork + InferCell).
class Nb201BenchmarkNetwork : public torch::nn::Module {
 public:
  Nb201BenchmarkNetwork(const nb201::Architecture& arch,
                        const Nb201NetworkConfig& config);
  at::Tensor forward(const at::Tensor& x);

 private:
  torch::nn::Sequential stem_{nullptr};
  std::vector<std::shared_ptr<torch::nn::Module>> layers_;
  std::vector<std::vector<std::shared_ptr<CellOp>>> cell_ops_;
  nb201::Architecture arch_;
  torch::nn::Sequential lastact_{nullptr};
  torch::nn::Linear classifier_{nullptr};
};

/// Number of scalars in all parameters of `module`.
int64_t CountParameters(torch::nn::Module& module);

}  // namespace tenas::nn

#endif  // TENAS_NN_NB201_NETWORK_H_
