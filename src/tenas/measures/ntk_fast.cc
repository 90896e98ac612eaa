// Copyright 2026 The tenas Authors.
//
// ntk_fast.cc: the batched NTK. Row b of the NTK Jacobian is the gradient of
// Σ_k logits[b, k], i.e. the vector-Jacobian product of the forward with the
// one-hot cotangent e_b ⊗ 1. The backward is linear in the cotangent, so R
// such products run as one backward pass under functorch's vmap: the engine
// walks the graph once and every backward kernel sees all R cotangents.
// The forward is the reference path's forward (same call, same values); the
// train-mode batch-norm couplings are in the graph, so the rows are exact.
// On CPU each (network, R rows) pass is a task, and with more than one
// LibTorch thread the tasks run concurrently (RunTasksOnThreads).

#include <ATen/Parallel.h>
#include <ATen/functorch/BatchedTensorImpl.h>
#include <ATen/functorch/DynamicLayer.h>
#include <torch/version.h>

#include <algorithm>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "tenas/measures/internal/batched_backward_rules.h"
#include "tenas/measures/internal/ntk_explicit.h"
#include "tenas/measures/internal/task_threads.h"
#include "tenas/measures/ntk.h"
#include "tenas/util/status_macros.h"

namespace tenas::measures {
namespace {

namespace ft = at::functorch;

// A vmap layer of `batch_size` on the calling thread for the lifetime of the
// object. functorch's own push (initAndPushDynamicLayer) also records the
// level in a process-wide map without a lock, keyed by the stack depth, so
// two threads running vmap at once collide there (an internal assert in
// LibTorch 1.13). A vmap layer does not need that record (only grad
// transforms look levels up in it), so this installs the calling thread's
// one-layer stack directly: level 1, as functorch would number it.
// Precondition: no functorch transform is active on this thread.
class VmapLevel {
 public:
  static constexpr int64_t kLevel = 1;
  explicit VmapLevel(int64_t batch_size) {
#if TORCH_VERSION_MAJOR >= 2
    const c10::SymInt size(batch_size);  // 2.x takes a SymInt batch size
#else
    const int64_t size = batch_size;
#endif
    ft::setDynamicLayerStack({ft::DynamicLayer(
        ft::TransformType::Vmap, kLevel, size, ft::RandomnessType::Error)});
    ft::setDynamicLayerFrontBackKeysIncluded(true);
  }
  ~VmapLevel() {
    ft::setDynamicLayerStack({});
    ft::setDynamicLayerFrontBackKeysIncluded(false);
  }
  VmapLevel(const VmapLevel&) = delete;
  VmapLevel& operator=(const VmapLevel&) = delete;
  int64_t level() const { return kLevel; }
};

// The physical [R, ...] tensor behind a gradient returned under vmap; a
// gradient that does not depend on the cotangent comes back unbatched.
at::Tensor Unbatch(const at::Tensor& grad, int64_t level, int64_t replicas) {
  const auto* impl = ft::maybeGetBatchedImpl(grad);
  if (impl == nullptr || impl->level() != level) {
    return grad.unsqueeze(0).expand([&] {
      std::vector<int64_t> s{replicas};
      s.insert(s.end(), grad.sizes().begin(), grad.sizes().end());
      return s;
    }());
  }
  return impl->value().movedim(impl->bdim(), 0);
}

// Rows per pass for networks whose batches hold `batch_entries` entries and
// whose weights hold `param_entries`: the default, capped by the budget.
int64_t ReplicasPerPass(const NtkOptions& options, const at::Tensor& batch,
                        int64_t batch_entries, int64_t param_entries) {
  const int64_t B = batch.size(0);
  int64_t r = options.replicas_per_pass > 0 ? options.replicas_per_pass
              : batch.is_cuda()             ? B
                                            : 4;
  const int64_t per_row = FastNtkBytesPerRow(
      batch_entries, param_entries, static_cast<int64_t>(batch.element_size()));
  if (options.max_memory_bytes > 0 && per_row > 0) {
    r = std::min(r, std::max<int64_t>(1, options.max_memory_bytes / per_row));
  }
  return std::clamp<int64_t>(r, 1, B);
}

}  // namespace

int64_t FastNtkBytesPerRow(int64_t batch_entries, int64_t param_entries,
                           int64_t element_bytes) {
  return (16 * batch_entries + param_entries) * element_bytes;
}

absl::StatusOr<std::vector<NtkResult>> ComputeNtkFastJoint(
    const std::vector<NtkInput>& inputs, const NtkOptions& options) {
  if (inputs.empty()) {
    return absl::InvalidArgumentError("nets: no network to evaluate");
  }
  for (const NtkInput& in : inputs) {
    if (in.net == nullptr) {
      return absl::InvalidArgumentError("nets: null network");
    }
    if (!in.batch.defined() || in.batch.dim() != 4 || in.batch.size(0) < 1) {
      return absl::InvalidArgumentError(
          "batch: NTK needs a non-empty [B, C, H, W] batch");
    }
    if (in.batch.size(0) != inputs[0].batch.size(0)) {
      return absl::InvalidArgumentError(
          "batch: the networks' batches differ in size");
    }
  }
  if (options.explicit_backward && ExplicitBackwardApplies(inputs)) {
    // Rows per pass and threads as the vmap path below plans them.
    int threads = at::in_parallel_region() ? 1 : at::get_num_threads();
    if (options.max_parallel_passes > 0) {
      threads = std::min(threads, options.max_parallel_passes);
    }
    int64_t max_net_entries = 0, max_batch_entries = 0;
    for (const NtkInput& in : inputs) {
      int64_t entries = 0;
      for (const at::Tensor& p : in.net->WeightParameters()) {
        entries += p.numel();
      }
      max_net_entries = std::max(max_net_entries, entries);
      max_batch_entries = std::max(max_batch_entries, in.batch.numel());
    }
    const int64_t R =
        ReplicasPerPass(options, inputs[0].batch, max_batch_entries * threads,
                        max_net_entries * threads);
    return ComputeNtkExplicitJoint(inputs, options, R, threads);
  }
  InstallBatchedBackwardRules();
  if (ft::maybeCurrentDynamicLayer().has_value()) {  // a transform is active
    return absl::FailedPreconditionError(
        "fast NTK cannot run inside another functorch transform");
  }
  try {
    const size_t n_nets = inputs.size();
    // One forward per network; the graphs are disjoint (no shared
    // parameters), so a backward call over several of them gives each
    // network's own rows.
    std::vector<at::Tensor> logits;
    std::vector<at::Tensor> params;  // all networks, concatenated
    std::vector<size_t> first_param(n_nets + 1, 0);
    int64_t all_entries = 0, batch_entries = 0;
    int64_t max_net_entries = 0, max_batch_entries = 0;
    for (size_t i = 0; i < n_nets; ++i) {
      nn::SearchNetwork* net = inputs[i].net;
      net->train();
      int64_t net_entries = 0;
      for (const at::Tensor& p : net->WeightParameters()) {
        params.push_back(p);
        net_entries += p.numel();
      }
      all_entries += net_entries;
      max_net_entries = std::max(max_net_entries, net_entries);
      first_param[i + 1] = params.size();
      logits.push_back(net->forward(inputs[i].batch));
      batch_entries += inputs[i].batch.numel();
      max_batch_entries = std::max(max_batch_entries, inputs[i].batch.numel());
    }
    const int64_t B = logits[0].size(0), K = logits[0].size(1);
    for (const at::Tensor& l : logits) {
      if (l.size(0) != B || l.size(1) != K) {
        return absl::InvalidArgumentError(
            "nets: the networks' logits differ in shape");
      }
    }
    // The work is split into tasks of one backward pass each: on CPU one
    // network's rows start .. start+R-1 (tasks of different networks and
    // passes are independent, so they spread over the threads), on CUDA
    // those rows of every network in one pass (the device wants big
    // passes). The memory budget covers the passes in flight at once.
    const bool per_network = !inputs[0].batch.is_cuda();
    int threads = at::in_parallel_region() ? 1 : at::get_num_threads();
    if (options.max_parallel_passes > 0) {
      threads = std::min(threads, options.max_parallel_passes);
    }
    const int64_t R = per_network ? ReplicasPerPass(options, inputs[0].batch,
                                                    max_batch_entries * threads,
                                                    max_net_entries * threads)
                                  : ReplicasPerPass(options, inputs[0].batch,
                                                    batch_entries, all_entries);
    const int64_t passes = (B + R - 1) / R;
    const int64_t tasks = per_network ? passes * n_nets : passes;
    std::vector<at::Tensor> G(n_nets);  // [B, P_i], allocated by the first
    absl::Mutex g_mu;                   // task done for network i
    const auto run_task = [&](int64_t task) -> absl::Status {
      if (options.cancel != nullptr &&
          options.cancel->load(std::memory_order_relaxed)) {
        return absl::CancelledError("NTK evaluation cancelled");
      }
      const int64_t start = (per_network ? task / n_nets : task) * R;
      const size_t net_begin = per_network ? task % n_nets : 0;
      const size_t net_end = per_network ? net_begin + 1 : n_nets;
      const int64_t rows = std::min(R, B - start);
      // Cotangent r is all ones on the logits of sample start + r.
      at::Tensor cotangents = at::zeros({rows, B, K}, logits[0].options());
      cotangents.narrow(1, start, rows)
          .diagonal(0, 0, 1)
          .fill_(1);  // [rows, rows, K] diagonal over (replica, sample)
      std::vector<at::Tensor> grads;
      {
        VmapLevel vmap(rows);
        const at::Tensor batched = ft::addBatchDim(cotangents, 0, vmap.level());
        const std::vector<at::Tensor> outputs(logits.begin() + net_begin,
                                              logits.begin() + net_end);
        const std::vector<at::Tensor> wrt(
            params.begin() + first_param[net_begin],
            params.begin() + first_param[net_end]);
        grads = torch::autograd::grad(
            outputs, wrt, std::vector<at::Tensor>(net_end - net_begin, batched),
            /*retain_graph=*/true, /*create_graph=*/false,
            /*allow_unused=*/true);
        for (at::Tensor& g : grads) {
          if (g.defined()) g = Unbatch(g, vmap.level(), rows);
        }
      }
      for (size_t i = net_begin; i < net_end; ++i) {
        const auto begin =
            grads.begin() + (first_param[i] - first_param[net_begin]);
        const auto end =
            grads.begin() + (first_param[i + 1] - first_param[net_begin]);
        int64_t P = 0;
        for (auto g = begin; g != end; ++g) {
          if (g->defined()) P += g->numel() / rows;
        }
        at::Tensor rows_of_g;
        {
          absl::MutexLock lock(&g_mu);
          if (!G[i].defined()) G[i] = at::empty({B, P}, logits[i].options());
          rows_of_g = G[i].narrow(0, start, rows);
        }
        if (P != rows_of_g.size(1)) {
          return absl::InternalError(
              "NTK evaluation failed: the set of used parameters changed "
              "between backward passes");
        }
        int64_t offset = 0;
        for (auto g = begin; g != end; ++g) {
          if (!g->defined()) continue;
          const int64_t n = g->numel() / rows;
          rows_of_g.narrow(1, offset, n).copy_(g->reshape({rows, n}));
          offset += n;
        }
      }
      return absl::OkStatus();
    };
    // Tasks write disjoint rows of G, so with more than one LibTorch thread
    // they run concurrently on the shared graphs (LibTorch serialises each
    // autograd node's apply, so passes of one network pipeline through
    // it). Every task computes the same bits on whichever thread runs it.
    TENAS_RETURN_IF_ERROR(RunTasksOnThreads(tasks, threads, run_task));
    std::vector<NtkResult> results;
    for (size_t i = 0; i < n_nets; ++i) {
      results.push_back(NtkFromRows(G[i], options, passes));
    }
    return results;
  } catch (const std::exception& e) {
    return NtkFailureStatus(e);
  }
}

absl::StatusOr<std::vector<NtkResult>> ComputeNtkFastJoint(
    const std::vector<nn::SearchNetwork*>& nets, const at::Tensor& batch,
    const NtkOptions& options) {
  std::vector<NtkInput> inputs;
  inputs.reserve(nets.size());
  for (nn::SearchNetwork* net : nets) inputs.push_back({net, batch});
  return ComputeNtkFastJoint(inputs, options);
}

absl::StatusOr<NtkResult> ComputeNtkFast(nn::SearchNetwork& net,
                                         const at::Tensor& batch,
                                         const NtkOptions& options) {
  auto results = ComputeNtkFastJoint({{&net, batch}}, options);
  if (!results.ok()) return results.status();
  return std::move(results->front());
}

}  // namespace tenas::measures
