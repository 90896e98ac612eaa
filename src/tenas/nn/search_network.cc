// Copyright 2026 The tenas Authors.

#include "tenas/nn/search_network.h"

#include <string>

namespace tenas::nn {

void SearchNetwork::CopyParametersFrom(SearchNetwork& other) {
  torch::NoGradGuard no_grad;
  auto mine = named_parameters(/*recurse=*/true);
  auto theirs = other.named_parameters(/*recurse=*/true);
  TORCH_CHECK(mine.size() == theirs.size(),
              "CopyParametersFrom: parameter count differs");
  for (const auto& item : theirs) {
    at::Tensor* dst = mine.find(item.key());
    TORCH_CHECK(dst != nullptr, "CopyParametersFrom: missing ", item.key());
    dst->copy_(item.value());
  }
}

std::vector<at::Tensor> SearchNetwork::WeightParameters() {
  std::vector<at::Tensor> result;
  for (const auto& item : named_parameters(/*recurse=*/true)) {
    if (item.key().find("weight") != std::string::npos) {
      result.push_back(item.value());
    }
  }
  return result;
}

int SearchNetwork::RecordForward(ForwardTape& /*tape*/,
                                 const at::Tensor& /*x*/) {
  TORCH_CHECK(false, "this network cannot record its forward on a tape");
  return -1;  // not reached
}

}  // namespace tenas::nn
