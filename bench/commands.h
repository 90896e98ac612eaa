// Copyright 2026 The tenas Authors.
//
// commands.h: the tenas-bench subcommands. Each returns the process exit code
// (0 ok, 1 failure, 2 bad usage or invalid input) and prints its own output.

#ifndef TENAS_BENCH_COMMANDS_H_
#define TENAS_BENCH_COMMANDS_H_

#include <string>
#include <vector>

namespace tenas::cli {

/// `tenas-bench score`: both measures of one architecture.
int RunScoreCommand(const std::vector<std::string>& args);

/// `tenas-bench search`: a whole TE-NAS search.
int RunSearchCommand(const std::vector<std::string>& args);

/// `tenas-bench validate`: measures of sampled NB201 architectures against
/// the benchmark's accuracies (Kendall tau), as a Markdown report.
int RunValidateCommand(const std::vector<std::string>& args);

}  // namespace tenas::cli

#endif  // TENAS_BENCH_COMMANDS_H_
