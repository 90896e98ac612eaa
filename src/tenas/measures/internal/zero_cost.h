// Copyright 2026 The tenas Authors.
//
// zero_cost.h: the zero-cost proxies of docs/PROXIES.md on one network and
// one labelled batch, computed from a replay of the network's recorded
// forward (tape_replay.h). Passes that several proxies need run once: one
// forward and backward of the cross-entropy loss serves snip, grad_norm,
// plain, fisher, grasp (with the Hessian-vector product on top), nwot, jacov
// and epe_nas; synflow, Zen-score and ZiCo take their own passes.

#ifndef TENAS_MEASURES_INTERNAL_ZERO_COST_H_
#define TENAS_MEASURES_INTERNAL_ZERO_COST_H_

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "tenas/nn/search_network.h"
#include "tenas/options/measures.h"

namespace tenas::measures::internal {

/// The value a proxy reports when its formula gives no finite number (the
/// log of 0, a correlation of constant rows): the lowest score, as NASLib's
/// zero-cost predictor reports NaN scores.
inline constexpr double kProxySentinel = -1e8;

/// Computes `proxies` (zero-cost proxies only, canonical order) for `net`,
/// which must be able to record its forward (SearchNetwork::
/// CanRecordForward), on `images` [N, 3, H, W] (N >= 2) with class `labels`
/// [N] (int64). `seed` draws Zen-score's Gaussian weights and inputs. The
/// network's parameters are read, never changed (its batch-norm running
/// statistics are, by the recording). Returns one value per proxy, in order.
/// Throws c10::Error on a LibTorch failure.
std::vector<double> ComputeZeroCostProxies(nn::SearchNetwork& net,
                                           const at::Tensor& images,
                                           const at::Tensor& labels,
                                           const std::vector<Measure>& proxies,
                                           uint64_t seed);

}  // namespace tenas::measures::internal

#endif  // TENAS_MEASURES_INTERNAL_ZERO_COST_H_
