// Copyright 2026 The tenas Authors.

#include "client/cli_support.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tenas/util/error_text.h"

namespace tenas::client {
namespace {

constexpr char kConnectionGroup[] = "Connection (before or after the command)";

// The whole file at `path`, or nullopt when it cannot be read.
std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The token of --auth-token-file: its first line that is not blank or a
// `#` comment; of a `NAME TOKEN` line (the server's format), the token.
std::optional<std::string> ReadToken(const std::string& path) {
  std::optional<std::string> text = ReadFile(path);
  if (!text) return std::nullopt;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    return fields.back();
  }
  return std::nullopt;
}

// Checks the port of --server's HOST:PORT or [IPV6]:PORT: digits in
// [1, 65535] (gRPC would otherwise take 99999 modulo 65536 or fail late).
// Targets gRPC resolves itself (unix:PATH, dns:///...) and a named port
// pass unchecked.
absl::Status CheckServerAddress(const std::string& server) {
  if (server.empty()) return absl::InvalidArgumentError("--server: empty");
  if (server.rfind("unix:", 0) == 0 || server.rfind("unix-abstract:", 0) == 0 ||
      server.find("://") != std::string::npos) {
    return absl::OkStatus();
  }
  const size_t colon = server.rfind(':');
  if (colon == std::string::npos) return absl::OkStatus();  // Default port.
  const std::string host = server.substr(0, colon);
  // A bare IPv6 address ("::1") has colons but no port.
  if (host.find(':') != std::string::npos && host.front() != '[') {
    return absl::OkStatus();
  }
  const std::string port_text = server.substr(colon + 1);
  if (port_text.empty() ||
      !std::all_of(port_text.begin(), port_text.end(),
                   [](unsigned char c) { return absl::ascii_isdigit(c); })) {
    if (!port_text.empty()) return absl::OkStatus();  // A named port.
    return absl::InvalidArgumentError(
        absl::StrCat("--server: '", ShortInput(server), "' has no port"));
  }
  int port = 0;
  if (port_text.size() > 5 || !absl::SimpleAtoi(port_text, &port) || port < 1 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--server: port ", ShortInput(port_text, 16), " of '",
                     ShortInput(server), "' is out of range [1, 65535]"));
  }
  return absl::OkStatus();
}

}  // namespace

void AddConnectionFlags(CLI::App* app, ConnectionFlags* flags) {
  app->add_option("--server", flags->server, "address of tenas-server")
      ->type_name("HOST:PORT")
      ->group(kConnectionGroup);
  cli::AddInt(app, "--timeout", &flags->timeout, 0, 86400 * 30,
              "call deadline in seconds; 0: none (health: 5)")
      ->group(kConnectionGroup);
  cli::AddFlag(app, "--tls", &flags->tls, "TLS with the system's CAs")
      ->group(kConnectionGroup);
  app->add_option("--tls-ca", flags->tls_ca,
                  "TLS, trusting the CA certificates of this file")
      ->type_name("PEM")
      ->default_str("none")
      ->group(kConnectionGroup);
  app->add_option("--tls-cert", flags->tls_cert,
                  "client certificate (mutual TLS; with --tls-key)")
      ->type_name("PEM")
      ->default_str("none")
      ->group(kConnectionGroup);
  app->add_option("--tls-key", flags->tls_key, "private key of --tls-cert")
      ->type_name("PEM")
      ->default_str("none")
      ->group(kConnectionGroup);
  app->add_option("--tls-server-name", flags->tls_server_name,
                  "the name the server's certificate must have, when it "
                  "differs from --server's host")
      ->type_name("NAME")
      ->default_str("--server's host")
      ->group(kConnectionGroup);
  app->add_option("--auth-token-file", flags->auth_token_file,
                  "bearer token: the first line, or the TOKEN of a "
                  "'NAME TOKEN' line")
      ->type_name("FILE")
      ->default_str("none")
      ->group(kConnectionGroup);
}

absl::Status CheckConnectionFlags(const ConnectionFlags& flags) {
  if (absl::Status s = CheckServerAddress(flags.server); !s.ok()) return s;
  const std::pair<const char*, const std::string*> pem_files[] = {
      {"--tls-ca", &flags.tls_ca},
      {"--tls-cert", &flags.tls_cert},
      {"--tls-key", &flags.tls_key}};
  for (const auto& [flag, path] : pem_files) {
    if (path->empty()) continue;
    std::optional<std::string> pem = ReadFile(*path);
    if (!pem || pem->find("-----BEGIN") == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": '", *path, "' is not a readable PEM file"));
    }
  }
  if (flags.tls_cert.empty() != flags.tls_key.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key: give both or neither");
  }
  if (!flags.auth_token_file.empty() && !ReadToken(flags.auth_token_file)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--auth-token-file: '", flags.auth_token_file,
                     "' is unreadable or holds no token"));
  }
  return absl::OkStatus();
}

std::shared_ptr<grpc::Channel> Channel(const ConnectionFlags& flags) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  if (flags.tls || !flags.tls_ca.empty() || !flags.tls_cert.empty()) {
    grpc::SslCredentialsOptions ssl;
    if (!flags.tls_ca.empty()) {
      ssl.pem_root_certs = ReadFile(flags.tls_ca).value_or("");
    }
    if (!flags.tls_cert.empty()) {
      ssl.pem_cert_chain = ReadFile(flags.tls_cert).value_or("");
      ssl.pem_private_key = ReadFile(flags.tls_key).value_or("");
    }
    credentials = grpc::SslCredentials(ssl);
    if (!flags.tls_server_name.empty()) {
      args.SetSslTargetNameOverride(flags.tls_server_name);
    }
  }
  return grpc::CreateCustomChannel(flags.server, credentials, args);
}

void SetDeadline(const ConnectionFlags& flags, grpc::ClientContext* context,
                 int default_seconds) {
  const int seconds = flags.timeout > 0 ? flags.timeout : default_seconds;
  if (seconds > 0) {
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(seconds));
  }
  if (!flags.auth_token_file.empty()) {
    if (auto token = ReadToken(flags.auth_token_file)) {
      context->AddMetadata("authorization", "Bearer " + *token);
    }
  }
}

int UsageError(const std::string& command, const std::string& message) {
  std::cerr << "tenas " << command << ": " << cli::OneLine(message)
            << std::endl;
  return kUsage;
}

const char* StatusCodeName(int code) {
  static const char* kNames[] = {"OK",
                                 "CANCELLED",
                                 "UNKNOWN",
                                 "INVALID_ARGUMENT",
                                 "DEADLINE_EXCEEDED",
                                 "NOT_FOUND",
                                 "ALREADY_EXISTS",
                                 "PERMISSION_DENIED",
                                 "RESOURCE_EXHAUSTED",
                                 "FAILED_PRECONDITION",
                                 "ABORTED",
                                 "OUT_OF_RANGE",
                                 "UNIMPLEMENTED",
                                 "INTERNAL",
                                 "UNAVAILABLE",
                                 "DATA_LOSS",
                                 "UNAUTHENTICATED"};
  return code >= 0 && code <= 16 ? kNames[code] : "ERROR";
}

int RpcError(const std::string& command, const grpc::Status& status) {
  const int code = static_cast<int>(status.error_code());
  std::cerr << "tenas " << command << ": " << StatusCodeName(code) << ": "
            << cli::OneLine(status.error_message()) << std::endl;
  return status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ? kUsage
                                                                   : kFailure;
}

}  // namespace tenas::client
