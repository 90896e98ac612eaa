// Copyright 2026 The tenas Authors.

#include "testing/golden_networks.h"

#include <torch/torch.h>

#include "tenas/nn/init.h"

namespace tenas::testing {

std::shared_ptr<nn::Nb201SearchNetwork> Nb201NtkNetFromGolden(
    const GoldenFixture& g) {
  std::shared_ptr<nn::Nb201SearchNetwork> net;
  nn::RunSeeded(123, [&] {
    net = std::make_shared<nn::Nb201SearchNetwork>(nn::Nb201NtkConfig(10));
  });
  {
    torch::NoGradGuard no_grad;
    for (auto& p : net->named_parameters()) p.value().copy_(g.Get(p.key()));
  }
  net->SetAlphas(g.Get("arch_parameters"));
  return net;
}

}  // namespace tenas::testing
