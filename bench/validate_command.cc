// Copyright 2026 The tenas Authors.
//
// validate_command.cc: `tenas-bench validate`: scores uniformly sampled NB201
// architectures on real images and reports Kendall's tau of κ, R and the
// TE-NAS rank sum against the benchmark's test accuracy (docs/VALIDATION.md).

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <numeric>
#include <optional>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "cli_common.h"
#include "commands.h"
#include "tenas/data/dataset_loader.h"
#include "tenas/measures/score.h"
#include "tenas/space/accuracy_table.h"
#include "tenas/space/nb201.h"
#include "tenas/util/rng.h"
#include "tenas/util/stats.h"
#include "tenas/util/status_macros.h"

namespace tenas::cli {
namespace {

struct ValidateFlags {
  std::string accuracy_table;  ///< Empty: the bundled table.
  int samples = 200;
  uint64_t sample_seed = 0;
  std::string out;  ///< Empty: stdout.
  std::string csv;  ///< Empty: none.
  MeasureFlags measure;
};

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      return line.substr(line.find(':') + 2);
    }
  }
  return "unknown CPU";
}

std::string Today() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d", std::gmtime(&t));
  return buf;
}

absl::Status Validate(const ValidateFlags& flags,
                      const std::vector<std::string>& args) {
  TENAS_ASSIGN_OR_RETURN(std::optional<nb201::AccuracyTable> loaded,
                         LoadAccuracyTable(flags.accuracy_table));
  if (!loaded) {
    return absl::InvalidArgumentError(
        "--accuracy-table is required (no bundled table found)");
  }
  const nb201::AccuracyTable& table = *loaded;
  const int64_t samples = flags.samples;
  const uint64_t sample_seed = flags.sample_seed;
  TENAS_ASSIGN_OR_RETURN(measures::ScoreOptions options,
                         ToScoreOptions(flags.measure));
  const int threads = ConfigureThreads(flags.measure.threads);
  const std::string& dataset_name = flags.measure.dataset;
  TENAS_ASSIGN_OR_RETURN(
      data::ImageDataset dataset,
      data::LoadDataset(dataset_name, flags.measure.data_dir));

  // Uniform sample without replacement over all 15625 architectures.
  std::vector<int> ordinals(nb201::kNumArchitectures);
  std::iota(ordinals.begin(), ordinals.end(), 0);
  Rng rng(sample_seed);
  for (int64_t i = 0; i < samples; ++i) {
    std::swap(ordinals[i], ordinals[i + rng.Uniform(ordinals.size() - i)]);
  }
  ordinals.resize(samples);

  struct Row {
    std::string arch;
    int index;
    double kappa, regions, accuracy, seconds;
  };
  std::vector<Row> rows;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < samples; ++i) {
    const nb201::Architecture arch =
        nb201::ArchitectureFromOrdinal(ordinals[i]);
    const nb201::BenchmarkAccuracy* acc = table.Find(arch);
    if (acc == nullptr) {
      return absl::NotFoundError(absl::StrCat("accuracy_table: no row for ",
                                              nb201::FormatArchitecture(arch)));
    }
    TENAS_ASSIGN_OR_RETURN(measures::ScoreResult score,
                           measures::ScoreNb201(arch, dataset, options));
    const double accuracy =
        dataset_name == "cifar100" ? acc->cifar100_test : acc->cifar10_test;
    rows.push_back({nb201::FormatArchitecture(arch), acc->index,
                    score.kappa_mean, score.regions_mean, accuracy,
                    score.seconds});
    std::cerr << absl::StrFormat(
        "[%d/%d] kappa %.4g  R %.1f  acc %.2f  %.2fs\n", i + 1, samples,
        score.kappa_mean, score.regions_mean, accuracy, score.seconds);
  }
  const double total_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();

  std::vector<double> kappa, regions, accuracy, neg_regions;
  for (const Row& r : rows) {
    kappa.push_back(r.kappa);
    regions.push_back(r.regions);
    neg_regions.push_back(-r.regions);
    accuracy.push_back(r.accuracy);
  }
  // TE-NAS ranking: small κ is good (rank 1), large R is good (rank 1).
  std::vector<double> rank_k = AverageRanks(kappa);
  std::vector<double> rank_r = AverageRanks(neg_regions);
  std::vector<double> rank_sum(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) rank_sum[i] = rank_k[i] + rank_r[i];
  const double tau_k = KendallTauB(kappa, accuracy);
  const double tau_r = KendallTauB(regions, accuracy);
  const double tau_sum = KendallTauB(rank_sum, accuracy);
  std::vector<double> per_arch;
  for (const Row& r : rows) per_arch.push_back(r.seconds);
  std::sort(per_arch.begin(), per_arch.end());

  std::string md;
  absl::StrAppendFormat(
      &md, "# Validation of the TE-NAS measures on NAS-Bench-201\n\n");
  absl::StrAppendFormat(
      &md,
      "Generated by `tenas-bench validate %s` on %s (%s, %d LibTorch "
      "threads, %u cores).\n\n",
      absl::StrJoin(args, " "), Today(), CpuModel(), threads,
      std::thread::hardware_concurrency());
  absl::StrAppendFormat(
      &md,
      "%d architectures sampled uniformly without replacement from all 15625 "
      "(sample seed %d); each scored on the %s images of `%s` (%d images) "
      "with seed %d, %d repeats, NTK batch %d, init `%s`. Accuracy: "
      "`%s_test` of the benchmark table (200 epochs, mean over seeds).\n\n",
      samples, sample_seed, dataset.name,
      flags.measure.data_dir.empty() ? "bundled sample"
                                     : flags.measure.data_dir,
      dataset.size(), options.seed, options.repeats, options.batch_size,
      std::string(nn::InitModeName(options.init)), dataset_name);
  absl::StrAppendFormat(&md,
                        "| measure | Kendall tau vs test accuracy | paper |\n");
  absl::StrAppendFormat(&md, "|---|---|---|\n");
  absl::StrAppendFormat(&md, "| NTK condition number κ | %+.3f | -0.42 |\n",
                        tau_k);
  absl::StrAppendFormat(&md, "| linear regions R | %+.3f | +0.50 |\n", tau_r);
  absl::StrAppendFormat(
      &md, "| rank(κ) + rank(R) (TE-NAS) | %+.3f | -0.64 |\n\n", tau_sum);
  absl::StrAppendFormat(
      &md,
      "Time: %.1f s in all, %.2f s per architecture (median %.2f s, min "
      "%.2f s, max %.2f s), reference NTK path.\n\n",
      total_seconds, total_seconds / samples, per_arch[per_arch.size() / 2],
      per_arch.front(), per_arch.back());
  absl::StrAppendFormat(
      &md,
      "Notes: the paper's figures come from its figure captions, for its own "
      "sample of architectures and a dataset the captions do not name (the "
      "plotted accuracies look like CIFAR-100). Architectures whose cell "
      "output is disconnected by `none` edges have a degenerate NTK: κ is "
      "NaN there and is mapped to 100000 exactly as the original code does. "
      "Lower κ and higher R are better, so the rank sum adds the rank of κ "
      "ascending to the rank of R descending (average ranks for ties). The "
      "per-architecture CSV is written with `--csv`.\n\n");
  absl::StrAppendFormat(
      &md, "| # | NB201 index | architecture | κ | R | test acc %% |\n");
  absl::StrAppendFormat(&md, "|---|---|---|---|---|---|\n");
  for (size_t i = 0; i < rows.size(); ++i) {
    // Markdown tables need the architecture's '|' escaped.
    const std::string arch_md =
        absl::StrReplaceAll(rows[i].arch, {{"|", "\\|"}});
    absl::StrAppendFormat(&md, "| %d | %d | `%s` | %.4g | %.1f | %.2f |\n",
                          i + 1, rows[i].index, arch_md, rows[i].kappa,
                          rows[i].regions, rows[i].accuracy);
  }
  std::cout << absl::StrFormat(
      "tau(kappa)=%+.3f tau(R)=%+.3f tau(rank sum)=%+.3f over %d archs in "
      "%.1f s\n",
      tau_k, tau_r, tau_sum, samples, total_seconds);
  if (!flags.out.empty()) {
    std::ofstream out(flags.out);
    if (!out) {
      return absl::PermissionDeniedError(
          absl::StrCat("--out: cannot write '", flags.out, "'"));
    }
    out << md;
  } else {
    std::cout << md;
  }
  if (!flags.csv.empty()) {
    std::ofstream csv(flags.csv);
    csv << "index,arch,kappa,regions,test_accuracy,seconds\n";
    for (const Row& r : rows) {
      csv << absl::StrFormat("%d,%s,%.17g,%.17g,%.6f,%.4f\n", r.index, r.arch,
                             r.kappa, r.regions, r.accuracy, r.seconds);
    }
  }
  return absl::OkStatus();
}

}  // namespace

void AddValidateCommand(CLI::App* app, std::vector<std::string> args,
                        CommandRunner* run) {
  auto flags = std::make_shared<ValidateFlags>();
  flags->measure.batch_size = 72;
  // The report quotes the flags: what follows the command's name.
  auto name = std::find(args.begin(), args.end(), "validate");
  if (name != args.end()) args.erase(args.begin(), name + 1);
  CLI::App* command = app->add_subcommand(
      "validate",
      "Kendall tau of both measures against NAS-Bench-201 accuracies");
  command
      ->add_option("--accuracy-table", flags->accuracy_table,
                   "NAS-Bench-201 accuracies CSV")
      ->type_name("CSV")
      ->default_str("the bundled table");
  AddInt(command, "--samples", &flags->samples, 3, 15625,
         "architectures sampled uniformly without replacement, in "
         "[3, 15625]");
  AddInt(command, "--sample-seed", &flags->sample_seed, 0, int64_t{1} << 62,
         "seed of the sample");
  AddMeasureFlags(command, &flags->measure, MeasureFlagSet::kWithoutNtkImpl,
                  "cores");
  command->add_option("--out", flags->out, "write the Markdown report here")
      ->type_name("FILE.md")
      ->default_str("stdout");
  command
      ->add_option("--csv", flags->csv,
                   "also write the per-architecture measurements here")
      ->type_name("FILE.csv")
      ->default_str("none");
  command->callback([flags, args = std::move(args), run] {
    *run = [flags, args] {
      absl::Status status = Validate(*flags, args);
      return status.ok() ? kExitOk
                         : ReportError("tenas-bench validate", status);
    };
  });
}

}  // namespace tenas::cli
