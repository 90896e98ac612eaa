// Copyright 2026 The tenas Authors.
//
// validate_command.cc: `tenas-bench validate`: scores uniformly sampled NB201
// architectures on real images and reports Kendall's tau of κ, R and the
// TE-NAS rank sum against the benchmark's test accuracy (docs/VALIDATION.md).

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <numeric>
#include <optional>
#include <thread>

#include "absl/strings/numbers.h"
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
  std::string out;           ///< Empty: stdout.
  std::string csv;           ///< Empty: none.
  std::string arch_indices;  ///< Empty: a uniform sample.
  /// "shared": every architecture scored with --seed (the same batches and
  /// initial weights); "per-arch": with a seed of its own, derived from
  /// --seed and its benchmark index (a fresh batch and fresh weights for
  /// each architecture); "naslib": a fresh batch and fresh cell operations
  /// per architecture (its own seed) on the stem, residual blocks and head
  /// of --seed (ScoreOptions::proxy_macro_seed), as NASLib's zero-cost
  /// benchmark runner draws them.
  std::string draws = "shared";
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

// NB201 indices listed in `path`, one per line (blank lines and lines
// starting with '#' skipped).
absl::StatusOr<std::vector<int>> ReadIndices(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("--arch-indices: cannot read '", path, "'"));
  }
  std::vector<int> indices;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    int index = -1;
    if (!absl::SimpleAtoi(line, &index) || index < 0 ||
        index >= nb201::kNumArchitectures) {
      return absl::InvalidArgumentError(
          absl::StrCat("--arch-indices: line ", line_no, " of '", path,
                       "' is not an NB201 index in [0, 15624]"));
    }
    indices.push_back(index);
  }
  if (indices.size() < 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--arch-indices: '", path, "' lists fewer than 3 indices"));
  }
  return indices;
}

// One scored architecture.
struct Row {
  std::string arch;
  int index;
  std::array<double, 3> accuracy;  // cifar10, cifar100, ImageNet16-120 test
  std::vector<double> values;      // one per measure, in `measures` order
  double seconds;
};

constexpr std::array<const char*, 3> kAccuracyColumns = {
    "cifar10_test", "cifar100_test", "imagenet16_test"};

absl::Status Validate(const ValidateFlags& flags,
                      const std::vector<std::string>& args) {
  TENAS_ASSIGN_OR_RETURN(std::optional<nb201::AccuracyTable> loaded,
                         LoadAccuracyTable(flags.accuracy_table));
  if (!loaded) {
    return absl::InvalidArgumentError(
        "--accuracy-table is required (no bundled table found)");
  }
  const nb201::AccuracyTable& table = *loaded;
  const uint64_t sample_seed = flags.sample_seed;
  TENAS_ASSIGN_OR_RETURN(measures::ScoreOptions options,
                         ToScoreOptions(flags.measure));
  const std::vector<measures::Measure> measure_list =
      measures::RequestedMeasures(options);
  const int threads = ConfigureThreads(flags.measure.threads);
  const std::string& dataset_name = flags.measure.dataset;
  TENAS_ASSIGN_OR_RETURN(
      data::ImageDataset dataset,
      data::LoadDataset(dataset_name, flags.measure.data_dir));

  // The architectures: those listed, or a uniform sample without
  // replacement over all 15625.
  std::vector<int> ordinals;
  if (!flags.arch_indices.empty()) {
    TENAS_ASSIGN_OR_RETURN(const std::vector<int> indices,
                           ReadIndices(flags.arch_indices));
    std::vector<int> ordinal_of(nb201::kNumArchitectures, -1);
    for (int n = 0; n < nb201::kNumArchitectures; ++n) {
      const nb201::BenchmarkAccuracy* acc =
          table.Find(nb201::ArchitectureFromOrdinal(n));
      if (acc != nullptr && acc->index >= 0 &&
          acc->index < nb201::kNumArchitectures) {
        ordinal_of[acc->index] = n;
      }
    }
    for (int index : indices) {
      if (ordinal_of[index] < 0) {
        return absl::NotFoundError(
            absl::StrCat("accuracy_table: no row for index ", index));
      }
      ordinals.push_back(ordinal_of[index]);
    }
  } else {
    ordinals.resize(nb201::kNumArchitectures);
    std::iota(ordinals.begin(), ordinals.end(), 0);
    Rng rng(sample_seed);
    for (int64_t i = 0; i < flags.samples; ++i) {
      std::swap(ordinals[i], ordinals[i + rng.Uniform(ordinals.size() - i)]);
    }
    ordinals.resize(flags.samples);
  }
  const int64_t samples = static_cast<int64_t>(ordinals.size());

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
    measures::ScoreOptions arch_options = options;
    if (flags.draws != "shared") {
      arch_options.seed =
          DeriveSeed(options.seed, {static_cast<uint64_t>(acc->index)});
    }
    if (flags.draws == "naslib") arch_options.proxy_macro_seed = options.seed;
    TENAS_ASSIGN_OR_RETURN(measures::ScoreResult score,
                           measures::ScoreNb201(arch, dataset, arch_options));
    Row row{nb201::FormatArchitecture(arch),
            acc->index,
            {acc->cifar10_test, acc->cifar100_test, acc->imagenet16_test},
            {},
            score.seconds};
    for (measures::Measure m : measure_list) {
      if (m == measures::Measure::kNtk) {
        row.values.push_back(score.kappa_mean);
      } else if (m == measures::Measure::kRegions) {
        row.values.push_back(score.regions_mean);
      }
    }
    for (const measures::ProxyScore& p : score.proxies) {
      row.values.push_back(p.mean);
    }
    std::string line =
        absl::StrFormat("[%d/%d] #%d", i + 1, samples, acc->index);
    for (size_t m = 0; m < measure_list.size(); ++m) {
      absl::StrAppendFormat(&line, "  %s %.4g",
                            std::string(MeasureName(measure_list[m])),
                            row.values[m]);
    }
    absl::StrAppendFormat(&line, "  %.2fs\n", score.seconds);
    std::cerr << line;
    rows.push_back(std::move(row));
  }
  const double total_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();

  // τ and ρ of each measure (in its own direction: κ negated, so that every
  // entry reads "higher is better") against each accuracy column.
  struct Column {
    std::string name;
    std::vector<double> values;
  };
  std::vector<Column> columns;
  for (size_t m = 0; m < measure_list.size(); ++m) {
    Column c{std::string(MeasureName(measure_list[m])), {}};
    const double sign = measures::HigherIsBetter(measure_list[m]) ? 1 : -1;
    for (const Row& r : rows) c.values.push_back(sign * r.values[m]);
    columns.push_back(std::move(c));
  }
  if (options.compute_ntk && options.compute_regions) {
    // TE-NAS: rank(κ ascending) + rank(R descending), small is good; negated.
    std::vector<double> kappa, neg_regions;
    for (const Row& r : rows) {
      kappa.push_back(r.values[0]);
      neg_regions.push_back(-r.values[1]);
    }
    const std::vector<double> rank_k = AverageRanks(kappa);
    const std::vector<double> rank_r = AverageRanks(neg_regions);
    Column c{"TE-NAS rank sum", {}};
    for (size_t i = 0; i < rows.size(); ++i) {
      c.values.push_back(-(rank_k[i] + rank_r[i]));
    }
    columns.push_back(std::move(c));
  }
  std::vector<double> per_arch;
  for (const Row& r : rows) per_arch.push_back(r.seconds);
  std::sort(per_arch.begin(), per_arch.end());

  std::string md;
  absl::StrAppendFormat(&md,
                        "# Validation of the measures on NAS-Bench-201\n\n");
  absl::StrAppendFormat(
      &md,
      "Generated by `tenas-bench validate %s` on %s (%s, %d LibTorch "
      "threads, %u cores).\n\n",
      absl::StrJoin(args, " "), Today(), CpuModel(), threads,
      std::thread::hardware_concurrency());
  absl::StrAppendFormat(
      &md,
      "%d architectures (%s); each scored on the %s images of `%s` (%d "
      "images) with seed %d%s, %d repeats, NTK batch %d, proxy batch %d, "
      "init `%s`. Accuracy: the `*_test` columns of the benchmark table (200 "
      "epochs, mean over seeds).\n\n",
      samples,
      flags.arch_indices.empty()
          ? absl::StrFormat("sampled uniformly without replacement from all "
                            "15625, sample seed %d",
                            sample_seed)
          : absl::StrCat("listed in `", flags.arch_indices, "`"),
      dataset.name,
      flags.measure.data_dir.empty() ? "bundled sample"
                                     : flags.measure.data_dir,
      dataset.size(), options.seed,
      flags.draws == "per-arch"
          ? " (per architecture: a seed derived from it and the index)"
      : flags.draws == "naslib"
          ? " (per architecture: a seed derived from it and the index for "
            "the batches and the proxy network's cell operations; the "
            "proxy network's stem, residual blocks and head from the seed "
            "itself, as NASLib's zero-cost benchmark runner)"
          : "",
      options.repeats, options.batch_size, options.proxy_batch_size,
      std::string(nn::InitModeName(options.init)));
  absl::StrAppendFormat(
      &md,
      "| measure | τ CIFAR-10 | ρ CIFAR-10 | τ CIFAR-100 | "
      "ρ CIFAR-100 | τ ImageNet16-120 | ρ ImageNet16-120 |\n");
  absl::StrAppendFormat(&md, "|---|---|---|---|---|---|---|\n");
  std::string summary;
  for (const Column& c : columns) {
    absl::StrAppendFormat(&md, "| %s", c.name);
    for (size_t a = 0; a < kAccuracyColumns.size(); ++a) {
      std::vector<double> acc;
      for (const Row& r : rows) acc.push_back(r.accuracy[a]);
      const double tau = KendallTauB(c.values, acc);
      absl::StrAppendFormat(&md, " | %+.3f | %+.3f", tau,
                            SpearmanRho(c.values, acc));
      if (a == 0)
        absl::StrAppendFormat(&summary, " tau(%s)=%+.3f", c.name, tau);
    }
    absl::StrAppendFormat(&md, " |\n");
  }
  absl::StrAppendFormat(
      &md,
      "\nτ: Kendall's tau-b; ρ: Spearman's rank correlation. Every measure is "
      "ranked in its own direction (κ negated: lower κ is better), so a "
      "positive entry means the measure orders architectures as their "
      "accuracy does. The TE-NAS rank sum adds the rank of κ ascending to the "
      "rank of R descending.\n\n");
  absl::StrAppendFormat(
      &md,
      "Time: %.1f s in all, %.2f s per architecture (median %.2f s, min "
      "%.2f s, max %.2f s).\n\n",
      total_seconds, total_seconds / samples, per_arch[per_arch.size() / 2],
      per_arch.front(), per_arch.back());
  std::cout << absl::StrFormat("over %d archs in %.1f s:%s\n", samples,
                               total_seconds, summary);
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
    if (!csv) {
      return absl::PermissionDeniedError(
          absl::StrCat("--csv: cannot write '", flags.csv, "'"));
    }
    csv << "index,arch";
    for (const char* a : kAccuracyColumns) csv << "," << a;
    for (measures::Measure m : measure_list) csv << "," << MeasureName(m);
    csv << ",seconds\n";
    for (const Row& r : rows) {
      csv << r.index << "," << r.arch;
      for (double a : r.accuracy) csv << absl::StrFormat(",%.6f", a);
      for (double v : r.values) csv << absl::StrFormat(",%.17g", v);
      csv << absl::StrFormat(",%.4f\n", r.seconds);
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
      "Kendall tau and Spearman rho of the measures against NAS-Bench-201 "
      "accuracies");
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
  command
      ->add_option("--arch-indices", flags->arch_indices,
                   "score the NB201 architectures of these official indices "
                   "(one per line) instead of a uniform sample")
      ->type_name("FILE");
  AddMeasureFlags(command, &flags->measure, MeasureFlagSet::kWithoutNtkImpl,
                  "cores");
  AddMeasureListFlags(command, &flags->measure);
  AddChoice(command, "--draws", &flags->draws, {"shared", "per-arch", "naslib"},
            "shared: every architecture scored with --seed (the same "
            "batches and initial weights); per-arch: a seed per "
            "architecture, derived from --seed and its index (fresh batches "
            "and weights); naslib: fresh batches and fresh cell operations "
            "per architecture on the proxy network's stem, residual blocks "
            "and head of --seed, as NASLib's zero-cost benchmark runner");
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
