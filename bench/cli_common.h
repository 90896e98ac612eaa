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

/// Applies --threads (default: number of cores) to LibTorch's intra-op pool.
/// Returns the thread count in use.
absl::StatusOr<int> ConfigureThreads(const Flags& flags);

/// Reads --seed --repeats --batch-size --init --fp64 into `options`.
absl::Status ReadScoreOptions(const Flags& flags,
                              measures::ScoreOptions* options);

}  // namespace tenas::cli

#endif  // TENAS_BENCH_CLI_COMMON_H_
