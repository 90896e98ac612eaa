// Copyright 2026 The tenas Authors.
//
// darts_network.h: DARTS (NASNet-style) networks.
//
//  - DartsSearchNetwork: the TE-NAS supernet (NASNetworkDARTS,
//  docs/ALGORITHM.md §2.2,
//    §2.3): every edge of the normal and the reduction cell holds all 8 ops,
//    mixed by softmax(alpha) with ops of weight <= 0.01 not executed and
//    all-masked edges contributing exactly 0. Its two TE-NAS configurations
//    are DartsNtkConfig() (C=1, N=1, depth 2, stem) and DartsLrConfig() (the
//    same without stem, fed 1x3x3 inputs).
//  - DartsCifarNetwork / DartsImagenetNetwork: the evaluation networks that
//    retrain a genotype (chenwydj/DARTS_evaluation model.py, docs/ALGORITHM.md
//    §2.5), including the auxiliary head; DartsParameterCount() counts
//    parameters the way the papers report them (auxiliary head excluded).

#ifndef TENAS_NN_DARTS_NETWORK_H_
#define TENAS_NN_DARTS_NETWORK_H_

#include <torch/torch.h>

#include <array>
#include <memory>
#include <vector>

#include "tenas/nn/ops.h"
#include "tenas/nn/search_network.h"
#include "tenas/space/darts.h"

namespace tenas::nn {

// ------------------------------------------------------------------ search

/// Shape of the TE-NAS DARTS supernet (NASNetworkDARTS). steps = 4 and
/// multiplier = 4 are fixed (darts::kNumSteps, darts::kMultiplier).
struct DartsNetworkConfig {
  int64_t channels = 16;        ///< C of the first stage.
  int64_t cells_per_stage = 5;  ///< N.
  int64_t stem_multiplier = 3;  ///< Stem output = C * stem_multiplier.
  int depth = -1;        ///< Keep only the first `depth` cells; -1 = all.
  bool use_stem = true;  ///< false: the input feeds the first cell.
  int64_t num_classes = 10;
};

/// TE-NAS NTK network: C=1, N=1, stem_multiplier 1, depth 2 (a normal cell
/// then a reduction cell), stem.
DartsNetworkConfig DartsNtkConfig(int64_t num_classes);
/// TE-NAS linear-region network: as DartsNtkConfig but without stem (the stem
/// module, Conv 1->1, is still built, as in the original).
DartsNetworkConfig DartsLrConfig(int64_t num_classes);

/// Initial supernet alphas [14, 8]: 0 everywhere, `none` column -1000.
at::Tensor DartsInitialAlphas();
/// Alphas [14, 8] selecting one cell of `genotype` (the reduction cell if
/// `reduce`): 0 for each listed (edge, op), -1000 elsewhere, so unlisted
/// edges are all-masked and contribute 0.
at::Tensor DartsGenotypeAlphas(const darts::Genotype& genotype, bool reduce);

/// Per-edge mixing weights of one cell type, derived from its alphas.
struct DartsMixWeights {
  /// softmax(alpha row), [edge][op].
  darts::EdgeWeights weight{};
  /// True when the raw alphas of the edge sum to <= -1000 * 8 (the original
  /// test for "every op masked"): the edge contributes exactly 0.
  std::array<bool, darts::kNumEdges> all_masked{};
};

/// Mixing weights from alphas [14, 8] (any float tensor).
DartsMixWeights DartsMixFromAlphas(const at::Tensor& alphas);

/// NASNet search cell: `preprocess0` (FactorizedReduce if the previous cell
/// reduced, else 1x1 ReLUConvBN), `preprocess1` (1x1 ReLUConvBN), and 14
/// mixed edges `edges.<i><-<j>._ops.<op>`; edges from the two cell inputs
/// have stride 2 in a reduction cell. Output: concat of the 4 nodes (4C).
class DartsSearchCell : public torch::nn::Module {
 public:
  DartsSearchCell(const std::shared_ptr<ActivationRecorder>& recorder,
                  int64_t c_prev_prev, int64_t c_prev, int64_t c,
                  bool reduction, bool reduction_prev);
  at::Tensor forward(const at::Tensor& s0, const at::Tensor& s1,
                     const DartsMixWeights& mix);
  /// forward(values s0, s1) recorded on `tape`; returns the output's id.
  int Record(ForwardTape& tape, int s0, int s1, const DartsMixWeights& mix);
  bool reduction() const { return reduction_; }

 private:
  std::shared_ptr<CellOp> preprocess0_;
  std::shared_ptr<CellOp> preprocess1_;
  std::array<std::array<std::shared_ptr<CellOp>, darts::kNumOps>,
             darts::kNumEdges>
      ops_;
  std::shared_ptr<ActivationRecorder> recorder_;
  int64_t c_;
  bool reduction_;
};

/// The TE-NAS DARTS supernet. The alphas are not registered parameters (the
/// original registers them as `arch_normal_parameters` and
/// `arch_reduce_parameters`, first in named_parameters); every other
/// parameter has the original name and order. Not thread-safe: one forward
/// at a time.
class DartsSearchNetwork : public SearchNetwork {
 public:
  explicit DartsSearchNetwork(const DartsNetworkConfig& config);

  /// Sets the architecture parameters of the normal and the reduction
  /// cells. Precondition: float tensors [14, 8].
  void SetAlphas(const at::Tensor& normal, const at::Tensor& reduce);
  const at::Tensor& normal_alphas() const { return normal_alphas_; }
  const at::Tensor& reduce_alphas() const { return reduce_alphas_; }
  const DartsNetworkConfig& config() const { return config_; }

  /// The genotype of the current alphas (darts::DeriveGenotype of softmax).
  darts::Genotype Genotype() const;

  at::Tensor forward(const at::Tensor& x) override;

  bool CanRecordForward() const override { return true; }
  int RecordForward(ForwardTape& tape, const at::Tensor& x) override;

 private:
  DartsNetworkConfig config_;
  bool use_stem_;
  torch::nn::Sequential stem_{nullptr};
  std::vector<std::shared_ptr<DartsSearchCell>> cells_;
  torch::nn::BatchNorm2d last_bn_{nullptr};
  RecordingReLU last_relu_{nullptr};
  torch::nn::Linear classifier_{nullptr};
  at::Tensor normal_alphas_;
  at::Tensor reduce_alphas_;
  DartsMixWeights normal_mix_;
  DartsMixWeights reduce_mix_;
};

// -------------------------------------------------------------- evaluation

/// Shape of a DARTS evaluation network.
struct DartsEvalConfig {
  int64_t channels = 36;  ///< C (init_channels).
  int layers = 20;        ///< Number of cells.
  int64_t num_classes = 10;
  bool auxiliary = true;  ///< Build the auxiliary head.
};

/// CIFAR setting of the paper: 20 cells, C=36, auxiliary head.
DartsEvalConfig DartsCifarEvalConfig(int64_t num_classes = 10);
/// ImageNet mobile setting of the paper: 14 cells, C=48, auxiliary head.
DartsEvalConfig DartsImagenetEvalConfig(int64_t num_classes = 1000);

/// Fixed-architecture cell of DARTS_evaluation: `preprocess0`,
/// `preprocess1`, `_ops` (one op per genotype item, in genotype order).
class DartsEvalCell : public torch::nn::Module {
 public:
  DartsEvalCell(const darts::Genotype& genotype, int64_t c_prev_prev,
                int64_t c_prev, int64_t c, bool reduction, bool reduction_prev);
  /// Drop-path with probability `drop_prob` is applied in training mode to
  /// every non-identity op output.
  at::Tensor forward(const at::Tensor& s0, const at::Tensor& s1,
                     double drop_prob);
  /// Output channels / C: the number of concatenated states.
  int64_t multiplier() const { return static_cast<int64_t>(concat_.size()); }

 private:
  std::shared_ptr<CellOp> preprocess0_;
  std::shared_ptr<CellOp> preprocess1_;
  std::vector<std::shared_ptr<CellOp>> ops_;
  std::array<int, darts::kGenotypeItems> inputs_{};
  std::vector<int> concat_;
};

/// Output of an evaluation network. `logits_aux` is defined only in training
/// mode with an auxiliary head.
struct DartsEvalOutput {
  at::Tensor logits;
  at::Tensor logits_aux;
};

/// NetworkCIFAR: stem Conv3x3(3->3C)+BN, `layers` cells with reductions at
/// layers/3 and 2*layers/3, auxiliary head after cell 2*layers/3, global
/// average pooling, Linear.
class DartsCifarNetwork : public torch::nn::Module {
 public:
  DartsCifarNetwork(const darts::Genotype& genotype,
                    const DartsEvalConfig& config);
  DartsEvalOutput forward(const at::Tensor& x);
  void set_drop_path_prob(double p) { drop_path_prob_ = p; }

 private:
  DartsEvalConfig config_;
  torch::nn::Sequential stem_{nullptr};
  std::vector<std::shared_ptr<DartsEvalCell>> cells_;
  torch::nn::Sequential aux_features_{nullptr};
  torch::nn::Linear aux_classifier_{nullptr};
  torch::nn::Linear classifier_{nullptr};
  double drop_path_prob_ = 0.0;
};

/// NetworkImageNet (224x224 input): stem0 = Conv3x3 s2 (3->C/2)+BN+ReLU+
/// Conv3x3 s2 (C/2->C)+BN, stem1 = ReLU+Conv3x3 s2 (C->C)+BN, cells (the
/// first treats its input as reduced) with reductions at layers/3 and
/// 2*layers/3, auxiliary head after cell 2*layers/3, AvgPool(7), Linear.
class DartsImagenetNetwork : public torch::nn::Module {
 public:
  DartsImagenetNetwork(const darts::Genotype& genotype,
                       const DartsEvalConfig& config);
  DartsEvalOutput forward(const at::Tensor& x);
  void set_drop_path_prob(double p) { drop_path_prob_ = p; }

 private:
  DartsEvalConfig config_;
  torch::nn::Sequential stem0_{nullptr};
  torch::nn::Sequential stem1_{nullptr};
  std::vector<std::shared_ptr<DartsEvalCell>> cells_;
  torch::nn::Sequential aux_features_{nullptr};
  torch::nn::Linear aux_classifier_{nullptr};
  torch::nn::Linear classifier_{nullptr};
  double drop_path_prob_ = 0.0;
};

/// Number of parameter scalars of `model`, leaving out every parameter whose
/// name contains "auxiliary": DARTS' count_parameters_in_MB * 1e6, the
/// number the papers report.
int64_t DartsParameterCount(torch::nn::Module& model);

}  // namespace tenas::nn

#endif  // TENAS_NN_DARTS_NETWORK_H_
