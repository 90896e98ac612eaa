// Copyright 2026 The tenas Authors.

#include "tenas/nn/init.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"

namespace tenas::nn {

void ApplyKaimingInit(torch::nn::Module& module, FanMode mode) {
  torch::NoGradGuard no_grad;
  const torch::nn::init::FanModeType fan =
      mode == FanMode::kFanIn ? torch::nn::init::FanModeType(torch::kFanIn)
                              : torch::nn::init::FanModeType(torch::kFanOut);
  for (auto& child : module.modules(/*include_self=*/true)) {
    if (auto* conv = child->as<torch::nn::Conv2d>()) {
      torch::nn::init::kaiming_normal_(conv->weight, 0.0, fan, torch::kReLU);
      if (conv->bias.defined()) conv->bias.zero_();
    } else if (auto* linear = child->as<torch::nn::Linear>()) {
      torch::nn::init::kaiming_normal_(linear->weight, 0.0, fan, torch::kReLU);
      if (linear->bias.defined()) linear->bias.zero_();
    } else if (auto* bn = child->as<torch::nn::BatchNorm2d>()) {
      if (bn->weight.defined()) bn->weight.fill_(1.0);
      if (bn->bias.defined()) bn->bias.zero_();
    }
  }
}

int ResetCellOperations(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  int reset = 0;
  for (const auto& item : module.named_modules(/*name_prefix=*/"",
                                               /*include_self=*/false)) {
    const std::string path = "." + item.key() + ".";
    if (!absl::StrContains(path, ".edges.")) continue;
    torch::nn::Module& child = *item.value();
    if (auto* conv = child.as<torch::nn::Conv2d>()) {
      conv->reset_parameters();
    } else if (auto* linear = child.as<torch::nn::Linear>()) {
      linear->reset_parameters();
    } else if (auto* bn = child.as<torch::nn::BatchNorm2d>()) {
      bn->reset_parameters();
    } else {
      continue;
    }
    ++reset;
  }
  return reset;
}

void RunSeeded(uint64_t seed, const std::function<void()>& fn) {
  static absl::Mutex* const mu = new absl::Mutex();  // never destroyed
  absl::MutexLock lock(mu);
  torch::manual_seed(seed);
  fn();
}

}  // namespace tenas::nn
