// Copyright 2026 The tenas Authors.
//
// cli_support.h: what every `tenas` subcommand shares: the exit codes, the
// flag parsing with the connection flags (--server, --timeout, --tls,
// --tls-ca, --tls-cert, --tls-key, --tls-server-name, --auth-token-file),
// the channel and call context they describe, and one-line error reports.

#ifndef TENAS_CLIENT_CLI_SUPPORT_H_
#define TENAS_CLIENT_CLI_SUPPORT_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "flag_parser.h"

namespace tenas::client {

inline constexpr int kOk = 0;
inline constexpr int kFailure = 1;
inline constexpr int kUsage = 2;

/// Prints "tenas COMMAND: MESSAGE" and the usage on stderr; returns kUsage.
int UsageError(const std::string& command, const std::string& message,
               const char* usage);

/// One line on stderr naming the status code; kUsage for INVALID_ARGUMENT,
/// else kFailure.
int RpcError(const std::string& command, const grpc::Status& status);

/// A channel to --server: TLS with --tls (system roots) or --tls-ca, a
/// client certificate with --tls-cert/--tls-key, plaintext otherwise.
/// Precondition: the flags came from ParseFlags.
std::shared_ptr<grpc::Channel> Channel(const cli::Flags& flags);

/// Applies --timeout SECONDS as the call deadline and --auth-token-file as
/// the call's bearer token.
void SetDeadline(const cli::Flags& flags, grpc::ClientContext* context);

/// Parses `args` with the command's flags plus the connection flags and
/// --json, and checks the connection flags (readable PEM files, a token).
/// On error prints it and sets `exit_code` to kUsage.
std::optional<cli::Flags> ParseFlags(const std::string& command,
                                     const std::vector<std::string>& args,
                                     std::set<std::string> value_flags,
                                     std::set<std::string> bool_flags,
                                     const char* usage, int* exit_code);

/// Reads integer flag `name` in [min, max] (default `fallback`) into `out`;
/// false (with `exit_code` = kUsage and the error printed) when invalid.
bool ReadInt(const std::string& command, const cli::Flags& flags,
             const std::string& name, int64_t fallback, int64_t min,
             int64_t max, int64_t* out, const char* usage, int* exit_code);

}  // namespace tenas::client

#endif  // TENAS_CLIENT_CLI_SUPPORT_H_
