// Copyright 2026 The tenas Authors.
//
// linear_regions.h: number of linear regions R (docs/ALGORITHM.md §4): the
// number of distinct ReLU activation patterns over the samples of a few
// batches.

#ifndef TENAS_MEASURES_LINEAR_REGIONS_H_
#define TENAS_MEASURES_LINEAR_REGIONS_H_

#include <ATen/core/Tensor.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "tenas/nn/search_network.h"

namespace tenas::measures {

struct LinearRegionResult {
  /// Distinct activation patterns, at most the number of samples.
  int64_t regions = 0;
  /// Pattern length: scalar outputs of every executed ReLU per sample.
  int64_t num_columns = 0;
  int64_t num_samples = 0;
};

/// Number of distinct rows of a [N, d] 0/1 (bool or uint8) matrix. Rows are
/// bit-packed into 64-bit words and inserted into a hash set; O(N · d/64).
int64_t CountDistinctRows(const at::Tensor& bits);

/// Forwards every batch through `net` in train mode without gradients,
/// records sign(ReLU output) > 0 over all executed ReLUs and counts distinct
/// patterns over all samples of all batches together.
/// Errors: no batches, cancellation, LibTorch failures (INTERNAL).
absl::StatusOr<LinearRegionResult> CountLinearRegions(
    nn::SearchNetwork& net, const std::vector<at::Tensor>& batches,
    const std::atomic<bool>* cancel = nullptr);

}  // namespace tenas::measures

#endif  // TENAS_MEASURES_LINEAR_REGIONS_H_
