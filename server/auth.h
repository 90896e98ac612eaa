// Copyright 2026 The tenas Authors.
//
// auth.h: bearer-token authentication of tenas.v1 calls (--auth-token-file)
// and the identity of a caller, which per-client limits count by and which
// owns the searches it starts. Server reflection is gated by the same tokens
// (ReflectionAuthInterceptorFactory); the health service and /metrics do
// not pass through here: they stay open.

#ifndef TENAS_SERVER_AUTH_H_
#define TENAS_SERVER_AUTH_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace tenas::server {

/// Who makes a call.
struct Caller {
  /// The token's name, or the peer host when the server has no tokens: what
  /// per-client limits count by, and the owner of the searches it starts.
  std::string client;
  /// Sees and cancels every client's searches: an admin token, or any
  /// caller of a server without tokens. Otherwise only its own.
  bool sees_all = false;
};

/// Bearer tokens of --auth-token-file, and the check of a call's token.
class TokenAuthenticator {
 public:
  /// Reads tokens from `path`: one per line, `TOKEN` or `NAME TOKEN` (the
  /// name identifies the client in limits and logs and owns its searches;
  /// default `token-<line>`); a name written `admin:NAME` makes the token an
  /// admin, which sees and cancels every client's searches (its client
  /// name is NAME). Blank lines and `#` comments are skipped.
  /// INVALID_ARGUMENT naming --auth-token-file when the file is unreadable,
  /// holds no token, a token is shorter than 16 characters, or a line has
  /// `admin:` without a name.
  static absl::StatusOr<std::unique_ptr<TokenAuthenticator>> LoadFile(
      const std::string& path);

  /// The caller of a call whose metadata carries
  /// `authorization: Bearer <token>` with a known token; UNAUTHENTICATED
  /// otherwise. Tokens are compared in constant time.
  absl::StatusOr<Caller> Authenticate(
      const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const;

  TokenAuthenticator(const TokenAuthenticator&) = delete;
  TokenAuthenticator& operator=(const TokenAuthenticator&) = delete;

 private:
  struct Entry {
    std::string name;
    std::string token;
    bool admin = false;
  };
  explicit TokenAuthenticator(std::vector<Entry> entries)
      : entries_(std::move(entries)) {}
  const std::vector<Entry> entries_;
};

/// Interceptors that hold gRPC server reflection to `auth`'s tokens (`auth`
/// must outlive the server). The reflection plugin is gRPC's own service,
/// out of ScorerService's reach, and a gRPC 1.51 server interceptor cannot
/// end a call before its handler runs; so for a reflection call without a
/// valid token the interceptor lets the handler run but replaces every
/// message it sends with an error_response carrying UNAUTHENTICATED, and
/// the call's status with UNAUTHENTICATED: nothing of the service leaks.
/// Other methods are not intercepted.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
ReflectionAuthInterceptorFactory(const TokenAuthenticator* auth);

/// The peer's address without its port ("ipv4:10.0.0.7:53012" ->
/// "ipv4:10.0.0.7"): the client identity when there is no token.
std::string PeerHost(const std::string& peer);

}  // namespace tenas::server

#endif  // TENAS_SERVER_AUTH_H_
