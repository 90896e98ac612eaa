// Copyright 2026 The tenas Authors.
//
// batched_backward_rules.h: faster, exact vmap batching rules for the
// backward kernels that dominate the batched NTK (ntk.h, ComputeNtkFast).
//
// The fast NTK runs one backward pass for R cotangents at once under
// functorch's vmap. Its stock batching rules for convolution, batch-norm,
// ReLU and average-pool backward are correct but slow for TE-NAS's tiny
// networks (3-12 channels), where the backward is memory traffic. These
// rules compute the same quantities with large kernels and few passes over
// memory (the plain loops are in backward_kernels.h):
//   - batch-norm backward (train mode): the closed form with per-replica
//     reductions, two passes, the input grad written channels-last;
//   - convolution input grad: one channels-last oneDNN convolution with the
//     flipped kernel over all R*B cotangents (stride 1, "same" padding), else
//     oneDNN's backward-data convolution; left channels-last;
//   - convolution weight grad: the forward input is shared by the R replicas,
//     so all R weight grads are one weight-grad convolution with R*C_out
//     output channels;
//   - ReLU backward (threshold_backward against the ReLU output): masks the
//     cotangents and brings channels-last ones back to NCHW in one pass;
//   - 3x3/stride 1/pad 1 average-pool backward: one pass per plane.
// Channels-last tensors thus flow batch norm -> convolution -> ReLU without
// a separate layout copy; any other consumer reads them through strides.
// They are registered for the FuncTorchBatched dispatch key the first time
// InstallBatchedBackwardRules() runs, replacing functorch's rules for these
// ops in this process. They only ever see vmap-batched calls; each falls
// back to a general (slower, exact) path when its inputs are not of the
// shape it was written for (a batched forward input or weight, CUDA).

#ifndef TENAS_MEASURES_INTERNAL_BATCHED_BACKWARD_RULES_H_
#define TENAS_MEASURES_INTERNAL_BATCHED_BACKWARD_RULES_H_

namespace tenas::measures {

/// Whether this LibTorch has the rules: 1.13 and 2.x (functorch's batching
/// API in ATen; the rules take the argument types of each operator's
/// schema, int[] in 1.13, SymInt[] in 2.x). Without them the fast NTK runs
/// on functorch's stock rules: same values, slower on CPU.
bool BatchedBackwardRulesSupported();

/// Registers the rules once per process (thread-safe, idempotent) when
/// supported. The dispatcher's "overriding a previously registered kernel"
/// warning is expected and suppressed.
void InstallBatchedBackwardRules();

}  // namespace tenas::measures

#endif  // TENAS_MEASURES_INTERNAL_BATCHED_BACKWARD_RULES_H_
