// Copyright 2026 The tenas Authors.
//
// cli_support.h: what every `tenas` subcommand shares: the exit codes, the
// connection flags (--server, --timeout, --tls, --tls-ca, --tls-cert,
// --tls-key, --tls-server-name, --auth-token-file), the channel and call
// context they describe, and one-line error reports.

#ifndef TENAS_CLIENT_CLI_SUPPORT_H_
#define TENAS_CLIENT_CLI_SUPPORT_H_

#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "tenas/cli/command_line.h"

namespace tenas::client {

inline constexpr int kOk = cli::kExitOk;
inline constexpr int kFailure = cli::kExitFailure;
inline constexpr int kUsage = cli::kExitUsage;

/// The connection flags; empty strings are flags not given.
struct ConnectionFlags {
  std::string server = "localhost:50051";
  /// Call deadline in seconds; 0: the command's default (none for most).
  int timeout = 0;
  bool tls = false;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_server_name;
  std::string auth_token_file;
};

/// Adds the connection flags, bound to `flags`, to `app`. Called for the
/// main app and for every subcommand, so that they work before and after the
/// subcommand's name.
void AddConnectionFlags(CLI::App* app, ConnectionFlags* flags);

/// Checks the connection flags: a --server port in [1, 65535], readable PEM
/// files, both or neither of --tls-cert / --tls-key, a token in
/// --auth-token-file. INVALID_ARGUMENT names the flag.
absl::Status CheckConnectionFlags(const ConnectionFlags& flags);

/// A channel to --server: TLS with --tls (system roots) or --tls-ca, a
/// client certificate with --tls-cert/--tls-key, plaintext otherwise.
/// Precondition: CheckConnectionFlags passed.
std::shared_ptr<grpc::Channel> Channel(const ConnectionFlags& flags);

/// Applies --timeout (or, when it is 0, `default_seconds` if positive) as the
/// call deadline and --auth-token-file as the call's bearer token.
void SetDeadline(const ConnectionFlags& flags, grpc::ClientContext* context,
                 int default_seconds = 0);

/// Prints "tenas COMMAND: MESSAGE" on one stderr line; returns kUsage.
int UsageError(const std::string& command, const std::string& message);

/// The canonical name of a gRPC status code ("INVALID_ARGUMENT"), or
/// "ERROR" outside 0..16.
const char* StatusCodeName(int code);

/// One line on stderr naming the status code; kUsage for INVALID_ARGUMENT,
/// else kFailure.
int RpcError(const std::string& command, const grpc::Status& status);

}  // namespace tenas::client

#endif  // TENAS_CLIENT_CLI_SUPPORT_H_
