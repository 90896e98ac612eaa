// Copyright 2026 The tenas Authors.
//
// scorer_service.h: tenas.v1.ArchitectureScorer on the gRPC callback API.
// Handlers validate, enqueue device work on the EvaluationEngine and return
// at once; workers finish the calls. Library errors become gRPC status only
// through ToGrpcStatus (status_mapping.h).

#ifndef TENAS_SERVER_SCORER_SERVICE_H_
#define TENAS_SERVER_SCORER_SERVICE_H_

#include <atomic>
#include <string>

#include "server/auth.h"
#include "server/metrics.h"
#include "server/proto_convert.h"
#include "server/result_cache.h"
#include "server/search_manager.h"
#include "tenas/data/dataset_store.h"
#include "tenas/engine/evaluation_engine.h"
#include "tenas/v1/scorer.grpc.pb.h"

namespace tenas::server {

/// Static facts reported by GetServerInfo.
struct ServiceInfo {
  std::string version;
  std::string torch_version;
  std::string device;
  int threads_per_worker = 1;
  measures::NtkMethod ntk_method = measures::NtkMethod::kFast;
  int64_t ntk_max_memory_bytes = measures::kDefaultNtkMaxMemoryBytes;
  /// The largest message the server sends, in bytes (--max-message-bytes):
  /// answers that would be larger are refused, before the work when their
  /// size is known from the request.
  int64_t max_message_bytes = 16 << 20;
};

class ScorerService final : public v1::ArchitectureScorer::CallbackService {
 public:
  /// `cache` (may be disabled) and `auth` (null: no authentication) must
  /// outlive the service.
  ScorerService(engine::EvaluationEngine& engine, ServerMetrics& metrics,
                const RequestLimits& limits, const ServiceInfo& info,
                ResultCache& cache, const TokenAuthenticator* auth);
  ScorerService(const ScorerService&) = delete;
  ScorerService& operator=(const ScorerService&) = delete;

  /// Makes the service ready: until then every RPC but GetServerInfo
  /// answers UNAVAILABLE. Both pointers must outlive the service.
  void SetReady(const data::DatasetStore* datasets, SearchManager* searches);
  /// Draining: new calls answer UNAVAILABLE.
  void SetDraining();

  grpc::ServerUnaryReactor* ScoreArchitecture(
      grpc::CallbackServerContext* context,
      const v1::ScoreArchitectureRequest* request,
      v1::ScoreArchitectureResponse* response) override;
  grpc::ServerWriteReactor<v1::ScoreArchitecturesResponse>* ScoreArchitectures(
      grpc::CallbackServerContext* context,
      const v1::ScoreArchitecturesRequest* request) override;
  grpc::ServerWriteReactor<v1::SearchEvent>* RunSearch(
      grpc::CallbackServerContext* context,
      const v1::RunSearchRequest* request) override;
  grpc::ServerUnaryReactor* GetSearch(grpc::CallbackServerContext* context,
                                      const v1::GetSearchRequest* request,
                                      v1::GetSearchResponse* response) override;
  grpc::ServerWriteReactor<v1::SearchEvent>* WatchSearch(
      grpc::CallbackServerContext* context,
      const v1::WatchSearchRequest* request) override;
  grpc::ServerUnaryReactor* CancelSearch(
      grpc::CallbackServerContext* context,
      const v1::CancelSearchRequest* request,
      v1::CancelSearchResponse* response) override;
  grpc::ServerUnaryReactor* ListSearches(
      grpc::CallbackServerContext* context,
      const v1::ListSearchesRequest* request,
      v1::ListSearchesResponse* response) override;
  grpc::ServerUnaryReactor* GetServerInfo(
      grpc::CallbackServerContext* context,
      const v1::GetServerInfoRequest* request,
      v1::GetServerInfoResponse* response) override;

 private:
  /// UNAVAILABLE while loading or draining, else OK.
  absl::Status CheckServing() const;
  /// Who calls (token name, else peer host, who then sees every search);
  /// UNAUTHENTICATED without a valid token when tokens are required.
  absl::StatusOr<Caller> Authenticate(
      grpc::CallbackServerContext* context) const;
  /// Authenticate, then CheckServing; returns the caller.
  absl::StatusOr<Caller> Admit(grpc::CallbackServerContext* context) const;

  engine::EvaluationEngine& engine_;
  ServerMetrics& metrics_;
  const RequestLimits limits_;
  const ServiceInfo info_;
  ResultCache& cache_;
  const TokenAuthenticator* const auth_;
  std::atomic<const data::DatasetStore*> datasets_{nullptr};
  std::atomic<SearchManager*> searches_{nullptr};
  std::atomic<bool> draining_{false};
};

}  // namespace tenas::server

#endif  // TENAS_SERVER_SCORER_SERVICE_H_
