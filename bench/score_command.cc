// Copyright 2026 The tenas Authors.
//
// score_command.cc: `tenas-bench score`.

#include <iostream>
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

constexpr char kUsage[] =
    "usage: tenas-bench score --space nb201|darts --arch STR [--dataset "
    "cifar10|cifar100|ImageNet16-120|imagenet-1k] [--data-dir DIR] [--seed N] "
    "[--repeats N] "
    "[--batch-size N] [--init shipped|paper] [--threads N] [--fp64] "
    "[--ntk fast|reference] [--max-memory BYTES[K|M|G]] [--json]";

struct Outcome {
  nlohmann::json json;
  std::string text;
};

absl::StatusOr<Outcome> Score(const Flags& flags) {
  if (!flags.positional().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unexpected argument '", flags.positional()[0], "'. ", kUsage));
  }
  TENAS_ASSIGN_OR_RETURN(search::SpaceKind space,
                         search::ParseSpace(flags.GetString("space", "nb201")));
  if (!flags.Has("arch")) {
    return absl::InvalidArgumentError(
        absl::StrCat("--arch is required. ", kUsage));
  }
  const std::string arch_text = flags.GetString("arch");
  std::optional<nb201::Architecture> nb201_arch;
  std::optional<darts::Genotype> genotype;
  if (space == search::SpaceKind::kNb201) {
    auto arch = nb201::ParseArchitecture(arch_text);
    if (!arch.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--arch: ", arch.status().message()));
    }
    nb201_arch = *arch;
  } else {
    auto parsed = darts::ParseGenotype(arch_text);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--arch: ", parsed.status().message()));
    }
    genotype = *parsed;
  }
  measures::ScoreOptions options;
  TENAS_RETURN_IF_ERROR(ReadScoreOptions(flags, &options));
  TENAS_ASSIGN_OR_RETURN(int threads, ConfigureThreads(flags));
  const std::string dataset_name = flags.GetString("dataset", "cifar10");
  TENAS_ASSIGN_OR_RETURN(
      data::ImageDataset dataset,
      data::LoadDataset(dataset_name, flags.GetString("data-dir")));
  if (!flags.Has("batch-size")) {
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
    repeats.push_back({{"repeat", r},
                       {"ntk_condition_number", result.kappa[r]},
                       {"linear_regions", result.regions[r]}});
  }
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
              {"threads", threads},
              {"ntk_condition_number", result.kappa_mean},
              {"linear_regions", result.regions_mean},
              {"repeats", repeats},
              {"ntk_gradient_entries", result.num_gradient_entries},
              {"ntk_seconds", result.ntk_seconds},
              {"linear_regions_seconds", result.regions_seconds},
              {"seconds", result.seconds}};
  out.text = absl::StrFormat(
      "arch     %s\ndataset  %s (%d images), seed %d, %d repeats, batch %d, "
      "init %s\nkappa    %.6g  (per repeat:",
      canonical, dataset.name, dataset.size(), options.seed, options.repeats,
      options.batch_size, std::string(nn::InitModeName(options.init)),
      result.kappa_mean);
  for (double k : result.kappa) absl::StrAppendFormat(&out.text, " %.6g", k);
  absl::StrAppendFormat(&out.text,
                        ")\nregions  %.6g  (per repeat:", result.regions_mean);
  for (double r : result.regions) absl::StrAppendFormat(&out.text, " %.0f", r);
  absl::StrAppendFormat(&out.text,
                        ")\ntime     %.3f s (NTK %.3f s, regions %.3f s, %d "
                        "threads)\n",
                        result.seconds, result.ntk_seconds,
                        result.regions_seconds, threads);
  return out;
}

}  // namespace

int RunScoreCommand(const std::vector<std::string>& args) {
  if (args.size() == 1 && args[0] == "--help") {
    std::cout << kUsage << std::endl;
    return kExitOk;
  }
  auto flags =
      Flags::Parse(args,
                   {"space", "arch", "dataset", "data-dir", "seed", "repeats",
                    "batch-size", "init", "threads", "ntk", "max-memory"},
                   {"json", "fp64"});
  if (!flags.ok()) {
    return ReportError("score", absl::InvalidArgumentError(absl::StrCat(
                                    flags.status().message(), ". ", kUsage)));
  }
  auto outcome = Score(*flags);
  if (!outcome.ok()) return ReportError("score", outcome.status());
  if (flags->Has("json")) {
    std::cout << outcome->json.dump() << std::endl;
  } else {
    std::cout << outcome->text << std::flush;
  }
  return kExitOk;
}

}  // namespace tenas::cli
