// Copyright 2026 The tenas Authors.
//
// ntk.h: condition number of the neural tangent kernel (docs/ALGORITHM.md §3).
//
// ComputeNtkReference is the straightforward, literal implementation of the
// shipped code (one batched train-mode forward, then one backward per sample)
// and stays as the oracle that faster paths are tested against.
// ComputeNtkFast gives the same rows from a few batched backward passes
// (functorch vmap over one-hot cotangents, see batched_backward_rules.h);
// ComputeNtk picks one of the two.

#ifndef TENAS_MEASURES_NTK_H_
#define TENAS_MEASURES_NTK_H_

#include <ATen/core/Tensor.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tenas/nn/search_network.h"
#include "tenas/options/ntk_method.h"

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
  /// Fast path: rows per batched backward pass; 0 picks a default (4 on
  /// CPU, where small passes stay in cache; all B on CUDA), always capped
  /// by max_memory_bytes.
  int replicas_per_pass = 0;
  /// Fast path: budget of the passes in flight, by the estimate
  /// FastNtkBytesPerRow per row, P counting every network of a joint call;
  /// <= 0: none. At least one row runs. Scores and searches plan their
  /// passes with the whole evaluation's estimate instead
  /// (options/memory_estimate.h) and set 0 here.
  int64_t max_memory_bytes = kDefaultNtkMaxMemoryBytes;
  /// Fast path on CPU: backward passes running at once, at most the
  /// LibTorch threads; 0: as many as the threads.
  int max_parallel_passes = 0;
  /// Fast path on CPU: write the backward out per operation over a recorded
  /// forward (internal/tape_backward.h) for the networks that can record
  /// theirs (the TE-NAS supernets); false: the vmap-batched autograd
  /// backward (the previous fast path, kept for comparison). Same rows up
  /// to float rounding either way.
  bool explicit_backward = true;
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
  /// Backward passes run (B for the reference path).
  int64_t backward_passes = 0;
};

/// numpy.nan_to_num(x, nan=100000.0) for a float64 scalar.
double NanToNumKappa(double x);

/// κ from a symmetric Gram matrix: eigvalsh on the upper triangle, ascending;
/// κ = λmax/λmin computed in the Gram's precision, then nan_to_num.
NtkResult KappaFromGram(const at::Tensor& gram);

/// The NTK result of per-sample gradient rows G [B, P]: Gram G·Gᵀ (in
/// float64 when `options.fp64`), κ, P, and the Gram itself with keep_gram.
NtkResult NtkFromRows(const at::Tensor& rows, const NtkOptions& options,
                      int64_t backward_passes);

/// INTERNAL status for an exception thrown inside an NTK computation
/// (c10::Error without its backtrace).
absl::Status NtkFailureStatus(const std::exception& e);

/// Reference NTK of `net` (put in train mode) on `batch` [B, C, H, W]:
/// per-sample gradients of the row sums of the logits with respect to every
/// parameter whose name contains "weight" and that is used, Gram G·Gᵀ.
/// Errors: empty batch, cancellation, LibTorch failures (as INTERNAL).
absl::StatusOr<NtkResult> ComputeNtkReference(nn::SearchNetwork& net,
                                              const at::Tensor& batch,
                                              const NtkOptions& options = {});

/// Fast NTK: the same quantity as ComputeNtkReference (same forward, same
/// rows, Gram and κ up to float rounding in the backward), with the rows of
/// R samples from one vmap-batched backward pass of one-hot cotangents.
/// Errors as ComputeNtkReference; cancellation is checked between passes.
absl::StatusOr<NtkResult> ComputeNtkFast(nn::SearchNetwork& net,
                                         const at::Tensor& batch,
                                         const NtkOptions& options = {});

/// One network of a joint fast NTK call and the batch [B, C, H, W] it sees.
struct NtkInput {
  nn::SearchNetwork* net = nullptr;  // not owned
  at::Tensor batch;
};

/// The fast NTK of several networks at once (a search's origin and
/// candidate, several candidates of a round, or a score's repeats). Each
/// network has its own batch; all batches have the same B and all logits
/// the same shape. The networks must not share parameters (their graphs
/// must be disjoint). On CPU every (network, group of rows) backward pass
/// is a task, and the tasks run on at::get_num_threads() threads (each task
/// on one LibTorch thread); on CUDA each pass covers every network, and the
/// memory budget covers them all together. Results are in the order of
/// `inputs` and equal those of separate ComputeNtkFast calls up to float
/// rounding (bit-equal when the rows per pass are the same). The passes
/// compute the same bits on any thread; only the forward (oneDNN's
/// convolutions) may round differently with another thread count.
absl::StatusOr<std::vector<NtkResult>> ComputeNtkFastJoint(
    const std::vector<NtkInput>& inputs, const NtkOptions& options = {});

/// ComputeNtkFastJoint with one batch shared by every network of `nets`.
absl::StatusOr<std::vector<NtkResult>> ComputeNtkFastJoint(
    const std::vector<nn::SearchNetwork*>& nets, const at::Tensor& batch,
    const NtkOptions& options = {});

/// Estimated bytes per row of a batched fast-NTK pass over networks whose
/// batches hold `batch_entries` entries in all and whose weights hold
/// `param_entries` entries in all, at `element_bytes` per entry: the
/// estimate behind NtkOptions::max_memory_bytes.
int64_t FastNtkBytesPerRow(int64_t batch_entries, int64_t param_entries,
                           int64_t element_bytes);

/// ComputeNtkFast or ComputeNtkReference.
absl::StatusOr<NtkResult> ComputeNtk(NtkMethod method, nn::SearchNetwork& net,
                                     const at::Tensor& batch,
                                     const NtkOptions& options = {});

}  // namespace tenas::measures

#endif  // TENAS_MEASURES_NTK_H_
