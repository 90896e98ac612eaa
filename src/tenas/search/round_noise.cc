// Copyright 2026 The tenas Authors.

#include "tenas/search/round_noise.h"

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tenas/data/transforms.h"
#include "tenas/engine/exception_status.h"
#include "tenas/measures/linear_regions.h"
#include "tenas/measures/ntk.h"
#include "tenas/nn/init.h"
#include "tenas/options/datasets.h"
#include "tenas/search/parallel_executor.h"
#include "tenas/search/space_adapter.h"
#include "tenas/util/rng.h"
#include "tenas/util/status_macros.h"

namespace tenas::search {
namespace {

// Stream ids of DeriveSeed(seed, {stream, draw}).
enum Stream : uint64_t {
  kNtkWeights = 31,
  kNtkData = 32,
  kLrWeights = 33,
  kLrData = 34,
};

enum Axis { kBatches = 0, kInits = 1, kJoint = 2, kNumAxes = 3 };

// What one network evaluation of the study draws: weights and data of
// `weights_draw` and `data_draw`, under the mask of `slot` (the candidates,
// then the origin).
struct Unit {
  int axis = kBatches;
  int draw = 0;
  int slot = 0;
  int weights_draw() const { return axis == kBatches ? 0 : draw; }
  int data_draw() const { return axis == kInits ? 0 : draw; }
};

class Study {
 public:
  Study(const data::ImageDataset& dataset, const RoundNoiseOptions& o)
      : dataset_(dataset),
        o_(o),
        adapter_(GetSpaceAdapter(o.space)),
        origin_(adapter_.InitialAlive()),
        candidates_(EnumerateCandidates(origin_)) {}

  int slots() const { return static_cast<int>(candidates_.size()) + 1; }
  // Draw 0 is the same (weights, batch) pair on every axis, so it is
  // evaluated once (as the batches axis); then draws 1.. of each axis.
  int distinct_draws() const { return 1 + kNumAxes * (o_.draws - 1); }
  int units() const { return distinct_draws() * slots(); }
  Unit UnitAt(int u) const {
    const int k = u / slots();
    if (k == 0) return {kBatches, 0, u % slots()};
    return {(k - 1) / (o_.draws - 1), 1 + (k - 1) % (o_.draws - 1),
            u % slots()};
  }
  // The inverse of UnitAt, for any axis's draw 0 too.
  int IndexOf(int axis, int draw, int slot) const {
    const int k = draw == 0 ? 0 : 1 + axis * (o_.draws - 1) + (draw - 1);
    return k * slots() + slot;
  }
  const std::vector<CandidateId>& candidates() const { return candidates_; }

  AliveMask MaskOf(int slot) const {
    if (slot == static_cast<int>(candidates_.size())) return origin_;
    AliveMask m = origin_;
    const CandidateId& id = candidates_[slot];
    m[id.cell_type][id.edge][id.op] = false;
    return m;
  }

  absl::StatusOr<double> Kappa(const Unit& u, int batch_size) const {
    std::shared_ptr<nn::SearchNetwork> net;
    const uint64_t w = static_cast<uint64_t>(u.weights_draw());
    nn::RunSeeded(DeriveSeed(o_.seed, {kNtkWeights, w}), [&] {
      net = adapter_.BuildNtkNetwork(dataset_.num_classes);
      if (o_.init == nn::InitMode::kPaper) {
        nn::ApplyKaimingInit(*net, nn::FanMode::kFanOut);
      }
    });
    adapter_.SetAlive(*net, MaskOf(u.slot));
    Rng rng(
        DeriveSeed(o_.seed, {kNtkData, static_cast<uint64_t>(u.data_draw())}));
    TENAS_ASSIGN_OR_RETURN(at::Tensor batch,
                           data::SampleNtkBatch(dataset_, batch_size, rng));
    std::vector<measures::NtkInput> in = {{net.get(), batch}};
    TENAS_ASSIGN_OR_RETURN(std::vector<measures::NtkResult> k,
                           measures::ComputeNtkFastJoint(in));
    return k[0].kappa_raw;
  }

  absl::StatusOr<double> Regions(const Unit& u) const {
    std::shared_ptr<nn::SearchNetwork> net;
    const uint64_t w = static_cast<uint64_t>(u.weights_draw());
    nn::RunSeeded(DeriveSeed(o_.seed, {kLrWeights, w}), [&] {
      net = adapter_.BuildLrNetwork(dataset_.num_classes);
      if (o_.init == nn::InitMode::kPaper) {
        nn::ApplyKaimingInit(*net, nn::FanMode::kFanIn);
      }
    });
    adapter_.SetAlive(*net, MaskOf(u.slot));
    Rng rng(
        DeriveSeed(o_.seed, {kLrData, static_cast<uint64_t>(u.data_draw())}));
    TENAS_ASSIGN_OR_RETURN(
        const std::vector<at::Tensor> batches,
        data::SampleLrBatches(dataset_, o_.lr_num_batches, o_.lr_batch_size,
                              rng, at::Device(at::kCPU)));
    TENAS_ASSIGN_OR_RETURN(measures::LinearRegionResult r,
                           measures::CountLinearRegions(*net, batches));
    return static_cast<double>(r.regions);
  }

 private:
  const data::ImageDataset& dataset_;
  const RoundNoiseOptions& o_;
  const SpaceAdapter& adapter_;
  const AliveMask origin_;
  const std::vector<CandidateId> candidates_;
};

absl::Status CheckOptions(const RoundNoiseOptions& o) {
  if (o.draws < 2 || o.draws > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("draws: ", o.draws, " is outside [2, 1000]"));
  }
  if (o.batch_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_size: ", o.batch_size, " is negative"));
  }
  if (o.workers < 1 || o.workers > 256) {
    return absl::InvalidArgumentError(
        absl::StrCat("workers: ", o.workers, " is outside [1, 256]"));
  }
  if (o.lr_batch_size < 1 || o.lr_num_batches < 1) {
    return absl::InvalidArgumentError(
        "lr_batch_size, lr_num_batches: must be at least 1");
  }
  return absl::OkStatus();
}

double RelativeDelta(double origin, double candidate) {
  return (origin - candidate) / origin;
}

}  // namespace

absl::StatusOr<RoundNoise> MeasureRoundNoise(const data::ImageDataset& dataset,
                                             const RoundNoiseOptions& options) {
  TENAS_RETURN_IF_ERROR(CheckOptions(options));
  const int batch_size = options.batch_size > 0
                             ? options.batch_size
                             : DefaultBatchSize(options.space, dataset.name);
  TENAS_RETURN_IF_ERROR(data::CheckDatasetHolds(
      dataset.name, dataset.size(), batch_size, "batch_size", "an NTK batch"));
  const Study study(dataset, options);
  const int units = study.units();
  std::vector<double> kappa(units), regions(units);
  ThreadExecutor executor(options.workers);
  TENAS_RETURN_IF_ERROR(executor.ParallelFor(
      units,
      [&](int u) {
        return engine::RunGuarded("round noise", [&]() -> absl::Status {
          const Unit unit = study.UnitAt(u);
          TENAS_ASSIGN_OR_RETURN(kappa[u], study.Kappa(unit, batch_size));
          TENAS_ASSIGN_OR_RETURN(regions[u], study.Regions(unit));
          return absl::OkStatus();
        });
      },
      nullptr));
  RoundNoise out;
  out.batch_size = batch_size;
  out.ntk_evaluations = units;
  out.lr_evaluations = units;
  const int origin = study.slots() - 1;
  auto at = [&](int axis, int draw, int slot) {
    return study.IndexOf(axis, draw, slot);
  };
  for (int c = 0; c < origin; ++c) {
    CandidateNoise n;
    n.id = study.candidates()[c];
    for (int d = 0; d < options.draws; ++d) {
      auto delta = [&](const std::vector<double>& v, int axis) {
        return RelativeDelta(v[at(axis, d, origin)], v[at(axis, d, c)]);
      };
      n.kappa_delta_over_batches.push_back(delta(kappa, kBatches));
      n.kappa_delta_over_inits.push_back(delta(kappa, kInits));
      n.kappa_delta_joint.push_back(delta(kappa, kJoint));
      n.regions_delta_over_batches.push_back(delta(regions, kBatches));
      n.regions_delta_over_inits.push_back(delta(regions, kInits));
      n.regions_delta_joint.push_back(delta(regions, kJoint));
    }
    out.candidates.push_back(std::move(n));
  }
  return out;
}

}  // namespace tenas::search
