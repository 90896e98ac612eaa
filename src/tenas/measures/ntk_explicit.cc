// Copyright 2026 The tenas Authors.
//
// ntk_explicit.cc: the fast NTK over recorded forwards (see
// internal/ntk_explicit.h). One forward per network, recorded on a tape;
// then per task (network, rows start .. start+R-1) one TapeBackward sweep
// whose parameter grads are copied into that network's rows of G [B, P].
// P counts the weights the backward reaches, in WeightParameters() order,
// as the reference path's allow_unused gradient does.

#include "tenas/measures/internal/ntk_explicit.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "tenas/measures/internal/tape_backward.h"
#include "tenas/measures/internal/task_threads.h"
#include "tenas/nn/forward_tape.h"
#include "tenas/util/status_macros.h"

namespace tenas::measures {
namespace {

// One network's recorded forward and where each reached tape parameter's
// gradient goes in a row of G.
struct RecordedNetwork {
  nn::ForwardTape tape;
  int logits = -1;
  std::vector<int64_t> column;  // per tape parameter; -1: not in G
  int64_t P = 0;
  at::Tensor G;  // [B, P]
};

void PlanColumns(nn::SearchNetwork& net, RecordedNetwork& rec) {
  const std::vector<bool> reached = TapeReachedParams(rec.tape, rec.logits);
  const auto& tape_params = rec.tape.params();
  rec.column.assign(tape_params.size(), -1);
  for (const at::Tensor& p : net.WeightParameters()) {
    for (size_t i = 0; i < tape_params.size(); ++i) {
      if (tape_params[i].unsafeGetTensorImpl() != p.unsafeGetTensorImpl()) {
        continue;
      }
      if (reached[i] && rec.column[i] < 0) {
        rec.column[i] = rec.P;
        rec.P += p.numel();
      }
    }
  }
}

}  // namespace

bool ExplicitBackwardApplies(const std::vector<NtkInput>& inputs) {
  return std::all_of(inputs.begin(), inputs.end(), [](const NtkInput& in) {
    return in.net != nullptr && in.net->CanRecordForward() &&
           in.batch.device().is_cpu();
  });
}

absl::StatusOr<std::vector<NtkResult>> ComputeNtkExplicitJoint(
    const std::vector<NtkInput>& inputs, const NtkOptions& options,
    int64_t rows_per_pass, int threads) {
  try {
    const size_t n_nets = inputs.size();
    std::vector<std::unique_ptr<RecordedNetwork>> nets;
    for (const NtkInput& in : inputs) {
      auto rec = std::make_unique<RecordedNetwork>();
      in.net->train();
      rec->logits = in.net->RecordForward(rec->tape, in.batch);
      PlanColumns(*in.net, *rec);
      nets.push_back(std::move(rec));
    }
    const at::Tensor& first = nets[0]->tape.value(nets[0]->logits);
    const int64_t B = first.size(0), K = first.size(1);
    for (const auto& rec : nets) {
      const at::Tensor& l = rec->tape.value(rec->logits);
      if (l.size(0) != B || l.size(1) != K) {
        return absl::InvalidArgumentError(
            "nets: the networks' logits differ in shape");
      }
      rec->G = at::empty({B, rec->P}, l.options());
    }
    const int64_t R = std::clamp<int64_t>(rows_per_pass, 1, B);
    const int64_t passes = (B + R - 1) / R;
    const auto run_task = [&](int64_t task) -> absl::Status {
      if (options.cancel != nullptr &&
          options.cancel->load(std::memory_order_relaxed)) {
        return absl::CancelledError("NTK evaluation cancelled");
      }
      RecordedNetwork& rec = *nets[task % n_nets];
      const int64_t start = (task / n_nets) * R;
      const int64_t rows = std::min(R, B - start);
      const std::vector<at::Tensor> grads =
          TapeBackward(rec.tape, rec.logits, start, rows);
      at::Tensor rows_of_g = rec.G.narrow(0, start, rows);
      for (size_t i = 0; i < grads.size(); ++i) {
        if (rec.column[i] < 0) continue;
        if (!grads[i].defined()) {
          return absl::InternalError(
              "NTK evaluation failed: a reached weight got no gradient");
        }
        rows_of_g.narrow(1, rec.column[i], grads[i].size(1)).copy_(grads[i]);
      }
      return absl::OkStatus();
    };
    TENAS_RETURN_IF_ERROR(RunTasksOnThreads(
        passes * static_cast<int64_t>(n_nets), threads, run_task));
    std::vector<NtkResult> results;
    for (const auto& rec : nets) {
      results.push_back(NtkFromRows(rec->G, options, passes));
    }
    return results;
  } catch (const std::exception& e) {
    return NtkFailureStatus(e);
  }
}

}  // namespace tenas::measures
