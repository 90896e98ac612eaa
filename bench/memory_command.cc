// Copyright 2026 The tenas Authors.
//
// memory_command.cc: `tenas-bench memory`: one evaluation, in this process,
// with the estimate of options/memory_estimate.h next to the peak resident
// memory it actually added. A score runs ScoreNb201 / ScoreDarts as the
// server does; --search runs one search evaluation as the prune loop does
// (an NTK job of the origin and a candidate supernet, then the candidate's
// linear regions on the two thin supernets). Before measuring, a tiny
// evaluation of the same kind warms LibTorch and oneDNN up (their one-time
// set-up belongs to the process, not to a request). --proxies adds the
// zero-cost proxies (a score's proxy network, or, with --search, the
// origin and candidate supernets one after the other, as the prune loop
// does); --measures none measures them alone. The peak is
// /proc/self/status VmHWM after resetting it (/proc/self/clear_refs 5),
// minus VmRSS before: Linux only.

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli_common.h"
#include "commands.h"
#include "tenas/data/dataset_loader.h"
#include "tenas/data/transforms.h"
#include "tenas/measures/internal/zero_cost.h"  // as the prune loop
#include "tenas/measures/linear_regions.h"
#include "tenas/measures/ntk.h"
#include "tenas/measures/score.h"
#include "tenas/options/datasets.h"
#include "tenas/options/measures.h"
#include "tenas/options/memory_estimate.h"
#include "tenas/search/space_adapter.h"
#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"
#include "tenas/util/process_memory.h"
#include "tenas/util/rng.h"
#include "tenas/util/status_macros.h"

namespace tenas::cli {
namespace {

// The largest single-op architectures measured (docs/RELIABILITY.md §6.6).
constexpr char kNb201Largest[] =
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|"
    "nor_conv_3x3~1|nor_conv_3x3~2|";
constexpr char kDartsLargest[] =
    "Genotype(normal=[('sep_conv_5x5', 0), ('sep_conv_5x5', 1), "
    "('sep_conv_5x5', 0), ('sep_conv_5x5', 1), ('sep_conv_5x5', 0), "
    "('sep_conv_5x5', 1), ('sep_conv_5x5', 0), ('sep_conv_5x5', 1)], "
    "normal_concat=[2, 3, 4, 5], reduce=[('sep_conv_5x5', 0), "
    "('sep_conv_5x5', 1), ('sep_conv_5x5', 0), ('sep_conv_5x5', 1), "
    "('sep_conv_5x5', 0), ('sep_conv_5x5', 1), ('sep_conv_5x5', 0), "
    "('sep_conv_5x5', 1)], reduce_concat=[2, 3, 4, 5])";

struct MemoryFlags {
  std::string space = "nb201";
  std::string arch;  // empty: the space's largest
  bool search = false;
  bool synthetic = false;
  std::string measures = "both";
  std::string proxies;  // comma-separated zero-cost proxies; empty: none
  int proxy_batch_size = 32;
  bool json = false;
  bool estimate_only = false;
  MeasureFlags measure;
};

// A /proc/self/status field, in bytes (0 when absent).
int64_t StatusBytes(const std::string& field) {
  return ProcessStatusBytes(field).value_or(0);
}

// Random pixels of `name`'s image shape (ImageNet16-120: 16x16, others
// 32x32), enough images for any batch up to `images`.
absl::StatusOr<data::ImageDataset> SyntheticDataset(const std::string& name,
                                                    int64_t images) {
  TENAS_ASSIGN_OR_RETURN(const int classes, data::DatasetNumClasses(name));
  data::ImageDataset d;
  d.name = name;
  d.num_classes = classes;
  d.channels = 3;
  d.height = d.width = name == "ImageNet16-120" ? 16 : 32;
  std::mt19937 gen(7);
  d.pixels.resize(static_cast<size_t>(images * d.image_bytes()));
  for (uint8_t& p : d.pixels) p = static_cast<uint8_t>(gen());
  d.labels.resize(static_cast<size_t>(images));
  for (int64_t i = 0; i < images; ++i) d.labels[i] = i % classes;
  d.mean = {0.5f, 0.5f, 0.5f};
  d.std = {0.25f, 0.25f, 0.25f};
  return d;
}

// One search evaluation, as the prune loop runs it: the NTK of the origin
// and a candidate supernet (the first op of the first edge removed) on one
// batch per job, in the memory plan; then the candidate's linear regions.
absl::Status RunSearchEvaluation(search::SpaceKind space,
                                 const data::ImageDataset& dataset,
                                 const search::SearchOptions& options,
                                 int threads) {
  const search::SpaceAdapter& adapter = search::GetSpaceAdapter(space);
  const measures::EvaluationShape shape =
      measures::SearchShape(options, dataset.num_classes, dataset.channels,
                            dataset.height, dataset.width);
  TENAS_ASSIGN_OR_RETURN(
      const measures::NtkPlan plan,
      measures::PlanEvaluation(shape, threads, options.ntk_max_memory_bytes));
  search::AliveMask alive = adapter.InitialAlive();
  search::AliveMask without = alive;
  for (auto& cell : without) {
    for (auto& edge : cell) {
      for (size_t op = 1; op < edge.size(); ++op) {
        if (edge[op]) {
          edge[op] = false;
          break;
        }
      }
      break;
    }
    break;
  }
  Rng rng(options.seed);
  {
    auto origin = adapter.BuildNtkNetwork(dataset.num_classes);
    auto candidate = adapter.BuildNtkNetwork(dataset.num_classes);
    adapter.SetAlive(*origin, alive);
    adapter.SetAlive(*candidate, without);
    candidate->CopyParametersFrom(*origin);
    TENAS_ASSIGN_OR_RETURN(
        at::Tensor batch,
        data::SampleNtkBatch(dataset, options.batch_size, rng));
    measures::NtkOptions ntk_options;
    ntk_options.fp64 = options.fp64;
    ntk_options.max_memory_bytes = 0;
    ntk_options.replicas_per_pass = plan.rows_per_pass;
    ntk_options.max_parallel_passes = plan.parallel_passes;
    ntk_options.explicit_backward = options.ntk_explicit_backward;
    if (options.ntk_method == measures::NtkMethod::kFast) {
      TENAS_RETURN_IF_ERROR(
          measures::ComputeNtkFastJoint(
              {{origin.get(), batch}, {candidate.get(), batch}}, ntk_options)
              .status());
    } else {
      for (nn::SearchNetwork* net : {origin.get(), candidate.get()}) {
        TENAS_RETURN_IF_ERROR(
            measures::ComputeNtkReference(*net, batch, ntk_options).status());
      }
    }
  }
  auto lr_origin = adapter.BuildLrNetwork(dataset.num_classes);
  auto lr_candidate = adapter.BuildLrNetwork(dataset.num_classes);
  lr_candidate->CopyParametersFrom(*lr_origin);
  adapter.SetAlive(*lr_origin, alive);
  adapter.SetAlive(*lr_candidate, without);
  std::vector<at::Tensor> batches;
  for (int b = 0; b < options.lr_num_batches; ++b) {
    TENAS_ASSIGN_OR_RETURN(
        at::Tensor batch,
        data::SampleLrBatch(dataset, options.lr_batch_size, rng));
    batches.push_back(batch);
  }
  for (nn::SearchNetwork* net : {lr_origin.get(), lr_candidate.get()}) {
    TENAS_RETURN_IF_ERROR(
        measures::CountLinearRegions(*net, batches, nullptr).status());
  }
  std::vector<measures::Measure> proxies;
  for (measures::Measure m : options.measures) {
    if (measures::IsZeroCostProxy(m)) proxies.push_back(m);
  }
  if (!proxies.empty()) {
    auto origin = adapter.BuildNtkNetwork(dataset.num_classes);
    auto candidate = adapter.BuildNtkNetwork(dataset.num_classes);
    candidate->CopyParametersFrom(*origin);
    adapter.SetAlive(*origin, alive);
    adapter.SetAlive(*candidate, without);
    TENAS_ASSIGN_OR_RETURN(
        data::LabeledBatch batch,
        data::SampleLabeledBatch(dataset, options.proxy_batch_size, rng));
    for (nn::SearchNetwork* net : {origin.get(), candidate.get()}) {
      measures::internal::ComputeZeroCostProxies(*net, batch.images,
                                                 batch.labels, proxies, 1);
    }
  }
  return absl::OkStatus();
}

struct Measured {
  measures::EvaluationShape shape;
  measures::NtkPlan plan;
  measures::MemoryEstimate estimate;
  int64_t rss_before = 0;
  int64_t peak_growth = 0;
  double seconds = 0;
  int threads = 0;
};

absl::StatusOr<Measured> Measure(const MemoryFlags& flags) {
  TENAS_ASSIGN_OR_RETURN(search::SpaceKind space,
                         search::ParseSpace(flags.space));
  TENAS_ASSIGN_OR_RETURN(measures::ScoreOptions options,
                         ToScoreOptions(flags.measure));
  options.compute_ntk = flags.measures == "both" || flags.measures == "ntk";
  options.compute_regions =
      flags.measures == "both" || flags.measures == "regions";
  if (!flags.proxies.empty()) {
    TENAS_ASSIGN_OR_RETURN(
        const std::vector<measures::Measure> proxies,
        measures::ParseMeasureList(flags.proxies, "--proxies"));
    // "all" names κ and R too: they are left to --measures.
    for (measures::Measure m : proxies) {
      if (measures::IsZeroCostProxy(m)) {
        options.proxies.push_back(m);
      } else if (flags.proxies != "all") {
        return absl::InvalidArgumentError(
            absl::StrCat("--proxies: ", measures::MeasureName(m),
                         " is not a zero-cost proxy (--measures runs it)"));
      }
    }
    options.proxy_batch_size = flags.proxy_batch_size;
  }
  Measured m;
  m.threads = ConfigureThreads(flags.measure.threads);
  if (options.batch_size == 0) {
    options.batch_size = search::DefaultBatchSize(space, flags.measure.dataset);
  }
  data::ImageDataset dataset;
  if (flags.synthetic) {
    TENAS_ASSIGN_OR_RETURN(
        dataset,
        SyntheticDataset(
            flags.measure.dataset,
            2 * std::max<int64_t>(options.batch_size, options.lr_batch_size)));
  } else {
    TENAS_ASSIGN_OR_RETURN(dataset, data::LoadDataset(flags.measure.dataset,
                                                      flags.measure.data_dir));
  }
  TENAS_RETURN_IF_ERROR(measures::ValidateScoreOptions(options, dataset));
  search::SearchOptions search_options;
  search_options.space = space;
  search_options.seed = options.seed;
  search_options.repeats = options.repeats;
  search_options.batch_size = options.batch_size;
  search_options.fp64 = options.fp64;
  search_options.ntk_method = options.ntk_method;
  search_options.ntk_explicit_backward = options.ntk_explicit_backward;
  search_options.ntk_max_memory_bytes = options.ntk_max_memory_bytes;
  for (measures::Measure m : options.proxies) {
    search_options.measures.push_back(m);
  }
  search_options.proxy_batch_size = options.proxy_batch_size;

  std::function<absl::Status(const measures::ScoreOptions&)> run;
  if (flags.search) {
    m.shape =
        measures::SearchShape(search_options, dataset.num_classes,
                              dataset.channels, dataset.height, dataset.width);
    run = [&](const measures::ScoreOptions& o) {
      search::SearchOptions so = search_options;
      so.batch_size = o.batch_size;
      so.fp64 = o.fp64;
      so.lr_batch_size = o.lr_batch_size;
      so.lr_num_batches = o.lr_num_batches;
      so.proxy_batch_size = o.proxy_batch_size;
      return RunSearchEvaluation(space, dataset, so, m.threads);
    };
  } else {
    m.shape =
        measures::ScoreShape(options, space, dataset.num_classes,
                             dataset.channels, dataset.height, dataset.width);
    const std::string arch_text = !flags.arch.empty() ? flags.arch
                                  : space == search::SpaceKind::kNb201
                                      ? kNb201Largest
                                      : kDartsLargest;
    TENAS_ASSIGN_OR_RETURN(ArchFlag parsed, ParseArchFlag(space, arch_text));
    std::optional<nb201::Architecture> nb201_arch = parsed.nb201;
    std::optional<darts::Genotype> genotype = parsed.darts;
    run = [&, nb201_arch, genotype](const measures::ScoreOptions& o) {
      return (nb201_arch ? measures::ScoreNb201(*nb201_arch, dataset, o)
                         : measures::ScoreDarts(*genotype, dataset, o))
          .status();
    };
  }
  TENAS_RETURN_IF_ERROR(measures::CheckEvaluationMemory(
      m.shape, options.ntk_max_memory_bytes, "", "--max-memory"));
  TENAS_ASSIGN_OR_RETURN(
      m.plan, measures::PlanEvaluation(m.shape, m.threads,
                                       options.ntk_max_memory_bytes));
  m.estimate = measures::EstimateEvaluationMemory(m.shape, m.plan);
  if (flags.estimate_only) return m;

  // Warm-up: the same kind of evaluation, tiny.
  measures::ScoreOptions tiny = options;
  tiny.batch_size = 2;
  tiny.repeats = 1;
  tiny.lr_batch_size = 10;
  tiny.lr_num_batches = 1;
  tiny.proxy_batch_size = 2;
  TENAS_RETURN_IF_ERROR(run(tiny));

  m.rss_before = StatusBytes("VmRSS:");
  std::ofstream("/proc/self/clear_refs") << "5";
  const auto start = std::chrono::steady_clock::now();
  TENAS_RETURN_IF_ERROR(run(options));
  m.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  m.peak_growth = StatusBytes("VmHWM:") - m.rss_before;
  return m;
}

int RunMemory(const MemoryFlags& flags) {
  auto m = Measure(flags);
  if (!m.ok()) return ReportError("tenas-bench memory", m.status());
  const measures::MemoryEstimate& e = m->estimate;
  const double ratio = static_cast<double>(m->peak_growth) /
                       static_cast<double>(std::max<int64_t>(1, e.total_bytes));
  if (flags.json) {
    nlohmann::json j = {
        {"space", flags.space},
        {"search", flags.search},
        {"image", absl::StrFormat("%dx%dx%d", m->shape.channels,
                                  m->shape.height, m->shape.width)},
        {"batch_size", m->shape.batch_size},
        {"repeats", m->shape.repeats},
        {"fp64", m->shape.fp64},
        {"measures", flags.measures},
        {"proxies", flags.proxies},
        {"proxy_batch_size", m->shape.proxy_batch_size},
        {"threads", m->threads},
        {"plan",
         {{"evaluations_per_call", m->plan.evaluations_per_call},
          {"rows_per_pass", m->plan.rows_per_pass},
          {"parallel_passes", m->plan.parallel_passes}}},
        {"estimate_bytes",
         {{"forward", e.forward_bytes},
          {"batches", e.batch_bytes},
          {"passes", e.pass_bytes},
          {"rows", e.rows_bytes},
          {"gram", e.gram_bytes},
          {"regions", e.regions_bytes},
          {"proxies", e.proxies_bytes},
          {"overhead", e.overhead_bytes},
          {"total", e.total_bytes}}},
        {"minimal_estimate_bytes",
         measures::MinimalEvaluationMemory(m->shape).total_bytes}};
    if (!flags.estimate_only) {
      j["rss_before_bytes"] = m->rss_before;
      j["peak_growth_bytes"] = m->peak_growth;
      j["peak_over_estimate"] = ratio;
      j["seconds"] = m->seconds;
    }
    std::cout << j.dump() << std::endl;
  } else {
    std::cout << absl::StrFormat(
        "%s %s, images %dx%dx%d, batch %d, %d repeats%s, %d threads\n"
        "plan      %d per call, %d rows per pass, %d passes at once\n"
        "estimate  %s (forward %s, passes %s, rows %s, gram %s, regions %s, "
        "batches %s, proxies %s, overhead %s)\n",
        flags.space, flags.search ? "search evaluation" : "score",
        m->shape.channels, m->shape.height, m->shape.width, m->shape.batch_size,
        m->shape.repeats, m->shape.fp64 ? ", fp64" : "", m->threads,
        m->plan.evaluations_per_call, m->plan.rows_per_pass,
        m->plan.parallel_passes, measures::FormatBytes(e.total_bytes),
        measures::FormatBytes(e.forward_bytes),
        measures::FormatBytes(e.pass_bytes),
        measures::FormatBytes(e.rows_bytes),
        measures::FormatBytes(e.gram_bytes),
        measures::FormatBytes(e.regions_bytes),
        measures::FormatBytes(e.batch_bytes),
        measures::FormatBytes(e.proxies_bytes),
        measures::FormatBytes(e.overhead_bytes));
    if (!flags.estimate_only) {
      std::cout << absl::StrFormat(
          "measured  %s peak RSS growth (RSS before: %s), %.2f of the "
          "estimate, %.1f s\n",
          measures::FormatBytes(m->peak_growth),
          measures::FormatBytes(m->rss_before), ratio, m->seconds);
    }
  }
  return kExitOk;
}

}  // namespace

void AddMemoryCommand(CLI::App* app, CommandRunner* run) {
  auto flags = std::make_shared<MemoryFlags>();
  CLI::App* command = app->add_subcommand(
      "memory",
      "one evaluation in this process: its memory estimate (the bound "
      "--max-memory applies) and the peak resident memory it added");
  AddChoice(command, "--space", &flags->space, {"nb201", "darts"},
            "search space");
  command
      ->add_option("--arch", flags->arch,
                   "score this architecture (NB201 string or DARTS genotype)")
      ->type_name("STR")
      ->default_str(
          "the space's largest: every edge nor_conv_3x3 (NB201), "
          "sep_conv_5x5 (DARTS)");
  AddFlag(command, "--search", &flags->search,
          "one search evaluation (origin and candidate supernets) instead of "
          "a score; --repeats is then ignored");
  AddFlag(command, "--synthetic", &flags->synthetic,
          "random pixels of the dataset's image shape instead of its files");
  AddChoice(command, "--measures", &flags->measures,
            {"both", "ntk", "regions", "none"},
            "TE-NAS's measures of a score (a search evaluation runs both); "
            "none: only --proxies");
  command
      ->add_option("--proxies", flags->proxies,
                   "comma-separated zero-cost proxies (docs/PROXIES.md) run "
                   "after the NTK and linear regions, or all")
      ->type_name("LIST");
  AddInt(command, "--proxy-batch-size", &flags->proxy_batch_size, 2,
         measures::kMaxProxyBatchSize,
         "images per zero-cost proxy batch, in [2, 256]");
  AddMeasureFlags(command, &flags->measure, MeasureFlagSet::kAll, "cores");
  AddFlag(command, "--estimate-only", &flags->estimate_only,
          "print the estimate and the plan without running the evaluation");
  AddFlag(command, "--json", &flags->json,
          "print the result as one JSON object");
  command->callback(
      [flags, run] { *run = [flags] { return RunMemory(*flags); }; });
}

}  // namespace tenas::cli
