// Copyright 2026 The tenas Authors.
//
// relu_sharing.h: checks that a search network's cells give the same
// results with one ReLU per source node (the default) as with one ReLU per
// op (what runs while linear regions are recorded).

#ifndef TENAS_TESTS_TESTING_RELU_SHARING_H_
#define TENAS_TESTS_TESTING_RELU_SHARING_H_

#include <torch/torch.h>

#include "tenas/nn/search_network.h"

namespace tenas::testing {

/// Runs `net` (train mode) on `x` both ways and expects identical logits
/// and weight gradients equal to float rounding (the summation order of
/// the ReLUs' grads differs). Adds GoogleTest failures; returns nothing.
void ExpectSharedReluEqualsReluPerOp(nn::SearchNetwork& net,
                                     const at::Tensor& x);

/// Nodes named `name` (e.g. "ReluBackward0") in the autograd graph of `t`.
int CountGraphNodes(const at::Tensor& t, const std::string& name);

}  // namespace tenas::testing

#endif  // TENAS_TESTS_TESTING_RELU_SHARING_H_
