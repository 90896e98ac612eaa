// Copyright 2026 The tenas Authors.

#include "tenas/search/space_adapter.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tenas/nn/darts_network.h"
#include "tenas/nn/nb201_network.h"
#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"

namespace tenas::search {
namespace {

at::Tensor AlphasFromMask(const std::vector<std::vector<bool>>& cell) {
  const int64_t edges = static_cast<int64_t>(cell.size());
  const int64_t ops = static_cast<int64_t>(cell[0].size());
  at::Tensor alphas = torch::full({edges, ops}, nn::kMaskedAlpha);
  for (int64_t e = 0; e < edges; ++e) {
    for (int64_t o = 0; o < ops; ++o) {
      if (cell[e][o]) alphas[e][o] = 0.0f;
    }
  }
  return alphas;
}

class Nb201Adapter : public SpaceAdapter {
 public:
  SpaceKind kind() const override { return SpaceKind::kNb201; }
  int num_cell_types() const override { return 1; }
  int num_edges() const override { return nb201::kNumEdges; }
  int num_ops() const override { return nb201::kNumOps; }
  std::shared_ptr<nn::SearchNetwork> BuildNtkNetwork(
      int num_classes) const override {
    return std::make_shared<nn::Nb201SearchNetwork>(
        nn::Nb201NtkConfig(num_classes));
  }
  std::shared_ptr<nn::SearchNetwork> BuildLrNetwork(
      int num_classes) const override {
    return std::make_shared<nn::Nb201SearchNetwork>(
        nn::Nb201LrConfig(num_classes));
  }
  void SetAlive(nn::SearchNetwork& net, const AliveMask& alive) const override {
    static_cast<nn::Nb201SearchNetwork&>(net).SetAlphas(
        AlphasFromMask(alive[0]));
  }
  std::string FormatArchitecture(const AliveMask& alive) const override {
    nb201::Architecture arch;
    for (int e = 0; e < nb201::kNumEdges; ++e) {
      arch.ops[e] = nb201::kNone;
      for (int o = 0; o < nb201::kNumOps; ++o) {
        if (alive[0][e][o]) arch.ops[e] = static_cast<nb201::Op>(o);
      }
    }
    return nb201::FormatArchitecture(arch);
  }
};

class DartsAdapter : public SpaceAdapter {
 public:
  SpaceKind kind() const override { return SpaceKind::kDarts; }
  int num_cell_types() const override { return 2; }
  int num_edges() const override { return darts::kNumEdges; }
  int num_ops() const override { return darts::kNumOps; }
  std::shared_ptr<nn::SearchNetwork> BuildNtkNetwork(
      int num_classes) const override {
    return std::make_shared<nn::DartsSearchNetwork>(
        nn::DartsNtkConfig(num_classes));
  }
  std::shared_ptr<nn::SearchNetwork> BuildLrNetwork(
      int num_classes) const override {
    return std::make_shared<nn::DartsSearchNetwork>(
        nn::DartsLrConfig(num_classes));
  }
  void SetAlive(nn::SearchNetwork& net, const AliveMask& alive) const override {
    static_cast<nn::DartsSearchNetwork&>(net).SetAlphas(
        AlphasFromMask(alive[0]), AlphasFromMask(alive[1]));
  }
  std::string FormatArchitecture(const AliveMask& alive) const override {
    darts::EdgeWeights w[2];
    for (int ct = 0; ct < 2; ++ct) {
      at::Tensor p = torch::softmax(AlphasFromMask(alive[ct]), -1).contiguous();
      for (int e = 0; e < darts::kNumEdges; ++e) {
        for (int o = 0; o < darts::kNumOps; ++o) {
          w[ct][e][o] = p[e][o].item<float>();
        }
      }
    }
    return darts::FormatGenotype(darts::DeriveGenotype(w[0], w[1]));
  }
};

}  // namespace

AliveMask SpaceAdapter::InitialAlive() const {
  AliveMask alive(num_cell_types(),
                  std::vector<std::vector<bool>>(
                      num_edges(), std::vector<bool>(num_ops(), true)));
  for (auto& cell : alive) {
    for (auto& edge : cell) edge[0] = false;  // `none` is masked from the start
  }
  return alive;
}

const SpaceAdapter& GetSpaceAdapter(SpaceKind space) {
  static const Nb201Adapter* nb201 = new Nb201Adapter();
  static const DartsAdapter* darts = new DartsAdapter();
  if (space == SpaceKind::kNb201) return *nb201;
  return *darts;
}

}  // namespace tenas::search
