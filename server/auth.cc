// Copyright 2026 The tenas Authors.

#include "server/auth.h"

#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/status_mapping.h"

namespace tenas::server {
namespace {

constexpr size_t kMinTokenLength = 16;
constexpr absl::string_view kAdminPrefix = "admin:";

// Equal strings, in time independent of where they differ.
bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TokenAuthenticator>>
TokenAuthenticator::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--auth-token-file: cannot read '", path, "'"));
  }
  std::vector<Entry> entries;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    std::vector<std::string> fields =
        absl::StrSplit(text, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() > 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--auth-token-file: line ", n, " has more than NAME TOKEN"));
    }
    Entry e;
    e.token = fields.back();
    e.name = fields.size() == 2 ? fields[0] : absl::StrCat("token-", n);
    // The marking is on the name, so a line keeps the token last: the
    // clients' --auth-token-file reads the last field of the first line.
    if (absl::string_view name = e.name;
        absl::ConsumePrefix(&name, kAdminPrefix)) {
      if (name.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--auth-token-file: line ", n, " has '", kAdminPrefix,
                         "' without a name"));
      }
      e.name = std::string(name);
      e.admin = true;
    }
    if (e.token.size() < kMinTokenLength) {
      return absl::InvalidArgumentError(
          absl::StrCat("--auth-token-file: the token on line ", n,
                       " is shorter than ", kMinTokenLength, " characters"));
    }
    entries.push_back(std::move(e));
  }
  if (entries.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--auth-token-file: '", path, "' holds no token"));
  }
  return std::unique_ptr<TokenAuthenticator>(
      new TokenAuthenticator(std::move(entries)));
}

absl::StatusOr<Caller> TokenAuthenticator::Authenticate(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const {
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return absl::UnauthenticatedError(
        "missing 'authorization: Bearer <token>' metadata");
  }
  const std::string value(it->second.data(), it->second.size());
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWith(value, kBearer)) {
    return absl::UnauthenticatedError(
        "authorization metadata is not 'Bearer <token>'");
  }
  const std::string token = value.substr(kBearer.size());
  const Entry* match = nullptr;
  for (const Entry& e : entries_) {
    if (ConstantTimeEquals(token, e.token)) match = &e;
  }
  if (match == nullptr) return absl::UnauthenticatedError("unknown token");
  return Caller{match->name, match->admin};
}

namespace {

constexpr absl::string_view kReflectionPrefix = "/grpc.reflection.";

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

// A grpc.reflection ServerReflectionResponse holding only error_response
// (field 7: an ErrorResponse of error_code, field 1, and error_message,
// field 2), in protobuf wire format: gRPC installs no header for the
// reflection protos.
std::string ReflectionErrorBytes(const grpc::Status& status) {
  std::string error;
  error.push_back(0x08);  // field 1, varint
  AppendVarint(static_cast<uint64_t>(status.error_code()), &error);
  error.push_back(0x12);  // field 2, length-delimited
  AppendVarint(status.error_message().size(), &error);
  error += status.error_message();
  std::string response;
  response.push_back(0x3a);  // field 7, length-delimited
  AppendVarint(error.size(), &response);
  response += error;
  return response;
}

// One reflection call: checks its token, and without a valid one replaces
// whatever the reflection service sends (see ReflectionAuthInterceptorFactory).
class ReflectionAuthInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit ReflectionAuthInterceptor(const TokenAuthenticator* auth)
      : auth_(auth) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    using Hook = grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(Hook::POST_RECV_INITIAL_METADATA)) {
      absl::StatusOr<Caller> caller =
          auth_->Authenticate(*methods->GetRecvInitialMetadata());
      denied_ = ToGrpcStatus(caller.status());
    }
    if (!denied_.ok()) {
      if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_MESSAGE)) {
        grpc::Slice slice(ReflectionErrorBytes(denied_));
        *methods->GetSerializedSendMessage() = grpc::ByteBuffer(&slice, 1);
      }
      if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_STATUS)) {
        methods->ModifySendStatus(denied_);
      }
    }
    methods->Proceed();
  }

 private:
  const TokenAuthenticator* const auth_;
  // Set once, before the handler runs (the call's first hook); denied until
  // then, to fail closed.
  grpc::Status denied_ =
      ToGrpcStatus(absl::UnauthenticatedError("token not checked"));
};

class ReflectionAuthFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ReflectionAuthFactory(const TokenAuthenticator* auth)
      : auth_(auth) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    const char* method = info->method();
    if (method == nullptr || !absl::StartsWith(method, kReflectionPrefix)) {
      return nullptr;
    }
    return new ReflectionAuthInterceptor(auth_);
  }

 private:
  const TokenAuthenticator* const auth_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
ReflectionAuthInterceptorFactory(const TokenAuthenticator* auth) {
  return std::make_unique<ReflectionAuthFactory>(auth);
}

std::string PeerHost(const std::string& peer) {
  const size_t colon = peer.rfind(':');
  const size_t first = peer.find(':');
  if (colon == std::string::npos || colon == first) return peer;
  return peer.substr(0, colon);
}

}  // namespace tenas::server
