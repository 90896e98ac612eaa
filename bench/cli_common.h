// Copyright 2026 The tenas Authors.
//
// cli_common.h: pieces shared by the tenas-bench subcommands: the measure
// flags of score, search and validate, thread setup and error reports.

#ifndef TENAS_BENCH_CLI_COMMON_H_
#define TENAS_BENCH_CLI_COMMON_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tenas/cli/command_line.h"
#include "tenas/measures/score.h"
#include "tenas/options/search_defaults.h"
#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"

namespace tenas::cli {

/// The flags of the measures (and their data), shared by score, search and
/// validate. Their initial values are the defaults --help shows.
struct MeasureFlags {
  std::string dataset = "cifar10";
  std::string data_dir;  ///< Empty: the bundled sample.
  uint64_t seed = 0;
  int repeats = 3;
  /// NTK batch; 0: the per-space, per-dataset default.
  int batch_size = 0;
  std::string init = "shipped";
  bool fp64 = false;
  std::string ntk = "fast";
  /// The fast path's backward: explicit (default) or vmap (the one it
  /// replaced), for A/B benchmarks of one build.
  std::string ntk_backward = "explicit";
  std::string max_memory = "2G";
  /// LibTorch threads per worker; 0: cores / workers.
  int threads = 0;
  /// auto, cpu, cuda or cuda:N (engine::ResolveDevice).
  std::string device = "cpu";
  /// Comma-separated measure names (options/measures.h); "all" for every one.
  std::string measures = "ntk,lr";
  /// Images per zero-cost proxy batch.
  int proxy_batch_size = 32;
};

/// Which of the measure flags a subcommand takes.
enum class MeasureFlagSet {
  kAll,            ///< score, search.
  kWithoutNtkImpl  ///< validate: no --ntk, --max-memory.
};

/// Adds --dataset --data-dir --seed --repeats --batch-size --init --fp64
/// --threads --device (and --ntk --ntk-backward --max-memory with kAll) to
/// `command`, bound to `flags`. `threads_default` describes the default of
/// --threads.
void AddMeasureFlags(CLI::App* command, MeasureFlags* flags, MeasureFlagSet set,
                     const std::string& threads_default);

/// Adds --measures and --proxy-batch-size (score, validate) to `command`.
/// Without them the flags keep their defaults (κ and R).
void AddMeasureListFlags(CLI::App* command, MeasureFlags* flags);

/// Applies `threads` (0: cores / workers, at least 1) to LibTorch's
/// intra-op pool, which every worker thread inherits. Returns the count.
int ConfigureThreads(int threads, int workers = 1);

/// The score options of `flags` (batch_size 0 stays 0: the caller applies
/// the default), --device resolved to a device of this machine.
/// INVALID_ARGUMENT names a bad --init, --ntk, --max-memory, --measures or
/// --device;
/// FAILED_PRECONDITION a CUDA device this machine does not have.
absl::StatusOr<measures::ScoreOptions> ToScoreOptions(
    const MeasureFlags& flags);

/// An --arch flag parsed for its space: exactly one member is set.
struct ArchFlag {
  std::optional<nb201::Architecture> nb201;
  std::optional<darts::Genotype> darts;
};

/// Parses --arch `text` as an NB201 string or a DARTS genotype (per
/// `space`). INVALID_ARGUMENT naming --arch when it is malformed, or when a
/// genotype's concat lists are not the scored [2, 3, 4, 5]
/// (darts::CheckScoredConcat), so nothing is scored as what it is not.
absl::StatusOr<ArchFlag> ParseArchFlag(search::SpaceKind space,
                                       const std::string& text);

}  // namespace tenas::cli

#endif  // TENAS_BENCH_CLI_COMMON_H_
