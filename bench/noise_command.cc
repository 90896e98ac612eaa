// Copyright 2026 The tenas Authors.
//
// tenas-bench noise: where the noise of a search's first-round decision comes
// from (search/round_noise.h). Prints, per candidate op, the spread of its
// relative Δκ and ΔR over data batches (weights fixed) and over weight
// initialisations (batch fixed); --json gives every draw, which
// scripts/validation_report.py turns into docs/VALIDATION.md's noise table
// and plot.

#include <cmath>
#include <iostream>
#include <memory>
#include <thread>

#include "absl/strings/str_format.h"
#include "cli_common.h"
#include "commands.h"
#include "nlohmann/json.hpp"
#include "tenas/cli/command_line.h"
#include "tenas/data/dataset_loader.h"
#include "tenas/search/event_records.h"
#include "tenas/search/round_noise.h"
#include "tenas/util/stats.h"
#include "tenas/util/status_macros.h"

namespace tenas::cli {
namespace {

struct NoiseFlags {
  std::string space = "nb201";
  std::string dataset = "cifar10";
  std::string data_dir;
  uint64_t seed = 0;
  int draws = 8;
  int batch_size = 0;
  std::string init = "shipped";
  int workers = 0;
  bool json = false;
};

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

absl::Status Noise(const NoiseFlags& flags) {
  search::RoundNoiseOptions o;
  TENAS_ASSIGN_OR_RETURN(o.space, search::ParseSpace(flags.space));
  TENAS_ASSIGN_OR_RETURN(o.init, nn::ParseInitMode(flags.init));
  o.seed = flags.seed;
  o.draws = flags.draws;
  o.batch_size = flags.batch_size;
  o.workers =
      flags.workers > 0
          ? flags.workers
          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  ConfigureThreads(0, o.workers);
  TENAS_ASSIGN_OR_RETURN(data::ImageDataset dataset,
                         data::LoadDataset(flags.dataset, flags.data_dir));
  const auto start = std::chrono::steady_clock::now();
  TENAS_ASSIGN_OR_RETURN(search::RoundNoise noise,
                         search::MeasureRoundNoise(dataset, o));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  // Per candidate: the sample SD over each axis; then their means.
  double sd[6] = {0, 0, 0, 0, 0, 0};
  nlohmann::json candidates = nlohmann::json::array();
  for (const search::CandidateNoise& c : noise.candidates) {
    const events::CandidateRef ref = search::CandidateRefOf(o.space, c.id);
    const std::vector<double>* axes[6] = {
        &c.kappa_delta_over_batches, &c.kappa_delta_over_inits,
        &c.kappa_delta_joint,        &c.regions_delta_over_batches,
        &c.regions_delta_over_inits, &c.regions_delta_joint};
    for (int a = 0; a < 6; ++a) sd[a] += SampleStandardDeviation(*axes[a]);
    nlohmann::json j = {
        {"edge_key", ref.edge_key},
        {"op", ref.op},
        {"kappa_delta_over_batches", c.kappa_delta_over_batches},
        {"kappa_delta_over_inits", c.kappa_delta_over_inits},
        {"regions_delta_over_batches", c.regions_delta_over_batches},
        {"regions_delta_over_inits", c.regions_delta_over_inits},
        {"kappa_delta_joint", c.kappa_delta_joint},
        {"regions_delta_joint", c.regions_delta_joint}};
    if (!ref.cell_type.empty()) j["cell_type"] = ref.cell_type;
    candidates.push_back(std::move(j));
  }
  const double n = static_cast<double>(noise.candidates.size());
  for (double& s : sd) s /= n;
  if (flags.json) {
    nlohmann::json out = {{"space", flags.space},
                          {"dataset", dataset.name},
                          {"seed", o.seed},
                          {"draws", o.draws},
                          {"batch_size", noise.batch_size},
                          {"init", flags.init},
                          {"seconds", seconds},
                          {"candidates", candidates}};
    std::cout << out.dump() << std::endl;
    return absl::OkStatus();
  }
  std::cout << absl::StrFormat(
      "first round of a %s search on %s, seed %d, %d draws per axis, NTK "
      "batch %d, init %s (%.1f s)\n",
      flags.space, dataset.name, o.seed, o.draws, noise.batch_size, flags.init,
      seconds);
  std::cout << "mean over candidates of the SD of the relative delta:\n";
  std::cout << absl::StrFormat(
      "  delta kappa: over batches %.4f, over inits %.4f, both %.4f\n", sd[0],
      sd[1], sd[2]);
  std::cout << absl::StrFormat(
      "  delta R:     over batches %.4f, over inits %.4f, both %.4f\n", sd[3],
      sd[4], sd[5]);
  for (size_t i = 0; i < noise.candidates.size(); ++i) {
    const auto& c = noise.candidates[i];
    const events::CandidateRef ref = search::CandidateRefOf(o.space, c.id);
    std::cout << absl::StrFormat(
        "  %-6s %-14s dk %+.3f (sd batches %.3f, inits %.3f)  dR %+.3f (sd "
        "batches %.3f, inits %.3f)\n",
        ref.edge_key, ref.op, Mean(c.kappa_delta_over_batches),
        SampleStandardDeviation(c.kappa_delta_over_batches),
        SampleStandardDeviation(c.kappa_delta_over_inits),
        Mean(c.regions_delta_over_batches),
        SampleStandardDeviation(c.regions_delta_over_batches),
        SampleStandardDeviation(c.regions_delta_over_inits));
  }
  return absl::OkStatus();
}

}  // namespace

void AddNoiseCommand(CLI::App* app, CommandRunner* run) {
  auto flags = std::make_shared<NoiseFlags>();
  CLI::App* command = app->add_subcommand(
      "noise",
      "spread of a search's first-round deltas over batches and over inits");
  AddChoice(command, "--space", &flags->space, {"nb201", "darts"},
            "search space");
  command->add_option("--dataset", flags->dataset, "dataset name")
      ->capture_default_str();
  command
      ->add_option("--data-dir", flags->data_dir,
                   "folder of the dataset's original files")
      ->default_str("the bundled CIFAR-10 sample");
  command->add_option("--seed", flags->seed, "seeds weights and batches")
      ->capture_default_str();
  AddInt(command, "--draws", &flags->draws, 2, 1000,
         "draws per axis (batches, inits), in [2, 1000]");
  AddInt(command, "--batch-size", &flags->batch_size, 0, 4096,
         "NTK batch, in [0, 4096]; 0: the space's default");
  AddChoice(command, "--init", &flags->init, {"shipped", "paper"},
            "weights: PyTorch default (shipped) or Kaiming (paper)");
  AddInt(command, "--workers", &flags->workers, 1, 256,
         "networks evaluated in parallel, in [1, 256]")
      ->default_str("cores");
  AddFlag(command, "--json", &flags->json, "one JSON object with every draw");
  command->callback([flags, run] {
    *run = [flags] {
      absl::Status status = Noise(*flags);
      return status.ok() ? kExitOk : ReportError("tenas-bench noise", status);
    };
  });
}

}  // namespace tenas::cli
