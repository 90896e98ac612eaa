// Copyright 2026 The tenas Authors.
//
// search_command.cc: `tenas-bench search`: a whole TE-NAS search in-process.

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli_common.h"
#include "commands.h"
#include "tenas/cli/dot_file.h"
#include "tenas/data/dataset_loader.h"
#include "tenas/events/search_events.h"
#include "tenas/nn/darts_network.h"
#include "tenas/search/event_records.h"
#include "tenas/search/prune_search.h"
#include "tenas/space/accuracy_table.h"
#include "tenas/space/darts.h"
#include "tenas/util/status_macros.h"

namespace tenas::cli {
namespace {

struct SearchFlags {
  std::string space = "nb201";
  std::string mode = "faithful";
  bool repeats_given = false;  ///< --repeats on the command line.
  bool init_given = false;     ///< --init on the command line.
  int prune_number = 0;        ///< 0: the per-space, per-dataset default.
  std::string accuracy_table;  ///< Empty: the bundled table.
  int workers = 0;             ///< 0: one per core.
  bool fix_stale_origin = false;
  int ntk_group = 0;
  bool json = false;
  std::string dot;  ///< --dot FILE; empty: off.
  MeasureFlags measure;
};

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

// --dot: the found cell(s) of `arch` in `path` (nothing when it is empty),
// and path.svg when Graphviz is installed; a note on stderr otherwise.
absl::Status WriteDot(const std::string& path, search::SpaceKind space,
                      const std::string& arch) {
  if (path.empty()) return absl::OkStatus();
  TENAS_ASSIGN_OR_RETURN(std::string text,
                         ArchitectureDot(search::SpaceName(space), arch));
  TENAS_ASSIGN_OR_RETURN(DotFiles files, WriteDotFiles(path, text));
  if (!files.note.empty()) {
    std::cerr << "tenas-bench search: " << files.note << std::endl;
  }
  return absl::OkStatus();
}

absl::Status Search(const SearchFlags& flags) {
  TENAS_ASSIGN_OR_RETURN(search::SpaceKind space,
                         search::ParseSpace(flags.space));
  // Before the search: a --dot that cannot be written fails in seconds.
  if (!flags.dot.empty()) TENAS_RETURN_IF_ERROR(CheckDotPath(flags.dot));
  search::SearchOptions options;
  options.space = space;
  TENAS_ASSIGN_OR_RETURN(options.mode, search::ParseSearchMode(flags.mode));
  TENAS_ASSIGN_OR_RETURN(measures::ScoreOptions common,
                         ToScoreOptions(flags.measure));
  options.seed = common.seed;
  options.repeats = flags.repeats_given
                        ? common.repeats
                        : search::DefaultSearchRepeats(options.mode);
  options.init =
      flags.init_given ? common.init : search::DefaultSearchInit(options.mode);
  options.fp64 = common.fp64;
  options.ntk_method = common.ntk_method;
  options.ntk_explicit_backward = common.ntk_explicit_backward;
  options.ntk_max_memory_bytes = common.ntk_max_memory_bytes;
  options.device = common.device;
  options.ntk_group = flags.ntk_group;
  options.batch_size = common.batch_size;  // 0: space default
  options.prune_number = flags.prune_number;
  // Default: one candidate per core, one LibTorch thread each (measured
  // faster than one candidate on all cores: docs/BENCHMARKS.md §4).
  options.workers =
      flags.workers > 0
          ? flags.workers
          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  options.fix_stale_origin = flags.fix_stale_origin;
  options.measures = measures::RequestedMeasures(common);
  options.proxy_batch_size = common.proxy_batch_size;
  const int threads = ConfigureThreads(flags.measure.threads, options.workers);

  std::optional<nb201::AccuracyTable> table;
  if (space == search::SpaceKind::kNb201 || !flags.accuracy_table.empty()) {
    TENAS_ASSIGN_OR_RETURN(table, LoadAccuracyTable(flags.accuracy_table));
  }
  TENAS_ASSIGN_OR_RETURN(
      data::ImageDataset dataset,
      data::LoadDataset(flags.measure.dataset, flags.measure.data_dir));

  const bool json = flags.json;
  ProgressBar bar(!json && isatty(STDERR_FILENO));
  auto on_event = [&](const search::SearchEvent& e) {
    if (json) {
      if (e.type != search::SearchEvent::Type::kResult) {
        std::cout << events::EventJson(search::EventRecordOf(space, e)).dump()
                  << "\n"
                  << std::flush;
      }
    } else {
      bar.Update(e);
    }
  };
  TENAS_ASSIGN_OR_RETURN(search::SearchResult result,
                         search::RunPruneSearch(dataset, options, on_event));

  events::ResultSummary summary = search::ResultRecordOf(result, dataset.name);
  if (table) summary.benchmark = events::FindBenchmark(*table, result.arch);
  nlohmann::json out = events::ResultJson(summary);
  out["seed"] = options.seed;
  out["repeats"] = options.repeats;
  out["init"] = std::string(nn::InitModeName(options.init));
  out["ntk"] = measures::NtkMethodName(options.ntk_method);
  out["ntk_backward"] = options.ntk_explicit_backward ? "explicit" : "vmap";
  out["ntk_group"] = options.ntk_group;
  out["workers"] = options.workers;
  out["threads"] = threads;
  out["device"] = options.device;
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
    return WriteDot(flags.dot, space, result.arch);
  }
  std::cout << absl::StrFormat(
      "TE-NAS search: space %s, mode %s, dataset %s (%d images), seed %d, "
      "%d repeats, NTK batch %d, prune number %d, init %s\n",
      search::SpaceName(space), search::SearchModeName(options.mode),
      dataset.name, dataset.size(), options.seed, options.repeats,
      result.batch_size, result.prune_number,
      std::string(nn::InitModeName(options.init)));
  for (const events::RoundSummary& round : summary.rounds) {
    std::cout << absl::StrFormat("  %s %d: %3d candidates, %6.1f s, pruned",
                                 round.stage == "ops" ? "round" : "edges",
                                 round.round + 1, round.candidates.size(),
                                 round.seconds);
    for (const events::CandidateRef& id : round.pruned) {
      std::cout << " " << (id.cell_type.empty() ? "" : id.cell_type + ":")
                << id.edge_key << ":" << id.op;
    }
    std::cout << "\n";
  }
  std::cout << "architecture: " << result.arch << "\n";
  if (summary.benchmark) {
    std::cout << events::BenchmarkLine(*summary.benchmark) << "\n";
  }
  if (eval_params > 0) {
    std::cout << absl::StrFormat("evaluation network (%s): %.3f M parameters\n",
                                 out["eval_network"].get<std::string>(),
                                 eval_params / 1e6);
  }
  std::cout << absl::StrFormat(
      "time: %.1f s (%d NTK and %d linear-region evaluations)\n",
      result.seconds, result.ntk_evaluations, result.lr_evaluations);
  return WriteDot(flags.dot, space, result.arch);
}

}  // namespace

void AddSearchCommand(CLI::App* app, CommandRunner* run) {
  auto flags = std::make_shared<SearchFlags>();
  CLI::App* command = app->add_subcommand(
      "search", "a whole TE-NAS pruning search (NB201 or DARTS)");
  AddChoice(command, "--space", &flags->space, {"nb201", "darts"},
            "search space");
  AddChoice(command, "--mode", &flags->mode, {"faithful", "robust"},
            "faithful: the original code's draws; robust: every candidate of "
            "a repeat shares its weights and batches with the origin, "
            "evaluated once per repeat, weights re-drawn per repeat "
            "(docs/ALGORITHM.md §5.6)");
  AddMeasureFlags(command, &flags->measure, MeasureFlagSet::kAll,
                  "cores / workers");
  AddMeasureListFlags(command, &flags->measure);
  command->get_option("--repeats")
      ->default_str(absl::StrCat(search::kFaithfulDefaultRepeats,
                                 " (faithful), ", search::kRobustDefaultRepeats,
                                 " (robust)"));
  command->get_option("--init")->default_str(
      absl::StrCat("shipped (faithful), ",
                   nn::InitModeName(search::kRobustDefaultInit), " (robust)"));
  AddInt(command, "--prune-number", &flags->prune_number, 1, 7,
         "ops removed per edge per round, in [1, 7]")
      ->default_str("1 (NB201), 3 / 2 (DARTS CIFAR / ImageNet)");
  command
      ->add_option("--accuracy-table", flags->accuracy_table,
                   "NAS-Bench-201 accuracies CSV: the result also gives the "
                   "benchmark's test accuracies")
      ->type_name("CSV")
      ->default_str("the bundled table, when present");
  AddInt(command, "--workers", &flags->workers, 1, 256,
         "candidates evaluated in parallel, in [1, 256] (the result does "
         "not depend on it)")
      ->default_str("cores");
  AddFlag(command, "--fix-stale-origin", &flags->fix_stale_origin,
          "DARTS edge stage: refresh the NTK origin per node (the original "
          "keeps it stale)");
  AddInt(command, "--ntk-group", &flags->ntk_group, 0, 1024,
         "(candidate, repeat) NTK evaluations in the same batched passes, in "
         "[0, 1024]; 0: auto (1 on CPU, as many as --max-memory allows on "
         "CUDA)");
  AddFlag(command, "--json", &flags->json,
          "one JSON line per event, the last is the result");
  AddDotOption(command, &flags->dot);
  command->callback([flags, run, command] {
    flags->repeats_given = command->count("--repeats") > 0;
    flags->init_given = command->count("--init") > 0;
    *run = [flags] {
      absl::Status status = Search(*flags);
      return status.ok() ? kExitOk : ReportError("tenas-bench search", status);
    };
  });
}

}  // namespace tenas::cli
