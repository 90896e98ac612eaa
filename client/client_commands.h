// Copyright 2026 The tenas Authors.
//
// client_commands.h: the subcommands of the `tenas` CLI. Each returns the
// exit code: 0 success, 2 bad usage or INVALID_ARGUMENT, 1 other failure.

#ifndef TENAS_CLIENT_CLIENT_COMMANDS_H_
#define TENAS_CLIENT_CLIENT_COMMANDS_H_

#include <string>
#include <vector>

namespace tenas::client {

int RunScore(const std::vector<std::string>& args);
int RunSearch(const std::vector<std::string>& args);
int RunWatch(const std::vector<std::string>& args);
int RunInfo(const std::vector<std::string>& args);
int RunSearches(const std::vector<std::string>& args);
int RunCancel(const std::vector<std::string>& args);
int RunHealth(const std::vector<std::string>& args);
/// `tenas load`: a load generator (load_command.cc).
int RunLoad(const std::vector<std::string>& args);

}  // namespace tenas::client

#endif  // TENAS_CLIENT_CLIENT_COMMANDS_H_
