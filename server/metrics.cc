// Copyright 2026 The tenas Authors.

#include "server/metrics.h"

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace tenas::server {
namespace {

// 1 ms .. 10 min, roughly x2.5 per bucket: evaluations, requests, waits.
prometheus::Histogram::BucketBoundaries DurationBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
          1,     2.5,    5,     10,   25,    60,   120, 300,  600};
}

// civetweb serves one connection per handler thread and, by default, waits
// 30 s for an idle connection's request: with prometheus-cpp's 2 threads,
// two idle connections blocked every scrape. 16 mostly sleeping threads
// take 16 idle connections before a scrape queues, and an idle connection
// is dropped after kRequestTimeoutMs, so more of them only delay a scrape
// (by about that long per 16), never block it.
constexpr int kHandlerThreads = 16;
constexpr int kRequestTimeoutMs = 5000;

}  // namespace

ServerMetrics::ServerMetrics()
    : registry_(std::make_shared<prometheus::Registry>()) {
  requests_ = &prometheus::BuildCounter()
                   .Name("tenas_requests_total")
                   .Help("Finished RPCs by method and gRPC status code.")
                   .Register(*registry_);
  request_duration_ = &prometheus::BuildHistogram()
                           .Name("tenas_request_duration_seconds")
                           .Help("RPC latency in seconds, by method.")
                           .Register(*registry_);
  auto& queue_depth = prometheus::BuildGauge()
                          .Name("tenas_queue_depth")
                          .Help(
                              "Evaluation jobs waiting for a worker, by "
                              "class of work (score, search).")
                          .Register(*registry_);
  auto& queue_wait = prometheus::BuildHistogram()
                         .Name("tenas_queue_wait_seconds")
                         .Help(
                             "Time jobs waited in the evaluation queue, by "
                             "class of work (score, search).")
                         .Register(*registry_);
  for (int c = 0; c < engine::kNumJobClasses; ++c) {
    const std::string name =
        engine::JobClassName(static_cast<engine::JobClass>(c));
    queue_depth_[c] = &queue_depth.Add({{"class", name}});
    queue_wait_[c] = &queue_wait.Add({{"class", name}}, DurationBuckets());
  }
  evaluations_ =
      &prometheus::BuildCounter()
           .Name("tenas_evaluations_total")
           .Help(
               "NTK, linear-region and zero-cost proxy evaluations, per "
               "network (metric: ntk, linear_regions or the "
               "proxy's name).")
           .Register(*registry_);
  evaluation_duration_ =
      &prometheus::BuildHistogram()
           .Name("tenas_evaluation_duration_seconds")
           .Help(
               "Duration of one evaluation of one network, in seconds "
               "(metric proxies: every requested proxy together).")
           .Register(*registry_);
  searches_active_ = &prometheus::BuildGauge()
                          .Name("tenas_searches_active")
                          .Help("TE-NAS searches running now.")
                          .Register(*registry_)
                          .Add({});
  searches_total_ = &prometheus::BuildCounter()
                         .Name("tenas_searches_total")
                         .Help("Finished searches by outcome.")
                         .Register(*registry_);
  device_memory_ = &prometheus::BuildGauge()
                        .Name("tenas_device_memory_bytes")
                        .Help("Accelerator memory, used and total (GPU).")
                        .Register(*registry_);
  dataset_images_ = &prometheus::BuildGauge()
                         .Name("tenas_dataset_images")
                         .Help("Images of each loaded dataset.")
                         .Register(*registry_);
  build_info_ = &prometheus::BuildGauge()
                     .Name("tenas_build_info")
                     .Help("Always 1; labels carry the build and device.")
                     .Register(*registry_);
  auto& cache_lookups = prometheus::BuildCounter()
                            .Name("tenas_cache_lookups_total")
                            .Help(
                                "ScoreArchitecture result cache lookups by "
                                "result (hit or miss).")
                            .Register(*registry_);
  cache_hits_ = &cache_lookups.Add({{"result", "hit"}});
  cache_misses_ = &cache_lookups.Add({{"result", "miss"}});
  auto& cache_size = prometheus::BuildGauge()
                         .Name("tenas_cache_size")
                         .Help(
                             "Result cache size: entries, and bytes of "
                             "keys and values.")
                         .Register(*registry_);
  cache_entries_ = &cache_size.Add({{"unit", "entries"}});
  cache_bytes_ = &cache_size.Add({{"unit", "bytes"}});
  state_errors_ = &prometheus::BuildCounter()
                       .Name("tenas_state_errors_total")
                       .Help("Failed reads and writes of the state database.")
                       .Register(*registry_)
                       .Add({});
}

void ServerMetrics::RecordCacheLookup(bool hit) {
  (hit ? cache_hits_ : cache_misses_)->Increment();
}

void ServerMetrics::SetCacheSize(int64_t entries, int64_t bytes) {
  cache_entries_->Set(static_cast<double>(entries));
  cache_bytes_->Set(static_cast<double>(bytes));
}

void ServerMetrics::RecordStateError() { state_errors_->Increment(); }

absl::StatusOr<std::unique_ptr<ServerMetrics>> ServerMetrics::Create(
    const std::string& bind_address) {
  std::unique_ptr<ServerMetrics> m(new ServerMetrics());
  if (!bind_address.empty()) {
    try {
      std::vector<std::string> civetweb_options = {
          "listening_ports",    bind_address,
          "num_threads",        absl::StrCat(kHandlerThreads),
          "request_timeout_ms", absl::StrCat(kRequestTimeoutMs),
          "enable_keep_alive",  "no"};
      m->exposer_ =
          std::make_unique<prometheus::Exposer>(std::move(civetweb_options));
      m->exposer_->RegisterCollectable(m->registry_);
    } catch (const std::exception& e) {
      return absl::UnavailableError(
          absl::StrCat("metrics_port: cannot serve /metrics on ", bind_address,
                       ": ", e.what()));
    }
  }
  return m;
}

int ServerMetrics::port() const {
  if (!exposer_) return 0;
  auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports[0];
}

void ServerMetrics::RecordRequest(const std::string& method,
                                  const std::string& code, double seconds) {
  requests_->Add({{"method", method}, {"code", code}}).Increment();
  request_duration_->Add({{"method", method}}, DurationBuckets())
      .Observe(seconds);
}

void ServerMetrics::RecordEvaluations(const std::string& metric,
                                      const std::string& space, int count,
                                      double seconds_each) {
  if (count <= 0) return;
  evaluations_->Add({{"metric", metric}, {"space", space}}).Increment(count);
  if (seconds_each >= 0) {
    auto& h = evaluation_duration_->Add({{"metric", metric}, {"space", space}},
                                        DurationBuckets());
    for (int i = 0; i < count; ++i) h.Observe(seconds_each);
  }
}

void ServerMetrics::RecordProxyEvaluations(
    const std::vector<std::string>& names, const std::string& space, int count,
    double seconds_each) {
  if (count <= 0 || names.empty()) return;
  for (const std::string& name : names) {
    evaluations_->Add({{"metric", name}, {"space", space}}).Increment(count);
  }
  if (seconds_each >= 0) {
    auto& h = evaluation_duration_->Add(
        {{"metric", "proxies"}, {"space", space}}, DurationBuckets());
    for (int i = 0; i < count; ++i) h.Observe(seconds_each);
  }
}

void ServerMetrics::SetSearchesActive(int n) { searches_active_->Set(n); }

void ServerMetrics::RecordSearchFinished(const std::string& outcome) {
  searches_total_->Add({{"outcome", outcome}}).Increment();
}

void ServerMetrics::SetDatasetImages(const std::string& dataset,
                                     int64_t images) {
  dataset_images_->Add({{"dataset", dataset}}).Set(static_cast<double>(images));
}

void ServerMetrics::SetBuildInfo(const std::string& version,
                                 const std::string& torch_version,
                                 const std::string& device) {
  build_info_
      ->Add({{"version", version},
             {"torch_version", torch_version},
             {"device", device}})
      .Set(1);
}

void ServerMetrics::SetDeviceMemory(double used_bytes, double total_bytes) {
  device_memory_->Add({{"kind", "used"}}).Set(used_bytes);
  device_memory_->Add({{"kind", "total"}}).Set(total_bytes);
}

void ServerMetrics::OnJobStarted(engine::JobClass job_class,
                                 double wait_seconds) {
  queue_wait_[static_cast<int>(job_class)]->Observe(wait_seconds);
}

void ServerMetrics::OnQueueDepth(engine::JobClass job_class, int jobs) {
  queue_depth_[static_cast<int>(job_class)]->Set(jobs);
}

}  // namespace tenas::server
