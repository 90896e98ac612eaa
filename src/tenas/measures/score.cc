// Copyright 2026 The tenas Authors.

#include "tenas/measures/score.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tenas/data/transforms.h"
#include "tenas/measures/internal/zero_cost.h"
#include "tenas/measures/linear_regions.h"
#include "tenas/measures/ntk.h"
#include "tenas/nn/darts_network.h"
#include "tenas/nn/init.h"
#include "tenas/nn/nb201_network.h"
#include "tenas/options/memory_estimate.h"
#include "tenas/util/rng.h"
#include "tenas/util/stats.h"
#include "tenas/util/status_macros.h"

namespace tenas::measures {
namespace {

// Stream ids for DeriveSeed: every random stream of a score is derived from
// (seed, stream, repeat), so a result never depends on the thread running it.
enum Stream : uint64_t {
  kNtkData = 1,
  kRegionData = 2,
  kNtkPaperInit = 3,
  kRegionPaperInit = 4,
  kProxyInit = 5,
  kProxyData = 6,
  kProxyRandom = 7,
};

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

bool Cancelled(const ScoreOptions& options) {
  return options.cancel != nullptr &&
         options.cancel->load(std::memory_order_relaxed);
}

}  // namespace

absl::Status ValidateScoreOptions(const ScoreOptions& options,
                                  const data::ImageDataset& dataset) {
  return CheckScoreOptions(options, dataset.name, dataset.size());
}

namespace {

// Builds a TE-NAS network with the architecture's alphas set: `ntk` selects
// the NTK network, otherwise the thin linear-region network.
using NetworkFactory =
    std::function<std::shared_ptr<nn::SearchNetwork>(bool ntk)>;
// Builds the network the zero-cost proxies run on.
using ProxyNetworkFactory = std::function<std::shared_ptr<nn::SearchNetwork>()>;

// The zero-cost proxies of `options` over its repeats: repeat r builds the
// proxy network under the seed (seed, r) (PyTorch's default initialisation;
// with proxy_macro_seed, under (proxy_macro_seed, r) with the cell operations
// re-drawn under (seed, r)) and draws labelled batch r.
absl::Status ScoreProxies(const ProxyNetworkFactory& make,
                          const data::ImageDataset& dataset,
                          const ScoreOptions& options, ScoreResult& result) {
  const auto start = std::chrono::steady_clock::now();
  const torch::Device device(options.device);
  result.proxies.resize(options.proxies.size());
  for (size_t i = 0; i < options.proxies.size(); ++i) {
    result.proxies[i].measure = options.proxies[i];
  }
  for (int r = 0; r < options.repeats; ++r) {
    if (Cancelled(options)) return absl::CancelledError("score cancelled");
    std::shared_ptr<nn::SearchNetwork> net;
    const uint64_t init_seed =
        DeriveSeed(options.seed, {kProxyInit, uint64_t(r)});
    if (options.proxy_macro_seed.has_value()) {
      nn::RunSeeded(
          DeriveSeed(*options.proxy_macro_seed, {kProxyInit, uint64_t(r)}),
          [&] { net = make(); });
      nn::RunSeeded(init_seed, [&] { nn::ResetCellOperations(*net); });
    } else {
      nn::RunSeeded(init_seed, [&] { net = make(); });
    }
    net->to(device);
    Rng rng(DeriveSeed(options.seed, {kProxyData, uint64_t(r)}));
    TENAS_ASSIGN_OR_RETURN(
        data::LabeledBatch batch,
        data::SampleLabeledBatch(dataset, options.proxy_batch_size, rng));
    const std::vector<double> values = internal::ComputeZeroCostProxies(
        *net, batch.images.to(device), batch.labels.to(device), options.proxies,
        DeriveSeed(options.seed, {kProxyRandom, uint64_t(r)}));
    for (size_t i = 0; i < values.size(); ++i) {
      result.proxies[i].values.push_back(values[i]);
    }
  }
  for (ProxyScore& p : result.proxies) {
    double sum = 0;
    for (double v : p.values) sum += v;
    p.mean = sum / static_cast<double>(p.values.size());
    p.sem = StandardErrorOfMean(p.values);
  }
  result.proxies_seconds = SecondsSince(start);
  return absl::OkStatus();
}

absl::StatusOr<ScoreResult> ScoreWithFactory(
    search::SpaceKind space, const NetworkFactory& make,
    const ProxyNetworkFactory& make_proxy_network,
    const data::ImageDataset& dataset, const ScoreOptions& options) {
  TENAS_RETURN_IF_ERROR(ValidateScoreOptions(options, dataset));
  const auto start = std::chrono::steady_clock::now();
  ScoreResult result;
  try {
    const torch::Device device(options.device);
    const EvaluationShape shape =
        ScoreShape(options, space, dataset.num_classes, dataset.channels,
                   dataset.height, dataset.width);
    TENAS_RETURN_IF_ERROR(CheckEvaluationMemory(
        shape, options.ntk_max_memory_bytes, "",
        "the memory bound ntk_max_memory_bytes (--max-memory)"));
    const int threads = device.is_cuda() || at::in_parallel_region()
                            ? 1
                            : at::get_num_threads();
    TENAS_ASSIGN_OR_RETURN(
        const NtkPlan plan,
        PlanEvaluation(shape, threads, options.ntk_max_memory_bytes));
    if (options.compute_ntk) {
      const auto ntk_start = std::chrono::steady_clock::now();
      NtkOptions ntk_options;
      ntk_options.fp64 = options.fp64;
      ntk_options.cancel = options.cancel;
      ntk_options.explicit_backward = options.ntk_explicit_backward;
      // The plan keeps the whole evaluation within the memory bound: on
      // CPU the rows per pass and passes at once; on CUDA the passes keep
      // their own device budget.
      if (device.is_cuda()) {
        ntk_options.max_memory_bytes = options.ntk_max_memory_bytes;
      } else {
        ntk_options.max_memory_bytes = 0;
        ntk_options.replicas_per_pass = plan.rows_per_pass;
        ntk_options.max_parallel_passes = plan.parallel_passes;
      }
      // Repeat r: the network built from `seed` (re-initialised from
      // (seed, r) under the paper's init) on batch r. The fast path takes
      // plan.evaluations_per_call repeats per call, each on its own copy of
      // the network, so that their backward passes share the threads; the
      // reference path reuses one network, in order. Either way a repeat's
      // network and batch depend only on (seed, r).
      const bool joint = options.ntk_method == NtkMethod::kFast;
      const int per_call = joint ? plan.evaluations_per_call : 1;
      std::shared_ptr<nn::SearchNetwork> reused;
      for (int first = 0; first < options.repeats; first += per_call) {
        const int last = std::min(options.repeats, first + per_call);
        std::vector<std::shared_ptr<nn::SearchNetwork>> nets;
        std::vector<NtkInput> inputs;
        for (int r = first; r < last; ++r) {
          if (reused == nullptr || joint) {
            std::shared_ptr<nn::SearchNetwork> net;
            nn::RunSeeded(options.seed, [&] { net = make(/*ntk=*/true); });
            net->to(device);
            if (!joint) reused = net;
            nets.push_back(std::move(net));
          }
          nn::SearchNetwork& net = joint ? *nets.back() : *reused;
          if (options.init == nn::InitMode::kPaper) {
            nn::RunSeeded(
                DeriveSeed(options.seed, {kNtkPaperInit, uint64_t(r)}),
                [&] { nn::ApplyKaimingInit(net, nn::FanMode::kFanOut); });
          }
          Rng rng(DeriveSeed(options.seed, {kNtkData, uint64_t(r)}));
          TENAS_ASSIGN_OR_RETURN(
              at::Tensor batch,
              data::SampleNtkBatch(dataset, options.batch_size, rng));
          batch = batch.to(device);
          if (joint) {
            inputs.push_back({&net, batch});
            continue;
          }
          TENAS_ASSIGN_OR_RETURN(
              NtkResult ntk,
              ComputeNtk(options.ntk_method, net, batch, ntk_options));
          result.kappa.push_back(ntk.kappa);
          result.num_gradient_entries = ntk.num_gradient_entries;
        }
        if (joint) {
          TENAS_ASSIGN_OR_RETURN(std::vector<NtkResult> ntks,
                                 ComputeNtkFastJoint(inputs, ntk_options));
          for (const NtkResult& ntk : ntks) {
            result.kappa.push_back(ntk.kappa);
            result.num_gradient_entries = ntk.num_gradient_entries;
          }
        }
      }
      double sum = 0;
      for (double kappa : result.kappa) sum += kappa;
      result.kappa_mean = sum / options.repeats;
      result.kappa_sem = StandardErrorOfMean(result.kappa);
      result.ntk_seconds = SecondsSince(ntk_start);
    }
    if (options.compute_regions) {
      const auto lr_start = std::chrono::steady_clock::now();
      std::shared_ptr<nn::SearchNetwork> net;
      nn::RunSeeded(options.seed, [&] { net = make(/*ntk=*/false); });
      net->to(device);
      double sum = 0;
      for (int r = 0; r < options.repeats; ++r) {
        if (Cancelled(options)) {
          return absl::CancelledError("score cancelled");
        }
        if (options.init == nn::InitMode::kPaper) {
          nn::RunSeeded(
              DeriveSeed(options.seed, {kRegionPaperInit, uint64_t(r)}),
              [&] { nn::ApplyKaimingInit(*net, nn::FanMode::kFanIn); });
        }
        Rng rng(DeriveSeed(options.seed, {kRegionData, uint64_t(r)}));
        std::vector<at::Tensor> batches;
        for (int b = 0; b < options.lr_num_batches; ++b) {
          TENAS_ASSIGN_OR_RETURN(
              at::Tensor batch,
              data::SampleLrBatch(dataset, options.lr_batch_size, rng));
          batches.push_back(batch.to(device));
        }
        TENAS_ASSIGN_OR_RETURN(
            LinearRegionResult lr,
            CountLinearRegions(*net, batches, options.cancel));
        result.regions.push_back(static_cast<double>(lr.regions));
        sum += static_cast<double>(lr.regions);
      }
      result.regions_mean = sum / options.repeats;
      result.regions_sem = StandardErrorOfMean(result.regions);
      result.regions_seconds = SecondsSince(lr_start);
    }
    if (!options.proxies.empty()) {
      TENAS_RETURN_IF_ERROR(
          ScoreProxies(make_proxy_network, dataset, options, result));
    }
  } catch (const c10::Error& e) {
    return absl::InternalError(
        absl::StrCat("score failed in LibTorch: ", e.what_without_backtrace()));
  }
  result.seconds = SecondsSince(start);
  return result;
}

}  // namespace

absl::StatusOr<ScoreResult> ScoreNb201(const nb201::Architecture& arch,
                                       const data::ImageDataset& dataset,
                                       const ScoreOptions& options) {
  const at::Tensor alphas = nn::Nb201ArchitectureAlphas(arch);
  const int64_t k = dataset.num_classes;
  return ScoreWithFactory(
      search::SpaceKind::kNb201,
      [&](bool ntk) -> std::shared_ptr<nn::SearchNetwork> {
        auto net = std::make_shared<nn::Nb201SearchNetwork>(
            ntk ? nn::Nb201NtkConfig(k) : nn::Nb201LrConfig(k));
        net->SetAlphas(alphas);
        return net;
      },
      [&]() -> std::shared_ptr<nn::SearchNetwork> {
        nn::Nb201NetworkConfig config;  // C=16, N=5: the benchmark's shape
        config.num_classes = k;
        auto net = std::make_shared<nn::Nb201SearchNetwork>(config);
        net->SetAlphas(alphas);
        return net;
      },
      dataset, options);
}

absl::StatusOr<ScoreResult> ScoreDarts(const darts::Genotype& genotype,
                                       const data::ImageDataset& dataset,
                                       const ScoreOptions& options) {
  const at::Tensor normal = nn::DartsGenotypeAlphas(genotype, false);
  const at::Tensor reduce = nn::DartsGenotypeAlphas(genotype, true);
  const int64_t k = dataset.num_classes;
  return ScoreWithFactory(
      search::SpaceKind::kDarts,
      [&](bool ntk) -> std::shared_ptr<nn::SearchNetwork> {
        auto net = std::make_shared<nn::DartsSearchNetwork>(
            ntk ? nn::DartsNtkConfig(k) : nn::DartsLrConfig(k));
        net->SetAlphas(normal, reduce);
        return net;
      },
      [&]() -> std::shared_ptr<nn::SearchNetwork> {
        nn::DartsNetworkConfig config;  // C=16, N=2: 6 cells, 2 reductions
        config.cells_per_stage = 2;
        config.num_classes = k;
        auto net = std::make_shared<nn::DartsSearchNetwork>(config);
        net->SetAlphas(normal, reduce);
        return net;
      },
      dataset, options);
}

}  // namespace tenas::measures
