// Copyright 2026 The tenas Authors.
//
// init.h: weight initialisation of the TE-NAS networks (docs/ALGORITHM.md §3.6;
// the InitMode option is in options/init_mode.h) and reproducible, thread-safe
// seeding of network construction.

#ifndef TENAS_NN_INIT_H_
#define TENAS_NN_INIT_H_

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>

#include "tenas/options/init_mode.h"

namespace tenas::nn {

/// Kaiming-normal fan mode used by ApplyKaimingInit.
enum class FanMode { kFanIn, kFanOut };

/// Re-draws every conv and linear weight from kaiming_normal(mode, relu),
/// zeroes their biases and resets BN to gamma 1, beta 0, using the global
/// torch generator. Call it inside RunSeeded().
void ApplyKaimingInit(torch::nn::Module& module, FanMode mode);

/// Re-draws, with PyTorch's default initialisation (each layer's
/// reset_parameters(): Kaiming-uniform conv and linear weights, BN gamma 1,
/// beta 0 and fresh running statistics), every conv, linear and batch-norm
/// layer of the cells' candidate operations: the modules under a child named
/// "edges" (the NB201 and DARTS supernets register their cell ops there).
/// The stem, the DARTS preprocessing, the NB201 residual blocks and the head
/// keep their weights. Returns the number of layers re-drawn. Uses the
/// global torch generator: call it inside RunSeeded().
int ResetCellOperations(torch::nn::Module& module);

/// Runs `fn` while holding the process-wide construction lock, with the
/// global torch generator seeded to `seed` (torch::manual_seed). Network
/// construction and re-initialisation go through here so that they are
/// reproducible from the seed whichever thread runs them. A network built
/// after seed s has exactly the weights the original Python code gets after
/// torch.manual_seed(s).
void RunSeeded(uint64_t seed, const std::function<void()>& fn);

}  // namespace tenas::nn

#endif  // TENAS_NN_INIT_H_
