// Copyright 2026 The tenas Authors.
//
// score_command.cc: `tenas-bench score`.

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "absl/strings/str_format.h"
#include "cli_common.h"
#include "commands.h"
#include "tenas/data/dataset_loader.h"
#include "tenas/measures/score.h"
#include "tenas/search/prune_search.h"
#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"
#include "tenas/util/status_macros.h"

namespace tenas::cli {
namespace {

struct ScoreFlags {
  std::string space = "nb201";
  std::string arch;
  bool json = false;
  MeasureFlags measure;
};

struct Outcome {
  nlohmann::json json;
  std::string text;
};

absl::StatusOr<Outcome> Score(const ScoreFlags& flags) {
  TENAS_ASSIGN_OR_RETURN(search::SpaceKind space,
                         search::ParseSpace(flags.space));
  const std::string& arch_text = flags.arch;
  TENAS_ASSIGN_OR_RETURN(ArchFlag parsed, ParseArchFlag(space, arch_text));
  const std::optional<nb201::Architecture>& nb201_arch = parsed.nb201;
  const std::optional<darts::Genotype>& genotype = parsed.darts;
  TENAS_ASSIGN_OR_RETURN(measures::ScoreOptions options,
                         ToScoreOptions(flags.measure));
  const int threads = ConfigureThreads(flags.measure.threads);
  TENAS_ASSIGN_OR_RETURN(
      data::ImageDataset dataset,
      data::LoadDataset(flags.measure.dataset, flags.measure.data_dir));
  if (options.batch_size == 0) {
    options.batch_size = search::DefaultBatchSize(space, dataset.name);
  }
  TENAS_ASSIGN_OR_RETURN(
      measures::ScoreResult result,
      nb201_arch ? measures::ScoreNb201(*nb201_arch, dataset, options)
                 : measures::ScoreDarts(*genotype, dataset, options));
  const std::string canonical = nb201_arch
                                    ? nb201::FormatArchitecture(*nb201_arch)
                                    : darts::FormatGenotype(*genotype);

  Outcome out;
  nlohmann::json repeats = nlohmann::json::array();
  for (int r = 0; r < options.repeats; ++r) {
    nlohmann::json one = {{"repeat", r}};
    if (options.compute_ntk) one["ntk_condition_number"] = result.kappa[r];
    if (options.compute_regions) one["linear_regions"] = result.regions[r];
    for (const measures::ProxyScore& p : result.proxies) {
      one[std::string(measures::MeasureName(p.measure))] = p.values[r];
    }
    repeats.push_back(one);
  }
  // Every requested measure: mean, standard error, per-repeat values.
  nlohmann::json by_measure = nlohmann::json::object();
  if (options.compute_ntk) {
    by_measure["ntk"] = {{"mean", result.kappa_mean},
                         {"sem", result.kappa_sem},
                         {"values", result.kappa}};
  }
  if (options.compute_regions) {
    by_measure["lr"] = {{"mean", result.regions_mean},
                        {"sem", result.regions_sem},
                        {"values", result.regions}};
  }
  for (const measures::ProxyScore& p : result.proxies) {
    by_measure[std::string(measures::MeasureName(p.measure))] = {
        {"mean", p.mean}, {"sem", p.sem}, {"values", p.values}};
  }
  const char* backward = options.ntk_explicit_backward ? "explicit" : "vmap";
  out.json = {{"space", std::string(search::SpaceName(space))},
              {"arch", canonical},
              {"dataset", dataset.name},
              {"dataset_images", dataset.size()},
              {"seed", options.seed},
              {"num_repeats", options.repeats},
              {"batch_size", options.batch_size},
              {"init", std::string(nn::InitModeName(options.init))},
              {"fp64", options.fp64},
              {"ntk", measures::NtkMethodName(options.ntk_method)},
              {"ntk_backward", backward},
              {"threads", threads},
              {"device", options.device},
              {"ntk_condition_number", result.kappa_mean},
              {"linear_regions", result.regions_mean},
              {"ntk_condition_number_sem", result.kappa_sem},
              {"linear_regions_sem", result.regions_sem},
              {"repeats", repeats},
              {"measures", by_measure},
              {"proxy_batch_size", options.proxy_batch_size},
              {"proxies_seconds", result.proxies_seconds},
              {"ntk_gradient_entries", result.num_gradient_entries},
              {"ntk_seconds", result.ntk_seconds},
              {"linear_regions_seconds", result.regions_seconds},
              {"seconds", result.seconds}};
  out.text = absl::StrFormat(
      "arch     %s\ndataset  %s (%d images), seed %d, %d repeats, batch %d, "
      "init %s\nkappa    %.6g  sem %.3g  (per repeat:",
      canonical, dataset.name, dataset.size(), options.seed, options.repeats,
      options.batch_size, std::string(nn::InitModeName(options.init)),
      result.kappa_mean, result.kappa_sem);
  for (double k : result.kappa) absl::StrAppendFormat(&out.text, " %.6g", k);
  absl::StrAppendFormat(&out.text, ")\nregions  %.6g  sem %.3g  (per repeat:",
                        result.regions_mean, result.regions_sem);
  for (double r : result.regions) absl::StrAppendFormat(&out.text, " %.0f", r);
  absl::StrAppendFormat(&out.text, ")\n");
  for (const measures::ProxyScore& p : result.proxies) {
    absl::StrAppendFormat(&out.text, "%-9s%.6g  sem %.3g  (per repeat:",
                          std::string(measures::MeasureName(p.measure)), p.mean,
                          p.sem);
    for (double v : p.values) absl::StrAppendFormat(&out.text, " %.6g", v);
    absl::StrAppendFormat(&out.text, ")\n");
  }
  absl::StrAppendFormat(&out.text,
                        "time     %.3f s (NTK %.3f s, regions %.3f s, proxies "
                        "%.3f s, %d threads)\n",
                        result.seconds, result.ntk_seconds,
                        result.regions_seconds, result.proxies_seconds,
                        threads);
  return out;
}

int RunScore(const ScoreFlags& flags) {
  auto outcome = Score(flags);
  if (!outcome.ok()) return ReportError("tenas-bench score", outcome.status());
  if (flags.json) {
    std::cout << outcome->json.dump() << std::endl;
  } else {
    std::cout << outcome->text << std::flush;
  }
  return kExitOk;
}

}  // namespace

void AddScoreCommand(CLI::App* app, CommandRunner* run) {
  auto flags = std::make_shared<ScoreFlags>();
  CLI::App* command =
      app->add_subcommand("score",
                          "the NTK condition number and linear regions of one "
                          "architecture");
  AddChoice(command, "--space", &flags->space, {"nb201", "darts"},
            "search space of --arch");
  AddArchOption(command, &flags->arch);
  AddMeasureFlags(command, &flags->measure, MeasureFlagSet::kAll, "cores");
  AddMeasureListFlags(command, &flags->measure);
  AddFlag(command, "--json", &flags->json,
          "print the result as one JSON object");
  command->callback(
      [flags, run] { *run = [flags] { return RunScore(*flags); }; });
}

}  // namespace tenas::cli
