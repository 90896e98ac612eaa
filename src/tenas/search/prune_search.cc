// Copyright 2026 The tenas Authors.

#include "tenas/search/prune_search.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "tenas/data/transforms.h"
#include "tenas/engine/exception_status.h"
#include "tenas/measures/internal/zero_cost.h"
#include "tenas/measures/linear_regions.h"
#include "tenas/measures/ntk.h"
#include "tenas/nn/init.h"
#include "tenas/options/datasets.h"
#include "tenas/options/memory_estimate.h"
#include "tenas/search/space_adapter.h"
#include "tenas/util/rng.h"
#include "tenas/util/status_macros.h"

namespace tenas::search {
namespace {

// Stream ids of DeriveSeed(seed, {round, stream, candidate, repeat}).
enum Stream : uint64_t {
  kNtkWeights = 11,
  kNtkData = 12,
  kLrWeights = 13,
  kLrData = 14,
  kNtkPaperInit = 15,
  kLrPaperInit = 16,
  kEdgeStageNtkWeights = 17,
  // Robust mode: DeriveSeed(seed, {round, stream, repeat}), or for the NTK
  // weights DeriveSeed(ntk_weight_seed, {stream, repeat}).
  kRobustNtkWeights = 21,
  kRobustNtkData = 22,
  kRobustNtkPaperInit = 23,
  kRobustLrWeights = 24,
  kRobustLrData = 25,
  kRobustLrPaperInit = 26,
  // Zero-cost proxies (SearchOptions::measures): faithful mode per
  // (candidate, repeat), robust mode per repeat.
  kProxyWeights = 31,
  kProxyData = 32,
  kProxyRandom = 33,
  kRobustProxyWeights = 34,
  kRobustProxyData = 35,
  kRobustProxyRandom = 36,
};

// The zero-cost proxies a search ranks with: SearchOptions::measures without
// κ and R, in order.
std::vector<measures::Measure> SearchProxies(const SearchOptions& o) {
  std::vector<measures::Measure> out;
  for (measures::Measure m : o.measures) {
    if (measures::IsZeroCostProxy(m)) out.push_back(m);
  }
  return out;
}

// Whether κ and R count in the rank sum.
RankedMeasures RankedOf(const SearchOptions& o) {
  RankedMeasures ranked;
  ranked.kappa = std::find(o.measures.begin(), o.measures.end(),
                           measures::Measure::kNtk) != o.measures.end();
  ranked.regions = std::find(o.measures.begin(), o.measures.end(),
                             measures::Measure::kRegions) != o.measures.end();
  return ranked;
}

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool IsCancelled(const std::atomic<bool>* cancel) {
  return cancel != nullptr && cancel->load(std::memory_order_relaxed);
}

// Everything a round's evaluation needs; shared read-only by the workers,
// except the event sink and counters, which are synchronised.
class SearchContext {
 public:
  SearchContext(const data::ImageDataset& dataset, const SearchOptions& options,
                const SearchEventCallback& on_event)
      : dataset_(dataset),
        options_(options),
        adapter_(GetSpaceAdapter(options.space)),
        on_event_(on_event),
        start_(Clock::now()) {}

  const data::ImageDataset& dataset() const { return dataset_; }
  const SearchOptions& options() const { return options_; }
  const SpaceAdapter& adapter() const { return adapter_; }
  double elapsed() const { return Since(start_); }

  void Emit(SearchEvent event) {
    if (!on_event_) return;
    event.seconds = elapsed();
    absl::MutexLock lock(&mu_);
    on_event_(event);
  }

  std::atomic<int64_t> ntk_evaluations{0};
  std::atomic<int64_t> lr_evaluations{0};

 private:
  const data::ImageDataset& dataset_;
  const SearchOptions& options_;
  const SpaceAdapter& adapter_;
  const SearchEventCallback& on_event_;
  const Clock::time_point start_;
  absl::Mutex mu_;
};

// What one round evaluates: the candidates and the masks of their origins.
struct RoundPlan {
  int round = 0;
  uint64_t round_seed = 0;
  uint64_t ntk_weight_seed = 0;  // NTK origin weights (shared by candidates)
  AliveMask ntk_origin_alive;    // may be stale in the DARTS edge stage
  AliveMask lr_origin_alive;
  std::vector<CandidateId> candidates;
};

AliveMask Without(const AliveMask& alive, const CandidateId& id) {
  AliveMask out = alive;
  out[id.cell_type][id.edge][id.op] = false;
  return out;
}

// The NTK half of one (candidate, repeat) evaluation: origin and candidate
// networks with that repeat's shared weights, and that repeat's batch.
struct NtkJob {
  int index = 0;  // candidate
  int repeat = 0;
  std::shared_ptr<nn::SearchNetwork> origin;
  std::shared_ptr<nn::SearchNetwork> candidate;
  at::Tensor batch;
};

// Builds NTK job (index, repeat). Everything comes from seeds of the round,
// the candidate and the repeat, so a job is the same whichever thread
// builds it and whatever it is batched with.
absl::StatusOr<NtkJob> PrepareNtkJob(SearchContext& ctx, const RoundPlan& plan,
                                     int index, int repeat) {
  const SearchOptions& o = ctx.options();
  const SpaceAdapter& adapter = ctx.adapter();
  const uint64_t idx = static_cast<uint64_t>(index);
  const uint64_t rr = static_cast<uint64_t>(repeat);
  NtkJob job;
  job.index = index;
  job.repeat = repeat;
  // The round's weights (the candidate copies the origin's below).
  nn::RunSeeded(plan.ntk_weight_seed, [&] {
    job.origin = adapter.BuildNtkNetwork(ctx.dataset().num_classes);
  });
  nn::RunSeeded(plan.ntk_weight_seed, [&] {
    job.candidate = adapter.BuildNtkNetwork(ctx.dataset().num_classes);
  });
  const torch::Device device(o.device);
  job.origin->to(device);
  job.candidate->to(device);
  adapter.SetAlive(*job.origin, plan.ntk_origin_alive);
  adapter.SetAlive(*job.candidate,
                   Without(plan.lr_origin_alive, plan.candidates[index]));
  if (o.init == nn::InitMode::kPaper) {
    nn::RunSeeded(DeriveSeed(plan.round_seed, {kNtkPaperInit, idx, rr}), [&] {
      nn::ApplyKaimingInit(*job.origin, nn::FanMode::kFanOut);
    });
  }
  job.candidate->CopyParametersFrom(*job.origin);
  Rng rng(DeriveSeed(plan.round_seed, {kNtkData, idx, rr}));
  TENAS_ASSIGN_OR_RETURN(
      job.batch, data::SampleNtkBatch(ctx.dataset(), o.batch_size, rng));
  job.batch = job.batch.to(device);
  return job;
}

// How an evaluation of `jobs` NTK jobs (two networks each) runs: its NTK
// options and the jobs one call batches.
struct NtkCallPlan {
  measures::NtkOptions options;
  int jobs_per_call = 1;
};

// The plan that keeps an evaluation of `jobs` jobs within the memory bound:
// on CPU the jobs per call, rows per pass and passes at once (the threads are
// this worker's); on CUDA the passes keep their own device budget.
absl::StatusOr<NtkCallPlan> PlanNtkCalls(SearchContext& ctx, int jobs) {
  const SearchOptions& o = ctx.options();
  const data::ImageDataset& dataset = ctx.dataset();
  const bool cuda = torch::Device(o.device).is_cuda();
  const int threads =
      cuda || at::in_parallel_region() ? 1 : at::get_num_threads();
  TENAS_ASSIGN_OR_RETURN(
      const measures::NtkPlan memory_plan,
      measures::PlanEvaluation(
          measures::SearchShape(o, dataset.num_classes, dataset.channels,
                                dataset.height, dataset.width, jobs),
          threads, o.ntk_max_memory_bytes));
  NtkCallPlan plan;
  plan.options.fp64 = o.fp64;
  plan.options.cancel = o.cancel;
  plan.options.explicit_backward = o.ntk_explicit_backward;
  if (cuda) {
    plan.options.max_memory_bytes = o.ntk_max_memory_bytes;
  } else {
    plan.options.max_memory_bytes = 0;
    plan.options.replicas_per_pass = memory_plan.rows_per_pass;
    plan.options.max_parallel_passes = memory_plan.parallel_passes;
  }
  plan.jobs_per_call = o.ntk_method == measures::NtkMethod::kFast
                           ? std::max(1, memory_plan.evaluations_per_call)
                           : 1;
  return plan;
}

// Evaluates NTK jobs [first, first + count) of the round (job j is candidate
// j / repeats, repeat j % repeats) and stores their κ in `records`. On the
// fast path the jobs of one call (as many as the memory plan allows) share
// the same backward passes; origin and candidate of a job share its batch.
absl::Status EvaluateNtkJobs(SearchContext& ctx, const RoundPlan& plan,
                             int first, int count,
                             std::vector<CandidateRecord>& records) {
  const SearchOptions& o = ctx.options();
  TENAS_ASSIGN_OR_RETURN(const NtkCallPlan calls, PlanNtkCalls(ctx, count));
  const measures::NtkOptions& ntk_options = calls.options;
  const int per_call = calls.jobs_per_call;
  std::vector<NtkJob> jobs;
  std::vector<measures::NtkResult> kappas;  // origin, candidate per job
  for (int call = first; call < first + count; call += per_call) {
    const int call_end = std::min(first + count, call + per_call);
    // This call's jobs only: their networks are released after it.
    for (NtkJob& done : jobs) {
      done.origin.reset();
      done.candidate.reset();
      done.batch.reset();
    }
    const size_t call_begin = jobs.size();
    for (int j = call; j < call_end; ++j) {
      TENAS_ASSIGN_OR_RETURN(
          NtkJob job, PrepareNtkJob(ctx, plan, j / o.repeats, j % o.repeats));
      jobs.push_back(std::move(job));
    }
    if (o.ntk_method == measures::NtkMethod::kFast) {
      std::vector<measures::NtkInput> inputs;
      for (size_t i = call_begin; i < jobs.size(); ++i) {
        inputs.push_back({jobs[i].origin.get(), jobs[i].batch});
        inputs.push_back({jobs[i].candidate.get(), jobs[i].batch});
      }
      TENAS_ASSIGN_OR_RETURN(
          std::vector<measures::NtkResult> call_kappas,
          measures::ComputeNtkFastJoint(inputs, ntk_options));
      for (measures::NtkResult& k : call_kappas) {
        kappas.push_back(std::move(k));
      }
    } else {
      for (size_t i = call_begin; i < jobs.size(); ++i) {
        for (nn::SearchNetwork* net :
             {jobs[i].origin.get(), jobs[i].candidate.get()}) {
          TENAS_ASSIGN_OR_RETURN(
              measures::NtkResult k,
              measures::ComputeNtkReference(*net, jobs[i].batch, ntk_options));
          kappas.push_back(std::move(k));
        }
      }
    }
  }
  for (size_t i = 0; i < jobs.size(); ++i) {
    RepeatMeasurement& repeat = records[jobs[i].index].repeats[jobs[i].repeat];
    repeat.kappa_origin = kappas[2 * i].kappa_raw;
    repeat.kappa_candidate = kappas[2 * i + 1].kappa_raw;
  }
  ctx.ntk_evaluations += 2 * static_cast<int64_t>(jobs.size());
  return absl::OkStatus();
}

// The zero-cost proxies of candidate `index` (none without proxies): per
// repeat, the NTK network of the origin and of the candidate with the same
// freshly drawn weights (PyTorch's default initialisation), on one labelled
// batch of SearchOptions::proxy_batch_size images. The origin mask is the
// round's current one (the LR origin's), never the DARTS edge stage's stale
// NTK origin.
absl::Status EvaluateProxies(SearchContext& ctx, const RoundPlan& plan,
                             int index, CandidateRecord& record) {
  const SearchOptions& o = ctx.options();
  const std::vector<measures::Measure> proxies = SearchProxies(o);
  if (proxies.empty()) return absl::OkStatus();
  const SpaceAdapter& adapter = ctx.adapter();
  const CandidateId& id = plan.candidates[index];
  const uint64_t idx = static_cast<uint64_t>(index);
  const torch::Device device(o.device);
  record.proxies = proxies;
  for (int r = 0; r < o.repeats; ++r) {
    if (IsCancelled(o.cancel)) return absl::CancelledError("search cancelled");
    const uint64_t rr = static_cast<uint64_t>(r);
    std::shared_ptr<nn::SearchNetwork> origin, candidate;
    nn::RunSeeded(DeriveSeed(plan.round_seed, {kProxyWeights, idx, rr}), [&] {
      origin = adapter.BuildNtkNetwork(ctx.dataset().num_classes);
      candidate = adapter.BuildNtkNetwork(ctx.dataset().num_classes);
    });
    origin->to(device);
    candidate->to(device);
    candidate->CopyParametersFrom(*origin);
    adapter.SetAlive(*origin, plan.lr_origin_alive);
    adapter.SetAlive(*candidate, Without(plan.lr_origin_alive, id));
    Rng rng(DeriveSeed(plan.round_seed, {kProxyData, idx, rr}));
    TENAS_ASSIGN_OR_RETURN(
        data::LabeledBatch batch,
        data::SampleLabeledBatch(ctx.dataset(), o.proxy_batch_size, rng));
    const at::Tensor images = batch.images.to(device);
    const at::Tensor labels = batch.labels.to(device);
    const uint64_t random =
        DeriveSeed(plan.round_seed, {kProxyRandom, idx, rr});
    record.repeats[r].proxy_origin = measures::internal::ComputeZeroCostProxies(
        *origin, images, labels, proxies, random);
    record.repeats[r].proxy_candidate =
        measures::internal::ComputeZeroCostProxies(*candidate, images, labels,
                                                   proxies, random);
  }
  return absl::OkStatus();
}

// The linear-region half of candidate `index`, then its deltas. Needs the
// candidate's κ in `record` already.
absl::Status EvaluateLinearRegionsAndDeltas(SearchContext& ctx,
                                            const RoundPlan& plan, int index,
                                            CandidateRecord& record) {
  const SearchOptions& o = ctx.options();
  const SpaceAdapter& adapter = ctx.adapter();
  const CandidateId& id = plan.candidates[index];
  const uint64_t idx = static_cast<uint64_t>(index);
  // A freshly initialised thin origin per candidate; the thin candidate
  // copies its weights.
  std::shared_ptr<nn::SearchNetwork> lr_origin, lr_candidate;
  nn::RunSeeded(DeriveSeed(plan.round_seed, {kLrWeights, idx}), [&] {
    lr_origin = adapter.BuildLrNetwork(ctx.dataset().num_classes);
    lr_candidate = adapter.BuildLrNetwork(ctx.dataset().num_classes);
  });
  const torch::Device device(o.device);
  lr_origin->to(device);
  lr_candidate->to(device);
  lr_candidate->CopyParametersFrom(*lr_origin);
  adapter.SetAlive(*lr_origin, plan.lr_origin_alive);
  adapter.SetAlive(*lr_candidate, Without(plan.lr_origin_alive, id));
  for (int r = 0; r < o.repeats; ++r) {
    const uint64_t rr = static_cast<uint64_t>(r);
    if (IsCancelled(o.cancel)) return absl::CancelledError("search cancelled");
    if (o.init == nn::InitMode::kPaper) {
      nn::RunSeeded(DeriveSeed(plan.round_seed, {kLrPaperInit, idx, rr}), [&] {
        nn::ApplyKaimingInit(*lr_origin, nn::FanMode::kFanIn);
      });
      lr_candidate->CopyParametersFrom(*lr_origin);
    }
    Rng rng(DeriveSeed(plan.round_seed, {kLrData, idx, rr}));
    TENAS_ASSIGN_OR_RETURN(
        const std::vector<at::Tensor> batches,
        data::SampleLrBatches(ctx.dataset(), o.lr_num_batches, o.lr_batch_size,
                              rng, device));
    TENAS_ASSIGN_OR_RETURN(
        measures::LinearRegionResult r0,
        measures::CountLinearRegions(*lr_origin, batches, o.cancel));
    TENAS_ASSIGN_OR_RETURN(
        measures::LinearRegionResult r1,
        measures::CountLinearRegions(*lr_candidate, batches, o.cancel));
    ctx.lr_evaluations += 2;
    record.repeats[r].regions_origin = static_cast<double>(r0.regions);
    record.repeats[r].regions_candidate = static_cast<double>(r1.regions);
  }
  TENAS_RETURN_IF_ERROR(EvaluateProxies(ctx, plan, index, record));
  DeltaOptions delta_options;
  delta_options.precision = o.precision;
  TENAS_ASSIGN_OR_RETURN(
      record.deltas, ComputeCandidateDeltas(id, record.repeats, delta_options));
  return absl::OkStatus();
}

// NTK jobs per batched pass (SearchOptions::ntk_group) for a round of
// `num_jobs` jobs.
int NtkGroupSize(SearchContext& ctx, int num_jobs) {
  const SearchOptions& o = ctx.options();
  if (o.ntk_method != measures::NtkMethod::kFast || num_jobs < 1) return 1;
  if (o.ntk_group > 0) return std::min(o.ntk_group, num_jobs);
  if (!torch::Device(o.device).is_cuda()) return 1;
  // CUDA: as many jobs as keep all B rows of every network in one pass.
  std::shared_ptr<nn::SearchNetwork> probe =
      ctx.adapter().BuildNtkNetwork(ctx.dataset().num_classes);
  int64_t weights = 0;
  for (const at::Tensor& p : probe->WeightParameters()) weights += p.numel();
  const int64_t batch_entries =
      static_cast<int64_t>(o.batch_size) * ctx.dataset().image_bytes();
  const int64_t job_pass =
      o.batch_size * measures::FastNtkBytesPerRow(2 * batch_entries,
                                                  2 * weights, sizeof(float));
  const int64_t fit = job_pass > 0 ? o.ntk_max_memory_bytes / job_pass : 1;
  return static_cast<int>(std::clamp<int64_t>(fit, 1, num_jobs));
}

// Runs `task` on the search's executor (or `workers` own threads), turning
// LibTorch exceptions into a status.
absl::Status RunParallel(SearchContext& ctx, int n,
                         const std::function<absl::Status(int)>& task) {
  auto guarded = [&](int i) {
    return engine::RunGuarded("search", [&] { return task(i); });
  };
  ThreadExecutor own(ctx.options().workers);
  ParallelExecutor* executor =
      ctx.options().executor != nullptr ? ctx.options().executor : &own;
  TENAS_RETURN_IF_ERROR(
      executor->ParallelFor(n, guarded, ctx.options().cancel));
  if (IsCancelled(ctx.options().cancel)) {
    return absl::CancelledError("search cancelled");
  }
  return absl::OkStatus();
}

// Tells the observer that candidate `index` of the round has its deltas.
void EmitCandidateScored(SearchContext& ctx, const RoundPlan& plan, int index,
                         const CandidateRecord& record) {
  SearchEvent event;
  event.type = SearchEvent::Type::kCandidateScored;
  event.round = plan.round;
  event.candidate = &record;
  event.candidate_index = index;
  ctx.Emit(event);
}

// Evaluates every candidate of the plan: first the NTK jobs (candidate x
// repeat, in groups of NtkGroupSize per batched pass), then each
// candidate's linear regions and deltas. Results are in enumeration order
// and do not depend on the worker count or the grouping: every job and
// every candidate builds its own networks from the round's seeds.
absl::StatusOr<std::vector<CandidateRecord>> EvaluateRound(
    SearchContext& ctx, const RoundPlan& plan) {
  const int n = static_cast<int>(plan.candidates.size());
  const int repeats = ctx.options().repeats;
  std::vector<CandidateRecord> records(n);
  for (CandidateRecord& r : records) r.repeats.resize(repeats);
  const int jobs = n * repeats;
  const int group = NtkGroupSize(ctx, jobs);
  const int groups = (jobs + group - 1) / group;
  TENAS_RETURN_IF_ERROR(RunParallel(ctx, groups, [&](int g) {
    return EvaluateNtkJobs(ctx, plan, g * group,
                           std::min(group, jobs - g * group), records);
  }));
  TENAS_RETURN_IF_ERROR(RunParallel(ctx, n, [&](int i) -> absl::Status {
    TENAS_RETURN_IF_ERROR(
        EvaluateLinearRegionsAndDeltas(ctx, plan, i, records[i]));
    EmitCandidateScored(ctx, plan, i, records[i]);
    return absl::OkStatus();
  }));
  return records;
}

// ---------------------------------------------------------------------------
// Robust mode (options/search_mode.h, docs/ALGORITHM.md §5.6): in repeat r of
// a round, the origin and every candidate are the same network (weights
// drawn once for the repeat) under different alive masks, measured on the
// same batch. Slot `n` (one past the candidates) is the origin, evaluated
// once per repeat.

// The mask of slot `slot` for the NTK (origin_alive is the round's NTK origin
// mask) or the linear regions (origin_alive the LR origin mask).
AliveMask SlotAlive(const RoundPlan& plan, const AliveMask& origin_alive,
                    int slot) {
  const int n = static_cast<int>(plan.candidates.size());
  return slot == n ? origin_alive
                   : Without(plan.lr_origin_alive, plan.candidates[slot]);
}

// The NTK network of (slot, repeat): the repeat's weights, the slot's mask.
std::shared_ptr<nn::SearchNetwork> BuildRobustNtkNetwork(SearchContext& ctx,
                                                         const RoundPlan& plan,
                                                         int slot, int repeat) {
  const SearchOptions& o = ctx.options();
  const uint64_t rr = static_cast<uint64_t>(repeat);
  std::shared_ptr<nn::SearchNetwork> net;
  nn::RunSeeded(DeriveSeed(plan.ntk_weight_seed, {kRobustNtkWeights, rr}), [&] {
    net = ctx.adapter().BuildNtkNetwork(ctx.dataset().num_classes);
  });
  net->to(torch::Device(o.device));
  if (o.init == nn::InitMode::kPaper) {
    nn::RunSeeded(DeriveSeed(plan.round_seed, {kRobustNtkPaperInit, rr}),
                  [&] { nn::ApplyKaimingInit(*net, nn::FanMode::kFanOut); });
  }
  ctx.adapter().SetAlive(*net, SlotAlive(plan, plan.ntk_origin_alive, slot));
  return net;
}

// Evaluates the robust NTK units [first, first + count) of the round (unit u
// is slot u / repeats, repeat u % repeats) into kappas[slot][repeat]. The
// units of one call share the fast path's backward passes.
absl::Status EvaluateRobustNtkUnits(SearchContext& ctx, const RoundPlan& plan,
                                    int first, int count,
                                    std::vector<std::vector<double>>& kappas) {
  const SearchOptions& o = ctx.options();
  const data::ImageDataset& dataset = ctx.dataset();
  // A unit is one network; a job of the plan is two.
  TENAS_ASSIGN_OR_RETURN(const NtkCallPlan calls,
                         PlanNtkCalls(ctx, (count + 1) / 2));
  const measures::NtkOptions& ntk_options = calls.options;
  const int per_call = 2 * calls.jobs_per_call;
  for (int call = first; call < first + count; call += per_call) {
    const int call_end = std::min(first + count, call + per_call);
    std::vector<std::shared_ptr<nn::SearchNetwork>> nets;
    std::vector<measures::NtkInput> inputs;
    for (int u = call; u < call_end; ++u) {
      const int slot = u / o.repeats, repeat = u % o.repeats;
      nets.push_back(BuildRobustNtkNetwork(ctx, plan, slot, repeat));
      Rng rng(DeriveSeed(plan.round_seed,
                         {kRobustNtkData, static_cast<uint64_t>(repeat)}));
      TENAS_ASSIGN_OR_RETURN(at::Tensor batch,
                             data::SampleNtkBatch(dataset, o.batch_size, rng));
      inputs.push_back({nets.back().get(), batch.to(torch::Device(o.device))});
    }
    std::vector<measures::NtkResult> results;
    if (o.ntk_method == measures::NtkMethod::kFast) {
      TENAS_ASSIGN_OR_RETURN(
          results, measures::ComputeNtkFastJoint(inputs, ntk_options));
    } else {
      for (const measures::NtkInput& in : inputs) {
        TENAS_ASSIGN_OR_RETURN(
            measures::NtkResult k,
            measures::ComputeNtkReference(*in.net, in.batch, ntk_options));
        results.push_back(std::move(k));
      }
    }
    for (int u = call; u < call_end; ++u) {
      kappas[u / o.repeats][u % o.repeats] = results[u - call].kappa_raw;
    }
    ctx.ntk_evaluations += call_end - call;
  }
  return absl::OkStatus();
}

// The linear regions of robust unit (slot, repeat) into regions[slot][repeat]:
// the repeat's thin network and crops, the slot's mask.
absl::Status EvaluateRobustLrUnit(SearchContext& ctx, const RoundPlan& plan,
                                  int slot, int repeat,
                                  std::vector<std::vector<double>>& regions) {
  const SearchOptions& o = ctx.options();
  const uint64_t rr = static_cast<uint64_t>(repeat);
  const torch::Device device(o.device);
  std::shared_ptr<nn::SearchNetwork> net;
  nn::RunSeeded(DeriveSeed(plan.round_seed, {kRobustLrWeights, rr}), [&] {
    net = ctx.adapter().BuildLrNetwork(ctx.dataset().num_classes);
  });
  net->to(device);
  if (o.init == nn::InitMode::kPaper) {
    nn::RunSeeded(DeriveSeed(plan.round_seed, {kRobustLrPaperInit, rr}),
                  [&] { nn::ApplyKaimingInit(*net, nn::FanMode::kFanIn); });
  }
  ctx.adapter().SetAlive(*net, SlotAlive(plan, plan.lr_origin_alive, slot));
  Rng rng(DeriveSeed(plan.round_seed, {kRobustLrData, rr}));
  TENAS_ASSIGN_OR_RETURN(const std::vector<at::Tensor> batches,
                         data::SampleLrBatches(ctx.dataset(), o.lr_num_batches,
                                               o.lr_batch_size, rng, device));
  TENAS_ASSIGN_OR_RETURN(measures::LinearRegionResult r,
                         measures::CountLinearRegions(*net, batches, o.cancel));
  ctx.lr_evaluations += 1;
  regions[slot][repeat] = static_cast<double>(r.regions);
  return absl::OkStatus();
}

// The zero-cost proxies of slot `slot` in repeat `repeat` (robust mode): the
// repeat's NTK network, labelled batch and Zen-score draws, under the slot's
// mask.
absl::Status EvaluateRobustProxyUnit(
    SearchContext& ctx, const RoundPlan& plan, int slot, int repeat,
    std::vector<std::vector<std::vector<double>>>& values) {
  const SearchOptions& o = ctx.options();
  const uint64_t rr = static_cast<uint64_t>(repeat);
  const torch::Device device(o.device);
  std::shared_ptr<nn::SearchNetwork> net;
  nn::RunSeeded(DeriveSeed(plan.round_seed, {kRobustProxyWeights, rr}), [&] {
    net = ctx.adapter().BuildNtkNetwork(ctx.dataset().num_classes);
  });
  net->to(device);
  ctx.adapter().SetAlive(*net, SlotAlive(plan, plan.lr_origin_alive, slot));
  Rng rng(DeriveSeed(plan.round_seed, {kRobustProxyData, rr}));
  TENAS_ASSIGN_OR_RETURN(
      data::LabeledBatch batch,
      data::SampleLabeledBatch(ctx.dataset(), o.proxy_batch_size, rng));
  values[slot][repeat] = measures::internal::ComputeZeroCostProxies(
      *net, batch.images.to(device), batch.labels.to(device), SearchProxies(o),
      DeriveSeed(plan.round_seed, {kRobustProxyRandom, rr}));
  return absl::OkStatus();
}

// EvaluateRound in robust mode: (candidates + 1) x repeats NTK and LR units,
// then each candidate's deltas against the shared origin of its repeat.
absl::StatusOr<std::vector<CandidateRecord>> EvaluateRoundRobust(
    SearchContext& ctx, const RoundPlan& plan) {
  const int n = static_cast<int>(plan.candidates.size());
  const int repeats = ctx.options().repeats;
  const int units = (n + 1) * repeats;
  std::vector<std::vector<double>> kappas(n + 1,
                                          std::vector<double>(repeats, 0.0));
  std::vector<std::vector<double>> regions = kappas;
  const int group = NtkGroupSize(ctx, units);
  const int groups = (units + group - 1) / group;
  TENAS_RETURN_IF_ERROR(RunParallel(ctx, groups, [&](int g) {
    return EvaluateRobustNtkUnits(ctx, plan, g * group,
                                  std::min(group, units - g * group), kappas);
  }));
  TENAS_RETURN_IF_ERROR(RunParallel(ctx, units, [&](int u) {
    return EvaluateRobustLrUnit(ctx, plan, u / repeats, u % repeats, regions);
  }));
  std::vector<std::vector<std::vector<double>>> proxies(
      n + 1, std::vector<std::vector<double>>(repeats));
  if (!SearchProxies(ctx.options()).empty()) {
    TENAS_RETURN_IF_ERROR(RunParallel(ctx, units, [&](int u) {
      return EvaluateRobustProxyUnit(ctx, plan, u / repeats, u % repeats,
                                     proxies);
    }));
  }
  std::vector<CandidateRecord> records(n);
  DeltaOptions delta_options;
  delta_options.precision = ctx.options().precision;
  for (int i = 0; i < n; ++i) {
    records[i].repeats.resize(repeats);
    for (int r = 0; r < repeats; ++r) {
      RepeatMeasurement& m = records[i].repeats[r];
      m.kappa_origin = kappas[n][r];
      m.kappa_candidate = kappas[i][r];
      m.regions_origin = regions[n][r];
      m.regions_candidate = regions[i][r];
      m.proxy_origin = proxies[n][r];
      m.proxy_candidate = proxies[i][r];
    }
    records[i].proxies = SearchProxies(ctx.options());
    TENAS_ASSIGN_OR_RETURN(
        records[i].deltas,
        ComputeCandidateDeltas(plan.candidates[i], records[i].repeats,
                               delta_options));
    EmitCandidateScored(ctx, plan, i, records[i]);
  }
  return records;
}

// The round's records in the search's mode.
absl::StatusOr<std::vector<CandidateRecord>> EvaluateRoundInMode(
    SearchContext& ctx, const RoundPlan& plan) {
  return ctx.options().mode == SearchMode::kRobust
             ? EvaluateRoundRobust(ctx, plan)
             : EvaluateRound(ctx, plan);
}

void EmitRoundStarted(SearchContext& ctx, const RoundPlan& plan,
                      const std::string& stage) {
  SearchEvent started;
  started.type = SearchEvent::Type::kRoundStarted;
  started.round = plan.round;
  started.stage = stage;
  started.num_candidates = static_cast<int>(plan.candidates.size());
  ctx.Emit(started);
}

// Emits kOpsPruned then kRoundFinished for a recorded round after which
// `alive` are the ops alive.
void EmitRoundDone(SearchContext& ctx, const RoundRecord& record,
                   const AliveMask& alive) {
  SearchEvent event;
  event.type = SearchEvent::Type::kOpsPruned;
  event.round = record.round;
  event.stage = record.stage;
  event.record = &record;
  ctx.Emit(event);
  event.type = SearchEvent::Type::kRoundFinished;
  event.alive = &alive;
  ctx.Emit(event);
}

// The completed rounds of an interrupted run (SearchOptions::resume_rounds),
// handed out in order and checked against the round the search is at.
class ResumedRounds {
 public:
  ResumedRounds(const std::vector<RoundRecord>* rounds, SearchMode mode)
      : rounds_(rounds), mode_(mode) {}

  bool HasNext() const { return rounds_ != nullptr && next_ < rounds_->size(); }

  // Applies the next record, which must be round `round` of `stage` (and
  // for the edge stage of cell type `cell_type`, node group `group`), to
  // `alive` and appends it to `result`.
  absl::Status ApplyNext(int round, const std::string& stage, int cell_type,
                         int group, AliveMask* alive, SearchResult* result) {
    const RoundRecord& r = (*rounds_)[next_++];
    if (r.mode != mode_) {
      return absl::InvalidArgumentError(absl::StrCat(
          "resume_rounds: round ", r.round, " was measured in mode '",
          SearchModeName(r.mode), "'; this search's mode is '",
          SearchModeName(mode_), "' (a search resumes only in its own mode)"));
    }
    if (r.round != round || r.stage != stage ||
        (stage == "edges" && (r.cell_type != cell_type || r.group != group))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "resume_rounds: record ", next_ - 1, " (round ", r.round, ", stage '",
          r.stage, "') does not fit the search's round ", round, " (stage '",
          stage, "')"));
    }
    if (r.pruned.empty() && stage == "ops") {
      return absl::InvalidArgumentError(
          absl::StrCat("resume_rounds: round ", round, " pruned nothing"));
    }
    for (const CandidateId& id : r.pruned) {
      if (id.cell_type < 0 || id.cell_type >= static_cast<int>(alive->size()) ||
          id.edge < 0 ||
          id.edge >= static_cast<int>((*alive)[id.cell_type].size()) ||
          id.op < 0 ||
          id.op >= static_cast<int>((*alive)[id.cell_type][id.edge].size()) ||
          !(*alive)[id.cell_type][id.edge][id.op]) {
        return absl::InvalidArgumentError(absl::StrCat(
            "resume_rounds: round ", round, " prunes an op that is not alive"));
      }
      (*alive)[id.cell_type][id.edge][id.op] = false;
    }
    result->rounds.push_back(r);
    if (r.mode == SearchMode::kRobust) {
      const size_t repeats =
          r.candidates.empty() ? 0 : r.candidates.front().repeats.size();
      evaluations_ += static_cast<int64_t>((r.candidates.size() + 1) * repeats);
    } else {
      for (const CandidateRecord& c : r.candidates) {
        evaluations_ += 2 * static_cast<int64_t>(c.repeats.size());
      }
    }
    return absl::OkStatus();
  }

  // Checks that every record was used.
  absl::Status CheckAllUsed() const {
    if (HasNext()) {
      return absl::InvalidArgumentError(
          absl::StrCat("resume_rounds: ", rounds_->size(),
                       " records, but the search has only ", next_, " rounds"));
    }
    return absl::OkStatus();
  }

  // NTK (and LR) evaluations the resumed rounds had performed.
  int64_t evaluations() const { return evaluations_; }

 private:
  const std::vector<RoundRecord>* rounds_;
  const SearchMode mode_;
  size_t next_ = 0;
  int64_t evaluations_ = 0;
};

std::vector<CandidateDeltas> DeltasOf(
    const std::vector<CandidateRecord>& records) {
  std::vector<CandidateDeltas> deltas;
  deltas.reserve(records.size());
  for (const auto& r : records) deltas.push_back(r.deltas);
  return deltas;
}

bool SearchFinished(const AliveMask& alive) {
  for (const auto& cell : alive) {
    for (const auto& edge : cell) {
      int count = 0;
      for (bool a : edge) count += a ? 1 : 0;
      if (count > 1) return false;
    }
  }
  return true;
}

}  // namespace

absl::Status ValidateSearchOptions(const SearchOptions& o,
                                   const data::ImageDataset& dataset) {
  return CheckSearchOptions(o, dataset.name, dataset.size());
}

absl::StatusOr<SearchResult> RunPruneSearch(
    const data::ImageDataset& dataset, const SearchOptions& requested,
    const SearchEventCallback& on_event) {
  TENAS_RETURN_IF_ERROR(ValidateSearchOptions(requested, dataset));
  SearchOptions options = requested;
  if (options.batch_size == 0) {
    options.batch_size = DefaultBatchSize(options.space, dataset.name);
  }
  if (options.prune_number == 0) {
    options.prune_number = DefaultPruneNumber(options.space, dataset.name);
  }
  TENAS_RETURN_IF_ERROR(data::CheckDatasetHolds(dataset.name, dataset.size(),
                                                options.batch_size,
                                                "batch_size", "an NTK batch"));
  // Before any work: one evaluation must fit the memory bound.
  TENAS_RETURN_IF_ERROR(measures::CheckEvaluationMemory(
      measures::SearchShape(options, dataset.num_classes, dataset.channels,
                            dataset.height, dataset.width),
      options.ntk_max_memory_bytes, "",
      "the memory bound ntk_max_memory_bytes (--max-memory)"));
  SearchContext ctx(dataset, options, on_event);
  const SpaceAdapter& adapter = ctx.adapter();
  SearchResult result;
  result.space = options.space;
  result.mode = options.mode;
  result.repeats = options.repeats;
  result.measures = options.measures;
  result.batch_size = options.batch_size;
  result.prune_number = options.prune_number;
  AliveMask alive = adapter.InitialAlive();
  int round = 0;
  ResumedRounds resumed(options.resume_rounds, options.mode);

  // Op stage (§5.2): rounds until every edge keeps one op.
  while (!SearchFinished(alive)) {
    if (resumed.HasNext()) {
      TENAS_RETURN_IF_ERROR(
          resumed.ApplyNext(round, "ops", 0, -1, &alive, &result));
      ++round;
      continue;
    }
    const auto round_start = Clock::now();
    RoundPlan plan;
    plan.round = round;
    plan.round_seed = DeriveSeed(options.seed, {static_cast<uint64_t>(round)});
    plan.ntk_weight_seed = DeriveSeed(plan.round_seed, {kNtkWeights});
    plan.ntk_origin_alive = alive;
    plan.lr_origin_alive = alive;
    plan.candidates = EnumerateCandidates(alive);
    EmitRoundStarted(ctx, plan, "ops");
    TENAS_ASSIGN_OR_RETURN(std::vector<CandidateRecord> records,
                           EvaluateRoundInMode(ctx, plan));
    absl::StatusOr<RoundDecision> decision =
        RankAndSelect(DeltasOf(records), options.prune_number, alive,
                      options.precision, RankedOf(options));
    if (!decision.ok()) {
      return absl::Status(
          decision.status().code(),
          absl::StrCat("round ", round, ": ", decision.status().message()));
    }
    TENAS_RETURN_IF_ERROR(ApplyChoices(decision->choices_per_edge, &alive));
    RoundRecord record;
    record.round = round;
    record.stage = "ops";
    record.mode = options.mode;
    record.prune_number = decision->prune_number;
    record.candidates = std::move(records);
    for (const auto& edge : decision->choices_per_edge) {
      record.pruned.insert(record.pruned.end(), edge.begin(), edge.end());
    }
    if (record.pruned.empty()) {
      return absl::InternalError(
          absl::StrCat("round ", round, " pruned nothing"));
    }
    record.seconds = Since(round_start);
    result.rounds.push_back(std::move(record));
    EmitRoundDone(ctx, result.rounds.back(), alive);
    ++round;
  }

  // DARTS edge stage (§5.4): keep 2 incoming edges per node.
  if (options.space == SpaceKind::kDarts) {
    const AliveMask stage_start_alive = alive;  // the stale NTK origin
    const uint64_t edge_ntk_seed =
        DeriveSeed(options.seed, {kEdgeStageNtkWeights});
    for (int ct = 0; ct < adapter.num_cell_types(); ++ct) {
      for (int g = 0; g < static_cast<int>(kDartsEdgeGroups.size()); ++g) {
        const EdgeGroup& group = kDartsEdgeGroups[g];
        if (!EdgeGroupNeedsPruning(group, kDartsEdgesKeptPerNode)) continue;
        if (resumed.HasNext()) {
          TENAS_RETURN_IF_ERROR(
              resumed.ApplyNext(round, "edges", ct, g, &alive, &result));
          ++round;
          continue;
        }
        const auto round_start = Clock::now();
        RoundPlan plan;
        plan.round = round;
        plan.round_seed =
            DeriveSeed(options.seed, {static_cast<uint64_t>(round)});
        plan.ntk_weight_seed = edge_ntk_seed;
        plan.ntk_origin_alive =
            options.fix_stale_origin ? alive : stage_start_alive;
        plan.lr_origin_alive = alive;
        plan.candidates = EnumerateEdgeGroupCandidates(alive, ct, group);
        EmitRoundStarted(ctx, plan, "edges");
        TENAS_ASSIGN_OR_RETURN(std::vector<CandidateRecord> records,
                               EvaluateRoundInMode(ctx, plan));
        absl::StatusOr<EdgeGroupDecision> decision =
            RankAndSelectEdgeGroup(DeltasOf(records), kDartsEdgesKeptPerNode,
                                   options.precision, RankedOf(options));
        if (!decision.ok()) {
          return absl::Status(
              decision.status().code(),
              absl::StrCat("edge stage, cell type ", ct, " group ", g, ": ",
                           decision.status().message()));
        }
        for (const CandidateId& id : decision->pruned) {
          alive[id.cell_type][id.edge][id.op] = false;
        }
        RoundRecord record;
        record.round = round;
        record.stage = "edges";
        record.mode = options.mode;
        record.cell_type = ct;
        record.group = g;
        record.candidates = std::move(records);
        record.pruned = decision->pruned;
        record.seconds = Since(round_start);
        result.rounds.push_back(std::move(record));
        EmitRoundDone(ctx, result.rounds.back(), alive);
        ++round;
      }
    }
  }

  TENAS_RETURN_IF_ERROR(resumed.CheckAllUsed());
  result.final_alive = alive;
  result.arch = adapter.FormatArchitecture(alive);
  result.ntk_evaluations = ctx.ntk_evaluations.load() + resumed.evaluations();
  result.lr_evaluations = ctx.lr_evaluations.load() + resumed.evaluations();
  result.seconds = ctx.elapsed();
  SearchEvent done;
  done.type = SearchEvent::Type::kResult;
  done.round = round;
  done.arch = result.arch;
  ctx.Emit(done);
  return result;
}

}  // namespace tenas::search
