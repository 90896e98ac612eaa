// Copyright 2026 The tenas Authors.
//
// tenas-bench: TE-NAS in-process, with no server: score an architecture,
// validate the measures against NAS-Bench-201, and (later) run a search.

#include <iostream>
#include <string>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "tenas/util/allocator_tuning.h"

namespace {

constexpr char kUsage[] =
    "usage: tenas-bench <command> [flags]\n"
    "commands:\n"
    "  score     the NTK condition number and linear regions of one "
    "architecture\n"
    "  search    a whole TE-NAS pruning search (NB201 or DARTS)\n"
    "  validate  Kendall tau of both measures against NAS-Bench-201 "
    "accuracies\n"
    "run 'tenas-bench <command> --help' for its flags\n";

}  // namespace

int main(int argc, char** argv) {
  tenas::TuneAllocatorForTensors();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" ||
      args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? tenas::cli::kExitUsage : tenas::cli::kExitOk;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      args = {"--help"};
      break;
    }
  }
  if (command == "score") return tenas::cli::RunScoreCommand(args);
  if (command == "search") return tenas::cli::RunSearchCommand(args);
  if (command == "validate") return tenas::cli::RunValidateCommand(args);
  std::cerr << "tenas-bench: unknown command '" << command << "'\n" << kUsage;
  return tenas::cli::kExitUsage;
}
