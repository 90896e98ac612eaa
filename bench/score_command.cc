// Copyright 2026 The tenas Authors.
//
// score_command.cc: `tenas-bench score`.

#include <iostream>
#include <nlohmann/json.hpp>

#include "absl/strings/str_format.h"
#include "cli_common.h"
#include "commands.h"
#include "tenas/data/dataset_loader.h"
#include "tenas/measures/score.h"
#include "tenas/space/nb201.h"
#include "tenas/util/status_macros.h"

namespace tenas::cli {
namespace {

constexpr char kUsage[] =
    "usage: tenas-bench score --space nb201 --arch STR [--dataset "
    "cifar10|cifar100] [--data-dir DIR] [--seed N] [--repeats N] "
    "[--batch-size N] [--init shipped|paper] [--threads N] [--fp64] [--json]";

struct Outcome {
  nlohmann::json json;
  std::string text;
};

absl::StatusOr<Outcome> Score(const Flags& flags) {
  if (!flags.positional().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unexpected argument '", flags.positional()[0], "'. ", kUsage));
  }
  const std::string space = flags.GetString("space", "nb201");
  if (space != "nb201") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--space: '", space, "' is not supported here (expected nb201)"));
  }
  if (!flags.Has("arch")) {
    return absl::InvalidArgumentError(
        absl::StrCat("--arch is required. ", kUsage));
  }
  const std::string arch_text = flags.GetString("arch");
  auto arch = nb201::ParseArchitecture(arch_text);
  if (!arch.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--arch: ", arch.status().message()));
  }
  measures::ScoreOptions options;
  TENAS_RETURN_IF_ERROR(ReadScoreOptions(flags, &options));
  TENAS_ASSIGN_OR_RETURN(int threads, ConfigureThreads(flags));
  const std::string dataset_name = flags.GetString("dataset", "cifar10");
  TENAS_ASSIGN_OR_RETURN(
      data::ImageDataset dataset,
      data::LoadDataset(dataset_name, flags.GetString("data-dir")));
  TENAS_ASSIGN_OR_RETURN(measures::ScoreResult result,
                         measures::ScoreNb201(*arch, dataset, options));

  Outcome out;
  nlohmann::json repeats = nlohmann::json::array();
  for (int r = 0; r < options.repeats; ++r) {
    repeats.push_back({{"repeat", r},
                       {"ntk_condition_number", result.kappa[r]},
                       {"linear_regions", result.regions[r]}});
  }
  out.json = {{"space", "nb201"},
              {"arch", nb201::FormatArchitecture(*arch)},
              {"dataset", dataset.name},
              {"dataset_images", dataset.size()},
              {"seed", options.seed},
              {"num_repeats", options.repeats},
              {"batch_size", options.batch_size},
              {"init", std::string(nn::InitModeName(options.init))},
              {"fp64", options.fp64},
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
      nb201::FormatArchitecture(*arch), dataset.name, dataset.size(),
      options.seed, options.repeats, options.batch_size,
      std::string(nn::InitModeName(options.init)), result.kappa_mean);
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
  auto flags = Flags::Parse(args,
                            {"space", "arch", "dataset", "data-dir", "seed",
                             "repeats", "batch-size", "init", "threads"},
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
