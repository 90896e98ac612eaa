// Copyright 2026 The tenas Authors.

#include "client/cli_support.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace tenas::client {

using cli::Flags;

namespace {

const std::set<std::string> kCommonValueFlags = {
    "server",  "timeout",         "tls-ca",         "tls-cert",
    "tls-key", "tls-server-name", "auth-token-file"};

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

// Checks the connection flags: readable PEM files, both or neither of
// --tls-cert / --tls-key, a token in --auth-token-file.
absl::Status CheckConnectionFlags(const Flags& flags) {
  for (const char* flag : {"tls-ca", "tls-cert", "tls-key"}) {
    if (!flags.Has(flag)) continue;
    std::optional<std::string> pem = ReadFile(flags.GetString(flag));
    if (!pem || pem->find("-----BEGIN") == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, ": '", flags.GetString(flag),
                       "' is not a readable PEM file"));
    }
  }
  if (flags.Has("tls-cert") != flags.Has("tls-key")) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key: give both or neither");
  }
  if (flags.Has("auth-token-file") &&
      !ReadToken(flags.GetString("auth-token-file"))) {
    return absl::InvalidArgumentError(
        absl::StrCat("--auth-token-file: '", flags.GetString("auth-token-file"),
                     "' is unreadable or holds no token"));
  }
  return absl::OkStatus();
}

}  // namespace

int UsageError(const std::string& command, const std::string& message,
               const char* usage) {
  std::cerr << "tenas " << command << ": " << message << "\n"
            << usage << std::endl;
  return kUsage;
}

// One line on stderr; exit 2 for INVALID_ARGUMENT, else 1.
int RpcError(const std::string& command, const grpc::Status& status) {
  std::string message = status.error_message();
  for (char& c : message) {
    if (c == '\n') c = ' ';
  }
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
  const int code = static_cast<int>(status.error_code());
  std::cerr << "tenas " << command << ": "
            << (code >= 0 && code <= 16 ? kNames[code] : "ERROR") << ": "
            << message << std::endl;
  return status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ? kUsage
                                                                   : kFailure;
}

// A channel to --server: TLS with --tls (system roots) or --tls-ca, a
// client certificate with --tls-cert/--tls-key, plaintext otherwise.
// Precondition: CheckConnectionFlags passed.
std::shared_ptr<grpc::Channel> Channel(const Flags& flags) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  if (flags.Has("tls") || flags.Has("tls-ca") || flags.Has("tls-cert")) {
    grpc::SslCredentialsOptions ssl;
    if (flags.Has("tls-ca")) {
      ssl.pem_root_certs = ReadFile(flags.GetString("tls-ca")).value_or("");
    }
    if (flags.Has("tls-cert")) {
      ssl.pem_cert_chain = ReadFile(flags.GetString("tls-cert")).value_or("");
      ssl.pem_private_key = ReadFile(flags.GetString("tls-key")).value_or("");
    }
    credentials = grpc::SslCredentials(ssl);
    if (flags.Has("tls-server-name")) {
      args.SetSslTargetNameOverride(flags.GetString("tls-server-name"));
    }
  }
  return grpc::CreateCustomChannel(flags.GetString("server", "localhost:50051"),
                                   credentials, args);
}

// Applies --timeout SECONDS as the call deadline and --auth-token-file as
// the call's bearer token.
void SetDeadline(const Flags& flags, grpc::ClientContext* context) {
  auto t = flags.GetInt("timeout", 0, 0, 86400 * 30);
  if (t.ok() && *t > 0) {
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(*t));
  }
  if (flags.Has("auth-token-file")) {
    if (auto token = ReadToken(flags.GetString("auth-token-file"))) {
      context->AddMetadata("authorization", "Bearer " + *token);
    }
  }
}

std::optional<Flags> ParseFlags(const std::string& command,
                                const std::vector<std::string>& args,
                                std::set<std::string> value_flags,
                                std::set<std::string> bool_flags,
                                const char* usage, int* exit_code) {
  value_flags.insert(kCommonValueFlags.begin(), kCommonValueFlags.end());
  bool_flags.insert("json");
  bool_flags.insert("tls");
  auto flags = Flags::Parse(args, value_flags, bool_flags);
  if (!flags.ok()) {
    *exit_code =
        UsageError(command, std::string(flags.status().message()), usage);
    return std::nullopt;
  }
  auto timeout = flags->GetInt("timeout", 0, 0, 86400 * 30);
  if (!timeout.ok()) {
    *exit_code =
        UsageError(command, std::string(timeout.status().message()), usage);
    return std::nullopt;
  }
  if (absl::Status s = CheckConnectionFlags(*flags); !s.ok()) {
    *exit_code = UsageError(command, std::string(s.message()), usage);
    return std::nullopt;
  }
  return *flags;
}

bool ReadInt(const std::string& command, const Flags& flags,
             const std::string& name, int64_t fallback, int64_t min,
             int64_t max, int64_t* out, const char* usage, int* exit_code) {
  auto v = flags.GetInt(name, fallback, min, max);
  if (!v.ok()) {
    *exit_code = UsageError(command, std::string(v.status().message()), usage);
    return false;
  }
  *out = *v;
  return true;
}

}  // namespace tenas::client
