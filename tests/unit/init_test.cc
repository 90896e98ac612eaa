// Copyright 2026 The tenas Authors.
//
// nn/init.h: ResetCellOperations re-draws the cells' operations of both
// supernets, and only them, reproducibly from the seed of RunSeeded.

#include "tenas/nn/init.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "tenas/nn/darts_network.h"
#include "tenas/nn/nb201_network.h"

namespace tenas::nn {
namespace {

// A copy of every parameter, by name.
std::map<std::string, at::Tensor> Snapshot(torch::nn::Module& net) {
  std::map<std::string, at::Tensor> out;
  for (const auto& p : net.named_parameters()) {
    out[p.key()] = p.value().detach().clone();
  }
  return out;
}

bool InCellOperation(const std::string& name) {
  return absl::StrContains("." + name, ".edges.");
}

Nb201NetworkConfig SmallNb201() {
  Nb201NetworkConfig c;
  c.channels = 4;
  c.cells_per_stage = 1;
  return c;
}

DartsNetworkConfig SmallDarts() {
  DartsNetworkConfig c = DartsNtkConfig(10);
  c.channels = 2;
  return c;
}

TEST(ResetCellOperationsTest, Nb201RedrawsEveryCellConvAndKeepsTheRest) {
  std::shared_ptr<Nb201SearchNetwork> net;
  RunSeeded(1,
            [&] { net = std::make_shared<Nb201SearchNetwork>(SmallNb201()); });
  const auto before = Snapshot(*net);
  int layers = 0;
  RunSeeded(2, [&] { layers = ResetCellOperations(*net); });
  // 3 cells x 6 edges x 2 ReLU-conv-BN ops (conv + BN each).
  EXPECT_EQ(layers, 3 * 6 * 2 * 2);
  int cell_convs = 0, kept = 0;
  for (const auto& p : net->named_parameters()) {
    const at::Tensor& old = before.at(p.key());
    if (!InCellOperation(p.key())) {
      EXPECT_TRUE(torch::equal(p.value(), old)) << p.key();
      ++kept;
    } else if (p.value().dim() == 4) {
      EXPECT_FALSE(torch::equal(p.value(), old)) << p.key();
      ++cell_convs;
    }
  }
  EXPECT_EQ(cell_convs, 3 * 6 * 2);
  // The stem, both residual blocks (with their 1x1 downsample convs) and
  // the classifier keep their weights.
  EXPECT_GT(kept, 0);
  EXPECT_TRUE(before.count("classifier.weight"));
}

TEST(ResetCellOperationsTest, DrawsPyTorchsDefaultInitialisation) {
  std::shared_ptr<Nb201SearchNetwork> net;
  RunSeeded(1,
            [&] { net = std::make_shared<Nb201SearchNetwork>(SmallNb201()); });
  RunSeeded(2, [&] { ResetCellOperations(*net); });
  for (const auto& p : net->named_parameters()) {
    if (!InCellOperation(p.key()) || p.value().dim() != 4) continue;
    // kaiming_uniform(a = sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    const double fan_in = static_cast<double>(p.value()[0].numel());
    EXPECT_LE(p.value().abs().max().item<double>(), 1.0 / std::sqrt(fan_in))
        << p.key();
  }
}

TEST(ResetCellOperationsTest, SameSeedSameWeightsWhateverTheFirstDraw) {
  std::shared_ptr<Nb201SearchNetwork> a, b;
  RunSeeded(1, [&] { a = std::make_shared<Nb201SearchNetwork>(SmallNb201()); });
  RunSeeded(1, [&] { b = std::make_shared<Nb201SearchNetwork>(SmallNb201()); });
  RunSeeded(7, [&] { ResetCellOperations(*a); });
  RunSeeded(7, [&] { ResetCellOperations(*b); });
  for (const auto& [name, value] : Snapshot(*a)) {
    EXPECT_TRUE(torch::equal(value, b->named_parameters()[name])) << name;
  }
  // A different macro draw keeps its own stem but gets the same cells.
  std::shared_ptr<Nb201SearchNetwork> c;
  RunSeeded(3, [&] { c = std::make_shared<Nb201SearchNetwork>(SmallNb201()); });
  RunSeeded(7, [&] { ResetCellOperations(*c); });
  for (const auto& [name, value] : Snapshot(*a)) {
    const bool same = torch::equal(value, c->named_parameters()[name]);
    if (InCellOperation(name)) {
      EXPECT_TRUE(same) << name;
    } else if (value.dim() == 4) {
      EXPECT_FALSE(same) << name;
    }
  }
}

TEST(ResetCellOperationsTest, DartsKeepsThePreprocessingAndTheStem) {
  std::shared_ptr<DartsSearchNetwork> net;
  RunSeeded(1,
            [&] { net = std::make_shared<DartsSearchNetwork>(SmallDarts()); });
  const auto before = Snapshot(*net);
  int layers = 0;
  RunSeeded(2, [&] { layers = ResetCellOperations(*net); });
  EXPECT_GT(layers, 0);
  int changed = 0;
  for (const auto& p : net->named_parameters()) {
    const bool same = torch::equal(p.value(), before.at(p.key()));
    if (!InCellOperation(p.key())) {
      EXPECT_TRUE(same) << p.key();
    } else if (p.value().dim() == 4) {
      EXPECT_FALSE(same) << p.key();
      ++changed;
    }
    if (absl::StrContains(p.key(), "preprocess")) {
      EXPECT_TRUE(same) << p.key();
    }
  }
  EXPECT_GT(changed, 0);
}

}  // namespace
}  // namespace tenas::nn
