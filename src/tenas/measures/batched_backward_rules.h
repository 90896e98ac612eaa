// Copyright 2026 The tenas Authors.
//
// batched_backward_rules.h: faster, exact vmap batching rules for the three
// backward kernels that dominate the batched NTK (ntk.h, ComputeNtkFast).
//
// The fast NTK runs one backward pass for R cotangents at once under
// functorch's vmap. Its stock batching rules for convolution, batch-norm
// and average-pool backward are correct but slow for TE-NAS's tiny
// networks (3-12 channels). These rules compute the same quantities with
// large kernels instead:
//   - convolution input grad: one channels-last oneDNN convolution with the
//     flipped kernel over all R*B cotangents (stride 1, "same" padding), else
//     one transposed convolution;
//   - convolution weight grad: the forward input is shared by the R replicas,
//     so all R weight grads are one weight-grad convolution with R*C_out
//     output channels;
//   - batch-norm backward (train mode): the closed form with per-replica
//     reductions, in two passes over the cotangents;
//   - 3x3/stride 1/pad 1 average-pool backward: a depthwise channels-last
//     convolution of the divisor-scaled cotangents.
// They are registered for the FuncTorchBatched dispatch key the first time
// InstallBatchedBackwardRules() runs, replacing functorch's rules for these
// ops in this process. They only ever see vmap-batched calls; each falls
// back to a per-replica loop over the ATen kernel when its inputs are not
// of the shape it was written for (a batched forward input or weight).

#ifndef TENAS_MEASURES_BATCHED_BACKWARD_RULES_H_
#define TENAS_MEASURES_BATCHED_BACKWARD_RULES_H_

namespace tenas::measures {

/// Whether this LibTorch is one the rules were written for (1.13: their C++
/// signatures must match the operator schemas). With another version the
/// fast NTK runs on functorch's stock rules: same values, slower on CPU.
bool BatchedBackwardRulesSupported();

/// Registers the rules once per process (thread-safe, idempotent) when
/// supported. The dispatcher's "overriding a previously registered kernel"
/// warning is expected and suppressed.
void InstallBatchedBackwardRules();

}  // namespace tenas::measures

#endif  // TENAS_MEASURES_BATCHED_BACKWARD_RULES_H_
