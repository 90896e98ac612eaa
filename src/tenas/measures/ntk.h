// Copyright 2026 The tenas Authors.
//
// ntk.h: condition number of the neural tangent kernel (spec §3).
//
// ComputeNtkReference is the straightforward, literal implementation of the
// shipped code (one batched train-mode forward, then one backward per sample)
// and stays as the oracle that faster paths are tested against.

#ifndef TENAS_MEASURES_NTK_H_
#define TENAS_MEASURES_NTK_H_

#include <ATen/core/Tensor.h>

#include <atomic>
#include <cstdint>

#include "absl/status/statusor.h"
#include "tenas/nn/search_network.h"

namespace tenas::measures {

/// κ value substituted for NaN, as numpy.nan_to_num(nan=100000) does.
inline constexpr double kNanKappa = 100000.0;

struct NtkOptions {
  /// Gram matrix and eigenvalues in float64 instead of the original float32.
  bool fp64 = false;
  /// Keep the Gram matrix in the result (tests, diagnostics).
  bool keep_gram = false;
  /// Checked between backward passes; when it becomes true the computation
  /// stops with a CANCELLED status. May be null.
  const std::atomic<bool>* cancel = nullptr;
};

struct NtkResult {
  /// λmax / λmin after nan_to_num (NaN -> 1e5, ±inf -> ±DBL_MAX).
  double kappa = 0;
  /// λmax / λmin as computed, before nan_to_num (may be NaN or ±inf).
  double kappa_raw = 0;
  double lambda_min = 0;
  double lambda_max = 0;
  /// P: entries of one per-sample gradient row.
  int64_t num_gradient_entries = 0;
  /// B x B Gram matrix (only with keep_gram).
  at::Tensor gram;
};

/// numpy.nan_to_num(x, nan=100000.0) for a float64 scalar.
double NanToNumKappa(double x);

/// κ from a symmetric Gram matrix: eigvalsh on the upper triangle, ascending;
/// κ = λmax/λmin computed in the Gram's precision, then nan_to_num.
NtkResult KappaFromGram(const at::Tensor& gram);

/// Reference NTK of `net` (put in train mode) on `batch` [B, C, H, W]:
/// per-sample gradients of the row sums of the logits with respect to every
/// parameter whose name contains "weight" and that is used, Gram G·Gᵀ.
/// Errors: empty batch, cancellation, LibTorch failures (as INTERNAL).
absl::StatusOr<NtkResult> ComputeNtkReference(nn::SearchNetwork& net,
                                              const at::Tensor& batch,
                                              const NtkOptions& options = {});

}  // namespace tenas::measures

#endif  // TENAS_MEASURES_NTK_H_
