// Copyright 2026 The tenas Authors.
//
// golden_networks.h: networks rebuilt from the original code's fixtures.

#ifndef TENAS_TESTS_TESTING_GOLDEN_NETWORKS_H_
#define TENAS_TESTS_TESTING_GOLDEN_NETWORKS_H_

#include <memory>

#include "tenas/nn/nb201_network.h"
#include "testing/golden.h"

namespace tenas::testing {

/// The fixture's NB201 NTK network (C=3, N=1, 10 classes): every parameter
/// overwritten with the stored values (so a check does not rely on
/// identical default init) and the fixture's alphas set.
std::shared_ptr<nn::Nb201SearchNetwork> Nb201NtkNetFromGolden(
    const GoldenFixture& g);

}  // namespace tenas::testing

#endif  // TENAS_TESTS_TESTING_GOLDEN_NETWORKS_H_
