// Copyright 2026 The tenas Authors.

#include "testing/relu_sharing.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tenas::testing {
namespace {

// Logits and weight gradients of one forward and backward; `per_op` turns
// on the recorder, which makes every op run (and record) its own ReLU.
std::pair<at::Tensor, std::vector<at::Tensor>> Run(nn::SearchNetwork& net,
                                                   const at::Tensor& x,
                                                   bool per_op) {
  net.train();
  net.zero_grad();
  net.recorder().enabled = per_op;
  at::Tensor logits = net.forward(x);
  net.recorder().enabled = false;
  net.recorder().outputs.clear();
  logits.sum().backward();
  std::vector<at::Tensor> grads;
  for (const at::Tensor& p : net.WeightParameters()) {
    grads.push_back(p.grad().clone());
  }
  return {logits.detach(), grads};
}

}  // namespace

void ExpectSharedReluEqualsReluPerOp(nn::SearchNetwork& net,
                                     const at::Tensor& x) {
  const auto [shared_logits, shared_grads] = Run(net, x, false);
  const auto [per_op_logits, per_op_grads] = Run(net, x, true);
  EXPECT_TRUE(at::equal(shared_logits, per_op_logits));
  ASSERT_EQ(shared_grads.size(), per_op_grads.size());
  for (size_t i = 0; i < shared_grads.size(); ++i) {
    EXPECT_TRUE(torch::allclose(shared_grads[i], per_op_grads[i], 1e-4, 1e-6))
        << "weight parameter " << i;
  }
}

int CountGraphNodes(const at::Tensor& t, const std::string& name) {
  std::vector<torch::autograd::Node*> stack{t.grad_fn().get()};
  std::set<torch::autograd::Node*> seen;
  int count = 0;
  while (!stack.empty()) {
    torch::autograd::Node* node = stack.back();
    stack.pop_back();
    if (node == nullptr || !seen.insert(node).second) continue;
    if (node->name() == name) ++count;
    for (const auto& edge : node->next_edges()) {
      stack.push_back(edge.function.get());
    }
  }
  return count;
}

}  // namespace tenas::testing
