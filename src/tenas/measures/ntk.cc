// Copyright 2026 The tenas Authors.

#include "tenas/measures/ntk.h"

#include <cmath>
#include <limits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tenas/measures/internal/conv_kernels.h"

namespace tenas::measures {

NtkResult NtkFromRows(const at::Tensor& rows, const NtkOptions& options,
                      int64_t backward_passes) {
  const at::Tensor G =
      (options.fp64 ? rows.to(torch::kFloat64) : rows).contiguous();
  at::Tensor gram;
  if (G.device().is_cpu() && (G.scalar_type() == torch::kFloat32 ||
                              G.scalar_type() == torch::kFloat64)) {
    // Our vector loop: Debian's reference BLAS took 5 % of a fast NTK.
    gram = at::empty({G.size(0), G.size(0)}, G.options());
    AT_DISPATCH_FLOATING_TYPES(G.scalar_type(), "tenas_gram", [&] {
      kernels::RowGram<scalar_t>(G.data_ptr<scalar_t>(), G.size(0), G.size(1),
                                 gram.data_ptr<scalar_t>());
    });
  } else {
    gram = G.mm(G.t());
  }
  NtkResult result = KappaFromGram(gram);
  result.num_gradient_entries = G.size(1);
  result.backward_passes = backward_passes;
  if (options.keep_gram) result.gram = gram;
  return result;
}

absl::Status NtkFailureStatus(const std::exception& e) {
  if (const auto* error = dynamic_cast<const c10::Error*>(&e)) {
    return absl::InternalError(
        absl::StrCat("NTK evaluation failed in LibTorch: ",
                     error->what_without_backtrace()));
  }
  return absl::InternalError(absl::StrCat("NTK evaluation failed: ", e.what()));
}

absl::StatusOr<NtkResult> ComputeNtk(NtkMethod method, nn::SearchNetwork& net,
                                     const at::Tensor& batch,
                                     const NtkOptions& options) {
  return method == NtkMethod::kFast ? ComputeNtkFast(net, batch, options)
                                    : ComputeNtkReference(net, batch, options);
}

double NanToNumKappa(double x) {
  if (std::isnan(x)) return kNanKappa;
  if (std::isinf(x)) {
    return x > 0 ? std::numeric_limits<double>::max()
                 : std::numeric_limits<double>::lowest();
  }
  return x;
}

NtkResult KappaFromGram(const at::Tensor& gram) {
  NtkResult result;
  at::Tensor eig = torch::linalg_eigvalsh(gram, "U");
  const int64_t n = eig.size(0);
  if (gram.scalar_type() == torch::kFloat64) {
    const double lo = eig[0].item<double>();
    const double hi = eig[n - 1].item<double>();
    result.lambda_min = lo;
    result.lambda_max = hi;
    result.kappa_raw = hi / lo;
    result.kappa = NanToNumKappa(result.kappa_raw);
  } else {
    const float lo = eig[0].item<float>();
    const float hi = eig[n - 1].item<float>();
    result.lambda_min = lo;
    result.lambda_max = hi;
    const float kappa = hi / lo;  // float32 division, as the original
    result.kappa_raw = static_cast<double>(kappa);
    result.kappa = NanToNumKappa(result.kappa_raw);
  }
  return result;
}

absl::StatusOr<NtkResult> ComputeNtkReference(nn::SearchNetwork& net,
                                              const at::Tensor& batch,
                                              const NtkOptions& options) {
  if (!batch.defined() || batch.dim() != 4 || batch.size(0) < 1) {
    return absl::InvalidArgumentError(
        "batch: NTK needs a non-empty [B, C, H, W] batch");
  }
  try {
    net.train();
    std::vector<at::Tensor> params = net.WeightParameters();
    const at::Tensor logits = net.forward(batch);
    const int64_t B = logits.size(0);
    std::vector<at::Tensor> rows;
    rows.reserve(B);
    for (int64_t b = 0; b < B; ++b) {
      if (options.cancel != nullptr &&
          options.cancel->load(std::memory_order_relaxed)) {
        return absl::CancelledError("NTK evaluation cancelled");
      }
      std::vector<at::Tensor> grads =
          torch::autograd::grad({logits[b].sum()}, params, /*grad_outputs=*/{},
                                /*retain_graph=*/true, /*create_graph=*/false,
                                /*allow_unused=*/true);
      std::vector<at::Tensor> flat;
      flat.reserve(grads.size());
      for (const at::Tensor& g : grads) {
        if (g.defined()) flat.push_back(g.reshape({-1}));
      }
      rows.push_back(torch::cat(flat));
    }
    return NtkFromRows(torch::stack(rows), options, B);
  } catch (const std::exception& e) {
    return NtkFailureStatus(e);
  }
}

}  // namespace tenas::measures
