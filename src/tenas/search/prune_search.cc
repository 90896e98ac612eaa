// Copyright 2026 The tenas Authors.

#include "tenas/search/prune_search.h"

#include <chrono>
#include <memory>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "tenas/data/transforms.h"
#include "tenas/measures/linear_regions.h"
#include "tenas/measures/ntk.h"
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
};

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

// The NTK networks of one evaluation: origin and candidate with the round's
// shared weights.
struct WorkerNets {
  std::shared_ptr<nn::SearchNetwork> ntk_origin;
  std::shared_ptr<nn::SearchNetwork> ntk_candidate;
};

absl::StatusOr<CandidateRecord> EvaluateCandidate(SearchContext& ctx,
                                                  const RoundPlan& plan,
                                                  WorkerNets& nets, int index) {
  const SearchOptions& o = ctx.options();
  const SpaceAdapter& adapter = ctx.adapter();
  const CandidateId& id = plan.candidates[index];
  const AliveMask candidate_alive = Without(plan.lr_origin_alive, id);
  const uint64_t idx = static_cast<uint64_t>(index);
  CandidateRecord record;
  record.repeats.resize(o.repeats);

  // NTK: origin and candidate share weights (the candidate copies them) and
  // each repeat's fresh batch.
  adapter.SetAlive(*nets.ntk_origin, plan.ntk_origin_alive);
  adapter.SetAlive(*nets.ntk_candidate, candidate_alive);
  measures::NtkOptions ntk_options;
  ntk_options.fp64 = o.fp64;
  ntk_options.cancel = o.cancel;
  ntk_options.max_memory_bytes = o.ntk_max_memory_bytes;
  for (int r = 0; r < o.repeats; ++r) {
    const uint64_t rr = static_cast<uint64_t>(r);
    if (o.init == nn::InitMode::kPaper) {
      nn::RunSeeded(DeriveSeed(plan.round_seed, {kNtkPaperInit, idx, rr}), [&] {
        nn::ApplyKaimingInit(*nets.ntk_origin, nn::FanMode::kFanOut);
      });
      nets.ntk_candidate->CopyParametersFrom(*nets.ntk_origin);
    }
    Rng rng(DeriveSeed(plan.round_seed, {kNtkData, idx, rr}));
    TENAS_ASSIGN_OR_RETURN(
        at::Tensor batch,
        data::SampleNtkBatch(ctx.dataset(), o.batch_size, rng));
    batch = batch.to(torch::Device(o.device));
    // Origin and candidate share the batch: the fast path computes both in
    // the same backward passes.
    measures::NtkResult k0, k1;
    if (o.ntk_method == measures::NtkMethod::kFast) {
      TENAS_ASSIGN_OR_RETURN(
          std::vector<measures::NtkResult> both,
          measures::ComputeNtkFastJoint(
              {nets.ntk_origin.get(), nets.ntk_candidate.get()}, batch,
              ntk_options));
      k0 = std::move(both[0]);
      k1 = std::move(both[1]);
    } else {
      TENAS_ASSIGN_OR_RETURN(k0, measures::ComputeNtkReference(
                                     *nets.ntk_origin, batch, ntk_options));
      TENAS_ASSIGN_OR_RETURN(k1, measures::ComputeNtkReference(
                                     *nets.ntk_candidate, batch, ntk_options));
    }
    ctx.ntk_evaluations += 2;
    record.repeats[r].kappa_origin = k0.kappa_raw;
    record.repeats[r].kappa_candidate = k1.kappa_raw;
  }

  // Linear regions: a freshly initialised thin origin per candidate; the
  // thin candidate copies its weights.
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
  adapter.SetAlive(*lr_candidate, candidate_alive);
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
    std::vector<at::Tensor> batches;
    for (int b = 0; b < o.lr_num_batches; ++b) {
      TENAS_ASSIGN_OR_RETURN(
          at::Tensor batch,
          data::SampleLrBatch(ctx.dataset(), o.lr_batch_size, rng));
      batches.push_back(batch.to(device));
    }
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

  DeltaOptions delta_options;
  delta_options.precision = o.precision;
  TENAS_ASSIGN_OR_RETURN(
      record.deltas, ComputeCandidateDeltas(id, record.repeats, delta_options));
  return record;
}

// Evaluates every candidate of the plan on the executor. Results are in
// enumeration order whatever the thread count: each evaluation builds its
// own networks from the round's seeds.
absl::StatusOr<std::vector<CandidateRecord>> EvaluateRound(
    SearchContext& ctx, const RoundPlan& plan) {
  const int n = static_cast<int>(plan.candidates.size());
  std::vector<CandidateRecord> records(n);
  auto evaluate = [&](int i) -> absl::Status {
    try {
      WorkerNets nets;
      nn::RunSeeded(plan.ntk_weight_seed, [&] {
        nets.ntk_origin =
            ctx.adapter().BuildNtkNetwork(ctx.dataset().num_classes);
      });
      nn::RunSeeded(plan.ntk_weight_seed, [&] {
        nets.ntk_candidate =
            ctx.adapter().BuildNtkNetwork(ctx.dataset().num_classes);
      });
      const torch::Device device(ctx.options().device);
      nets.ntk_origin->to(device);
      nets.ntk_candidate->to(device);
      nets.ntk_candidate->CopyParametersFrom(*nets.ntk_origin);
      TENAS_ASSIGN_OR_RETURN(records[i], EvaluateCandidate(ctx, plan, nets, i));
    } catch (const c10::Error& e) {
      return absl::InternalError(absl::StrCat("search failed in LibTorch: ",
                                              e.what_without_backtrace()));
    } catch (const std::exception& e) {
      return absl::InternalError(absl::StrCat("search failed: ", e.what()));
    }
    SearchEvent event;
    event.type = SearchEvent::Type::kCandidateScored;
    event.round = plan.round;
    event.candidate = &records[i];
    event.candidate_index = i;
    ctx.Emit(event);
    return absl::OkStatus();
  };
  ThreadExecutor own(ctx.options().workers);
  ParallelExecutor* executor =
      ctx.options().executor != nullptr ? ctx.options().executor : &own;
  TENAS_RETURN_IF_ERROR(
      executor->ParallelFor(n, evaluate, ctx.options().cancel));
  if (IsCancelled(ctx.options().cancel)) {
    return absl::CancelledError("search cancelled");
  }
  return records;
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

// Emits kOpsPruned then kRoundFinished for a recorded round.
void EmitRoundDone(SearchContext& ctx, const RoundRecord& record) {
  SearchEvent event;
  event.type = SearchEvent::Type::kOpsPruned;
  event.round = record.round;
  event.stage = record.stage;
  event.record = &record;
  ctx.Emit(event);
  event.type = SearchEvent::Type::kRoundFinished;
  ctx.Emit(event);
}

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

int DefaultBatchSize(SpaceKind space, const std::string& dataset) {
  if (space == SpaceKind::kNb201) return 72;
  if (dataset == "imagenet-1k" || dataset == "ImageNet16-120") return 24;
  return 14;
}

int DefaultPruneNumber(SpaceKind space, const std::string& dataset) {
  if (space == SpaceKind::kNb201) return 1;
  if (dataset == "imagenet-1k" || dataset == "ImageNet16-120") return 2;
  return 3;
}

absl::Status ValidateSearchOptions(const SearchOptions& o,
                                   const data::ImageDataset& dataset) {
  if (o.batch_size != 0 &&
      (o.batch_size < 2 || o.batch_size > dataset.size())) {
    return absl::InvalidArgumentError(absl::StrCat("batch_size: ", o.batch_size,
                                                   " is out of range [2, ",
                                                   dataset.size(), "]"));
  }
  if (o.repeats < 1 || o.repeats > 100) {
    return absl::InvalidArgumentError(
        absl::StrCat("repeats: ", o.repeats, " is out of range [1, 100]"));
  }
  if (o.prune_number < 0 || o.prune_number > 7) {
    return absl::InvalidArgumentError(absl::StrCat(
        "prune_number: ", o.prune_number, " is out of range [1, 7]"));
  }
  if (o.precision < 0 || o.precision > 10) {
    return absl::InvalidArgumentError(
        absl::StrCat("precision: ", o.precision, " is out of range [0, 10]"));
  }
  if (o.lr_batch_size < 1 || o.lr_batch_size > dataset.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("lr_batch_size: ", o.lr_batch_size,
                     " is out of range [1, ", dataset.size(), "]"));
  }
  if (o.lr_num_batches < 1 || o.lr_num_batches > 100) {
    return absl::InvalidArgumentError(absl::StrCat(
        "lr_num_batches: ", o.lr_num_batches, " is out of range [1, 100]"));
  }
  if (o.workers < 1 || o.workers > 256) {
    return absl::InvalidArgumentError(
        absl::StrCat("workers: ", o.workers, " is out of range [1, 256]"));
  }
  return absl::OkStatus();
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
  if (options.batch_size > dataset.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_size: ", options.batch_size,
                     " exceeds the dataset's ", dataset.size(), " images"));
  }
  SearchContext ctx(dataset, options, on_event);
  const SpaceAdapter& adapter = ctx.adapter();
  SearchResult result;
  result.space = options.space;
  result.batch_size = options.batch_size;
  result.prune_number = options.prune_number;
  AliveMask alive = adapter.InitialAlive();
  int round = 0;

  // Op stage (§5.2): rounds until every edge keeps one op.
  while (!SearchFinished(alive)) {
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
                           EvaluateRound(ctx, plan));
    absl::StatusOr<RoundDecision> decision = RankAndSelect(
        DeltasOf(records), options.prune_number, alive, options.precision);
    if (!decision.ok()) {
      return absl::Status(
          decision.status().code(),
          absl::StrCat("round ", round, ": ", decision.status().message()));
    }
    TENAS_RETURN_IF_ERROR(ApplyChoices(decision->choices_per_edge, &alive));
    RoundRecord record;
    record.round = round;
    record.stage = "ops";
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
    EmitRoundDone(ctx, result.rounds.back());
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
                               EvaluateRound(ctx, plan));
        absl::StatusOr<EdgeGroupDecision> decision = RankAndSelectEdgeGroup(
            DeltasOf(records), kDartsEdgesKeptPerNode, options.precision);
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
        record.cell_type = ct;
        record.group = g;
        record.candidates = std::move(records);
        record.pruned = decision->pruned;
        record.seconds = Since(round_start);
        result.rounds.push_back(std::move(record));
        EmitRoundDone(ctx, result.rounds.back());
        ++round;
      }
    }
  }

  result.final_alive = alive;
  result.arch = adapter.FormatArchitecture(alive);
  result.ntk_evaluations = ctx.ntk_evaluations.load();
  result.lr_evaluations = ctx.lr_evaluations.load();
  result.seconds = ctx.elapsed();
  SearchEvent done;
  done.type = SearchEvent::Type::kResult;
  done.round = round;
  done.arch = result.arch;
  ctx.Emit(done);
  return result;
}

}  // namespace tenas::search
