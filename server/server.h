// Copyright 2026 The tenas Authors.
//
// server.h: a whole tenas server in one object — gRPC service, health,
// reflection, metrics, evaluation engine, datasets and searches — so that
// main.cc and the integration tests (port 0) start exactly the same thing.

#ifndef TENAS_SERVER_SERVER_H_
#define TENAS_SERVER_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/proto_convert.h"
#include "server/result_cache.h"
#include "server/scorer_service.h"
#include "server/search_manager.h"
#include "server/state_store.h"
#include "tenas/data/dataset_store.h"
#include "tenas/engine/evaluation_engine.h"
#include "tenas/options/ntk_method.h"

namespace tenas::server {

struct ServerOptions {
  /// gRPC listen address; port 0 picks a free port (see TenasServer::port).
  std::string address = "0.0.0.0:50051";
  /// /metrics listen address; empty: no metrics endpoint.
  std::string metrics_address = "0.0.0.0:9464";
  /// "auto" (CUDA if available, else CPU), "cpu" or "cuda:N"; resolved by
  /// engine::ResolveDevice at Start().
  std::string device = "auto";
  /// NTK implementation and the memory budget of one batched NTK pass.
  measures::NtkMethod ntk_method = measures::NtkMethod::kFast;
  int64_t ntk_max_memory_bytes = measures::kDefaultNtkMaxMemoryBytes;
  /// Searches: NTK evaluations per batched pass, 0 = auto
  /// (search::SearchOptions::ntk_group).
  int ntk_group = 0;
  std::vector<data::DatasetSpec> datasets = {{"cifar10", ""}};
  int workers = 1;
  int max_queue = 64;
  /// LibTorch intra-op threads per worker; 0: cores / workers.
  int threads = 0;
  int max_searches = 4;
  /// Searches one client (token name, else peer address) may run at once.
  int max_searches_per_client = 2;
  /// Caps on what a client may ask (options::ValidateScoreRequest).
  RequestLimits limits;
  absl::Duration drain_timeout = absl::Seconds(30);
  /// Largest request or response message, in bytes.
  int max_message_bytes = 16 << 20;
  /// Durable state (searches, result cache); empty: kept in memory only.
  std::string state_dir;
  /// Start-up fails when the state dir's filesystem has less free space.
  int64_t state_dir_min_free_bytes = StateStore::kDefaultMinFreeBytes;
  /// --state-reset: start with an empty database where the state dir's
  /// database is lost or damaged (StateStoreOptions::reset).
  bool state_reset = false;
  /// Result cache bound in bytes; 0 disables the cache (--no-cache).
  int64_t cache_max_bytes = kDefaultCacheMaxBytes;
  /// TLS: PEM certificate chain and private key (both or neither); with
  /// tls_client_ca, clients must present a certificate it signed.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  /// Bearer tokens (TokenAuthenticator::LoadFile); empty: no authentication.
  std::string auth_token_file;
  /// Runs on the loading thread before the datasets load; may be null.
  /// Tests hold the server in its loading state with it.
  std::function<void()> before_loading;
};

class TenasServer {
 public:
  /// Binds and starts serving at once (health: NOT_SERVING for the service),
  /// then loads the datasets in the background and turns SERVING.
  static absl::StatusOr<std::unique_ptr<TenasServer>> Start(
      const ServerOptions& options);
  ~TenasServer();
  TenasServer(const TenasServer&) = delete;
  TenasServer& operator=(const TenasServer&) = delete;

  int port() const { return port_; }
  int metrics_port() const { return metrics_->port(); }
  const std::string& device() const { return device_; }

  /// Blocks until the datasets are loaded (OK) or failed to load (error).
  absl::Status WaitUntilReady();

  /// Graceful stop: health NOT_SERVING, refuse new calls, interrupt searches
  /// (they resume on the next start with the same state dir), let in-flight
  /// evaluations finish up to the drain timeout. Idempotent.
  void Shutdown();

  ServerMetrics& metrics() { return *metrics_; }
  /// The evaluation engine every RPC and search runs its work on. Tests
  /// wait on its state (EvaluationEngine::AwaitStats) and occupy its
  /// workers with jobs of their own.
  engine::EvaluationEngine& engine() { return *engine_; }

 private:
  TenasServer() = default;
  void LoadDatasets();

  ServerOptions options_;
  std::string device_;
  int port_ = 0;
  std::unique_ptr<ServerMetrics> metrics_;
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<ResultCache> cache_;
  std::unique_ptr<TokenAuthenticator> auth_;
  std::unique_ptr<engine::EvaluationEngine> engine_;
  std::unique_ptr<ScorerService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<data::DatasetStore> datasets_;
  std::unique_ptr<SearchManager> searches_;
  std::thread loader_;
  absl::Notification loaded_;
  absl::Status load_status_;
  bool shut_down_ = false;
};

}  // namespace tenas::server

#endif  // TENAS_SERVER_SERVER_H_
