// Copyright 2026 The tenas Authors.
//
// client_commands.h: the subcommands of the `tenas` CLI. Add*Commands add
// them with their flags to the main app; once the command line selected and
// parsed one, `*run` is set to the function that runs it, which returns the
// exit code: 0 success, 2 bad usage or INVALID_ARGUMENT, 1 other failure.

#ifndef TENAS_CLIENT_CLIENT_COMMANDS_H_
#define TENAS_CLIENT_CLIENT_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <functional>

#include "client/cli_support.h"

namespace tenas::client {

/// The function that runs the selected subcommand; returns the exit code.
using CommandRunner = std::function<int()>;

/// score, search, watch, info, searches, cancel and health, each with the
/// connection flags bound to `*connection` (which must outlive `app`).
void AddServiceCommands(CLI::App* app, ConnectionFlags* connection,
                        CommandRunner* run);

/// `tenas load`: a load generator (load_command.cc).
void AddLoadCommand(CLI::App* app, ConnectionFlags* connection,
                    CommandRunner* run);

/// `tenas scan`: many architectures through ScoreArchitectures
/// (scan_command.cc).
void AddScanCommand(CLI::App* app, ConnectionFlags* connection,
                    CommandRunner* run);

/// The whole `tenas` CLI: parses `argv`, checks the connection flags and
/// runs the selected subcommand. Returns the process exit code.
int RunTenas(int argc, const char* const* argv);

}  // namespace tenas::client

#endif  // TENAS_CLIENT_CLIENT_COMMANDS_H_
