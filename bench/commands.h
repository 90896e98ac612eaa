// Copyright 2026 The tenas Authors.
//
// commands.h: the tenas-bench subcommands. Each Add*Command adds its
// subcommand with its flags to the main app; once the command line selected
// and parsed it, `*run` is set to the function that runs it, which prints
// its own output and returns the process exit code (0 ok, 1 failure, 2 bad
// usage or invalid input).

#ifndef TENAS_BENCH_COMMANDS_H_
#define TENAS_BENCH_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace tenas::cli {

/// The function that runs the selected subcommand; returns the exit code.
using CommandRunner = std::function<int()>;

/// `tenas-bench score`: both measures of one architecture.
void AddScoreCommand(CLI::App* app, CommandRunner* run);

/// `tenas-bench search`: a whole TE-NAS search.
void AddSearchCommand(CLI::App* app, CommandRunner* run);

/// `tenas-bench memory`: one evaluation's memory estimate and its measured
/// peak resident memory.
void AddMemoryCommand(CLI::App* app, CommandRunner* run);

/// tenas-bench noise: spread of a first round's deltas (round_noise.h).
void AddNoiseCommand(CLI::App* app, CommandRunner* run);

/// `tenas-bench validate`: measures of sampled NB201 architectures against
/// the benchmark's accuracies (Kendall tau), as a Markdown report. The
/// arguments after "validate" in `args` (the command line without the
/// program name) are quoted in the report.
void AddValidateCommand(CLI::App* app, std::vector<std::string> args,
                        CommandRunner* run);

}  // namespace tenas::cli

#endif  // TENAS_BENCH_COMMANDS_H_
