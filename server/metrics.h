// Copyright 2026 The tenas Authors.
//
// metrics.h: the server's Prometheus metrics (docs/SERVICE_DESIGN.md §3),
// served in the text format on their own port by prometheus-cpp's Exposer.
//
// Names: tenas_requests_total{method,code}, tenas_request_duration_seconds
// {method}, tenas_queue_depth{class}, tenas_queue_wait_seconds{class},
// tenas_evaluations_total{metric,space} (metric: ntk, linear_regions or a
// zero-cost proxy's name), tenas_evaluation_duration_seconds{metric,space}
// (metric: ntk, linear_regions or proxies), tenas_searches_active,
// tenas_searches_total{outcome}, tenas_device_memory_bytes{kind},
// tenas_dataset_images{dataset},
// tenas_build_info{version,torch_version,device}. Thread-safe.

#ifndef TENAS_SERVER_METRICS_H_
#define TENAS_SERVER_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tenas/engine/evaluation_engine.h"

namespace tenas::server {

class ServerMetrics : public engine::EngineObserver {
 public:
  /// Registers every metric; when `bind_address` (e.g. "0.0.0.0:9464" or
  /// "127.0.0.1:0") is non-empty, also serves /metrics there, on 16 handler
  /// threads that drop a connection sending no request within 5 s (idle
  /// connections cannot block scrapes).
  static absl::StatusOr<std::unique_ptr<ServerMetrics>> Create(
      const std::string& bind_address);

  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  /// The port /metrics listens on (0 if not served).
  int port() const;

  /// One finished RPC: `code` is the gRPC code name, e.g. "OK".
  void RecordRequest(const std::string& method, const std::string& code,
                     double seconds);
  /// `count` evaluations of `metric` ("ntk" or "linear_regions") in `space`,
  /// each taking `seconds_each` (negative: duration unknown, count only).
  void RecordEvaluations(const std::string& metric, const std::string& space,
                         int count, double seconds_each);
  /// `count` networks on which the zero-cost proxies `names` (e.g. "nwot")
  /// were computed together in `space`: each name's evaluation count grows
  /// by `count`; their joint pass, `seconds_each` per network (negative:
  /// unknown), is observed once per network as metric "proxies".
  void RecordProxyEvaluations(const std::vector<std::string>& names,
                              const std::string& space, int count,
                              double seconds_each);
  void SetSearchesActive(int n);
  /// outcome: "succeeded", "failed", "cancelled" or "interrupted"
  /// (shutdown; the search resumes on the next start).
  void RecordSearchFinished(const std::string& outcome);
  /// A ScoreArchitecture result looked up in the cache: hit or miss.
  void RecordCacheLookup(bool hit);
  /// The cache's size now.
  void SetCacheSize(int64_t entries, int64_t bytes);
  /// A read or write of the state database failed.
  void RecordStateError();
  void SetDatasetImages(const std::string& dataset, int64_t images);
  void SetBuildInfo(const std::string& version,
                    const std::string& torch_version,
                    const std::string& device);
  void SetDeviceMemory(double used_bytes, double total_bytes);

  // engine::EngineObserver
  void OnJobStarted(engine::JobClass job_class, double wait_seconds) override;
  void OnQueueDepth(engine::JobClass job_class, int jobs) override;

  prometheus::Registry& registry() { return *registry_; }

 private:
  ServerMetrics();

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* request_duration_;
  // By engine::JobClass.
  std::array<prometheus::Gauge*, engine::kNumJobClasses> queue_depth_;
  std::array<prometheus::Histogram*, engine::kNumJobClasses> queue_wait_;
  prometheus::Family<prometheus::Counter>* evaluations_;
  prometheus::Family<prometheus::Histogram>* evaluation_duration_;
  prometheus::Gauge* searches_active_;
  prometheus::Family<prometheus::Counter>* searches_total_;
  prometheus::Family<prometheus::Gauge>* device_memory_;
  prometheus::Family<prometheus::Gauge>* dataset_images_;
  prometheus::Family<prometheus::Gauge>* build_info_;
  prometheus::Counter* cache_hits_;
  prometheus::Counter* cache_misses_;
  prometheus::Gauge* cache_entries_;
  prometheus::Gauge* cache_bytes_;
  prometheus::Counter* state_errors_;
};

}  // namespace tenas::server

#endif  // TENAS_SERVER_METRICS_H_
