// Copyright 2026 The tenas Authors.
//
// cli_common.h: pieces shared by the tenas-bench subcommands: exit codes,
// status reporting, thread setup and option parsing.

#ifndef TENAS_BENCH_CLI_COMMON_H_
#define TENAS_BENCH_CLI_COMMON_H_

#include <string>

#include "absl/status/status.h"
#include "flag_parser.h"
#include "tenas/measures/score.h"

namespace tenas::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

/// Prints `status` on one stderr line and returns its exit code: 2 for
/// INVALID_ARGUMENT (bad usage or input), 1 otherwise.
int ReportError(const std::string& command, const absl::Status& status);

/// Applies --threads (default: cores / workers, at least 1) to LibTorch's
/// intra-op pool, which every worker thread inherits. Returns the count.
absl::StatusOr<int> ConfigureThreads(const Flags& flags, int workers = 1);

/// Reads --seed --repeats --batch-size --init --fp64 --ntk --max-memory into
/// `options`.
absl::Status ReadScoreOptions(const Flags& flags,
                              measures::ScoreOptions* options);

}  // namespace tenas::cli

#endif  // TENAS_BENCH_CLI_COMMON_H_
