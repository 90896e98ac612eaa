// Copyright 2026 The tenas Authors.
//
// search_command.cc: `tenas-bench search`: a whole TE-NAS search in-process.

#include <unistd.h>

#include <iostream>
#include <optional>
#include <thread>

#include "absl/strings/str_format.h"
#include "cli_common.h"
#include "commands.h"
#include "search_json.h"
#include "tenas/data/dataset_loader.h"
#include "tenas/nn/darts_network.h"
#include "tenas/search/prune_search.h"
#include "tenas/space/accuracy_table.h"
#include "tenas/space/darts.h"
#include "tenas/util/status_macros.h"

namespace tenas::cli {
namespace {

constexpr char kUsage[] =
    "usage: tenas-bench search --space nb201|darts --dataset "
    "cifar10|cifar100|ImageNet16-120|imagenet-1k [--data-dir DIR] [--seed N] "
    "[--repeats N] [--batch-size N] [--prune-number N] [--init "
    "shipped|paper] [--accuracy-table CSV] [--workers N] [--threads N] "
    "[--fp64] [--fix-stale-origin] [--ntk fast|reference] "
    "[--max-memory BYTES[K|M|G]] [--ntk-group N] [--json]";

// Draws a one-line progress bar on a terminal (stderr).
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  void Update(const search::SearchEvent& e) {
    using Type = search::SearchEvent::Type;
    if (e.type == Type::kRoundStarted) {
      total_ = e.num_candidates;
      done_ = 0;
      label_ = e.stage == "ops" ? absl::StrFormat("round %d", e.round + 1)
                                : absl::StrFormat("edges %d", e.round + 1);
    } else if (e.type == Type::kCandidateScored) {
      ++done_;
    } else if (e.type == Type::kRoundFinished) {
      done_ = total_;
    }
    if (!enabled_ || total_ == 0) return;
    const int width = 30;
    const int filled = done_ * width / total_;
    std::cerr << absl::StrFormat("\r%-9s [%s%s] %3d/%-3d candidates %7.1f s",
                                 label_, std::string(filled, '#'),
                                 std::string(width - filled, '.'), done_,
                                 total_, e.seconds)
              << (e.type == Type::kRoundFinished ? "\n" : "") << std::flush;
  }

 private:
  bool enabled_;
  int total_ = 0;
  int done_ = 0;
  std::string label_;
};

absl::Status Search(const Flags& flags) {
  if (!flags.positional().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unexpected argument '", flags.positional()[0], "'. ", kUsage));
  }
  TENAS_ASSIGN_OR_RETURN(search::SpaceKind space,
                         search::ParseSpace(flags.GetString("space", "nb201")));
  search::SearchOptions options;
  options.space = space;
  measures::ScoreOptions common;
  TENAS_RETURN_IF_ERROR(ReadScoreOptions(flags, &common));
  options.seed = common.seed;
  options.repeats = common.repeats;
  options.init = common.init;
  options.fp64 = common.fp64;
  options.ntk_method = common.ntk_method;
  options.ntk_max_memory_bytes = common.ntk_max_memory_bytes;
  TENAS_ASSIGN_OR_RETURN(int64_t ntk_group,
                         flags.GetInt("ntk-group", 0, 0, 1024));
  options.ntk_group = static_cast<int>(ntk_group);
  options.batch_size =
      flags.Has("batch-size") ? common.batch_size : 0;  // 0: space default
  TENAS_ASSIGN_OR_RETURN(int64_t prune, flags.GetInt("prune-number", 0, 1, 7));
  options.prune_number = static_cast<int>(prune);
  // Default: one candidate per core, one LibTorch thread each (measured
  // faster than one candidate on all cores: docs/BENCHMARKS.md §4).
  const int64_t cores =
      std::max<int64_t>(1, std::thread::hardware_concurrency());
  TENAS_ASSIGN_OR_RETURN(int64_t workers,
                         flags.GetInt("workers", cores, 1, 256));
  options.workers = static_cast<int>(workers);
  options.fix_stale_origin = flags.Has("fix-stale-origin");
  TENAS_ASSIGN_OR_RETURN(int threads,
                         ConfigureThreads(flags, static_cast<int>(workers)));

  std::optional<nb201::AccuracyTable> table;
  if (flags.Has("accuracy-table")) {
    TENAS_ASSIGN_OR_RETURN(
        table, nb201::AccuracyTable::Load(flags.GetString("accuracy-table")));
  }
  const std::string dataset_name = flags.GetString("dataset", "cifar10");
  TENAS_ASSIGN_OR_RETURN(
      data::ImageDataset dataset,
      data::LoadDataset(dataset_name, flags.GetString("data-dir")));

  const bool json = flags.Has("json");
  ProgressBar bar(!json && isatty(STDERR_FILENO));
  auto on_event = [&](const search::SearchEvent& e) {
    if (json) {
      if (e.type != search::SearchEvent::Type::kResult) {
        std::cout << EventJson(space, e).dump() << "\n" << std::flush;
      }
    } else {
      bar.Update(e);
    }
  };
  TENAS_ASSIGN_OR_RETURN(search::SearchResult result,
                         search::RunPruneSearch(dataset, options, on_event));

  nlohmann::json out = ResultJson(result);
  out["dataset"] = dataset.name;
  out["seed"] = options.seed;
  out["repeats"] = options.repeats;
  out["init"] = std::string(nn::InitModeName(options.init));
  out["ntk"] = measures::NtkMethodName(options.ntk_method);
  out["ntk_group"] = options.ntk_group;
  out["workers"] = options.workers;
  out["threads"] = threads;
  const nb201::BenchmarkAccuracy* acc = nullptr;
  if (table && space == search::SpaceKind::kNb201) {
    auto arch = nb201::ParseArchitecture(result.arch);
    if (arch.ok()) acc = table->Find(*arch);
    if (acc != nullptr) {
      out["benchmark"] = {{"index", acc->index},
                          {"cifar10_test", acc->cifar10_test},
                          {"cifar100_test", acc->cifar100_test},
                          {"imagenet16_test", acc->imagenet16_test}};
    }
  }
  // DARTS: size of the evaluation network the paper retrains (CIFAR: 20
  // cells, C=36; ImageNet: 14 cells, C=48), auxiliary head excluded.
  int64_t eval_params = 0;
  if (space == search::SpaceKind::kDarts) {
    auto genotype = darts::ParseGenotype(result.arch);
    if (genotype.ok()) {
      const bool imagenet = dataset.name == "imagenet-1k";
      if (imagenet) {
        nn::DartsImagenetNetwork net(*genotype, nn::DartsImagenetEvalConfig());
        eval_params = nn::DartsParameterCount(net);
      } else {
        nn::DartsCifarNetwork net(
            *genotype, nn::DartsCifarEvalConfig(dataset.num_classes));
        eval_params = nn::DartsParameterCount(net);
      }
      out["eval_network"] =
          imagenet ? "imagenet 14 cells C=48" : "cifar 20 cells C=36";
      out["eval_params"] = eval_params;
    }
  }
  if (json) {
    std::cout << out.dump() << std::endl;
    return absl::OkStatus();
  }
  std::cout << absl::StrFormat(
      "TE-NAS search: space %s, dataset %s (%d images), seed %d, %d repeats, "
      "NTK batch %d, prune number %d, init %s\n",
      search::SpaceName(space), dataset.name, dataset.size(), options.seed,
      options.repeats, result.batch_size, result.prune_number,
      std::string(nn::InitModeName(options.init)));
  for (const auto& round : result.rounds) {
    std::cout << absl::StrFormat("  %s %d: %3d candidates, %6.1f s, pruned",
                                 round.stage == "ops" ? "round" : "edges",
                                 round.round + 1, round.candidates.size(),
                                 round.seconds);
    for (const auto& id : round.pruned) {
      std::cout << " "
                << (space == search::SpaceKind::kDarts
                        ? (id.cell_type == 0 ? "normal:" : "reduce:")
                        : "")
                << EdgeName(space, id.edge) << ":" << OpName(space, id.op);
    }
    std::cout << "\n";
  }
  std::cout << "architecture: " << result.arch << "\n";
  if (acc != nullptr) {
    std::cout << absl::StrFormat(
        "NAS-Bench-201 #%d test accuracy: CIFAR-10 %.2f %%, CIFAR-100 %.2f "
        "%%, ImageNet16-120 %.2f %%\n",
        acc->index, acc->cifar10_test, acc->cifar100_test,
        acc->imagenet16_test);
  }
  if (eval_params > 0) {
    std::cout << absl::StrFormat("evaluation network (%s): %.3f M parameters\n",
                                 out["eval_network"].get<std::string>(),
                                 eval_params / 1e6);
  }
  std::cout << absl::StrFormat(
      "time: %.1f s (%d NTK and %d linear-region evaluations)\n",
      result.seconds, result.ntk_evaluations, result.lr_evaluations);
  return absl::OkStatus();
}

}  // namespace

int RunSearchCommand(const std::vector<std::string>& args) {
  if (args.size() == 1 && args[0] == "--help") {
    std::cout << kUsage << std::endl;
    return kExitOk;
  }
  auto flags =
      Flags::Parse(args,
                   {"space", "dataset", "data-dir", "seed", "repeats",
                    "batch-size", "prune-number", "init", "accuracy-table",
                    "workers", "threads", "ntk", "max-memory", "ntk-group"},
                   {"json", "fp64", "fix-stale-origin"});
  if (!flags.ok()) {
    return ReportError("search", absl::InvalidArgumentError(absl::StrCat(
                                     flags.status().message(), ". ", kUsage)));
  }
  absl::Status status = Search(*flags);
  if (!status.ok()) return ReportError("search", status);
  return kExitOk;
}

}  // namespace tenas::cli
