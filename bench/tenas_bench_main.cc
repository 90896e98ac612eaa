// Copyright 2026 The tenas Authors.
//
// tenas-bench: TE-NAS in-process, with no server: score an architecture, run
// a whole search, and validate the measures against NAS-Bench-201.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "tenas/cli/command_line.h"
#include "tenas/util/allocator_tuning.h"

int main(int argc, char** argv) {
  tenas::TuneAllocatorForTensors();
  CLI::App app(
      "TE-NAS in-process: score architectures without training them, run "
      "TE-NAS searches, validate the measures.",
      "tenas-bench");
  tenas::cli::ConfigureApp(&app);
  app.require_subcommand(1);
  app.footer("Run 'tenas-bench COMMAND --help' for the flags of a command.");
  tenas::cli::CommandRunner run;
  tenas::cli::AddScoreCommand(&app, &run);
  tenas::cli::AddSearchCommand(&app, &run);
  tenas::cli::AddMemoryCommand(&app, &run);
  tenas::cli::AddNoiseCommand(&app, &run);
  tenas::cli::AddValidateCommand(
      &app, std::vector<std::string>(argv + 1, argv + argc), &run);
  if (auto exit_code = tenas::cli::ParseCommandLine(&app, argc, argv)) {
    return *exit_code;
  }
  return run ? run() : tenas::cli::kExitUsage;
}
