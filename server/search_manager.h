// Copyright 2026 The tenas Authors.
//
// search_manager.h: the TE-NAS searches of a server: started by RunSearch,
// run on their own coordinator thread with their candidate evaluations on
// the shared EvaluationEngine, observed by any number of subscribers
// (RunSearch and WatchSearch streams) that can come and go. A search
// outlives a client that disconnects.

#ifndef TENAS_SERVER_SEARCH_MANAGER_H_
#define TENAS_SERVER_SEARCH_MANAGER_H_

#include <grpcpp/support/status.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/metrics.h"
#include "server/proto_convert.h"
#include "tenas/data/dataset_store.h"
#include "tenas/engine/evaluation_engine.h"
#include "tenas/measures/ntk_method.h"
#include "tenas/v1/scorer.pb.h"

namespace tenas::server {

/// Receives a search's events in sequence order, then exactly one OnEnd.
/// Called with the search's lock held: implementations only enqueue.
class SearchSubscriber {
 public:
  virtual ~SearchSubscriber() = default;
  virtual void OnEvent(const v1::SearchEvent& event) = 0;
  /// OK after the result event; CANCELLED or the error otherwise.
  virtual void OnEnd(const grpc::Status& status) = 0;
};

/// How every evaluation of this server runs.
struct EvaluationSettings {
  /// LibTorch device ("cpu", "cuda:0").
  std::string device = "cpu";
  measures::NtkMethod ntk_method = measures::NtkMethod::kFast;
  /// Memory budget of one batched NTK pass, in bytes.
  int64_t ntk_max_memory_bytes = measures::kDefaultNtkMaxMemoryBytes;
  /// NTK evaluations per batched pass (search::SearchOptions::ntk_group).
  int ntk_group = 0;
};

class SearchManager {
 public:
  SearchManager(const data::DatasetStore& datasets,
                engine::EvaluationEngine& engine, ServerMetrics* metrics,
                int max_active_searches, const RequestLimits& limits,
                EvaluationSettings settings = {});
  ~SearchManager();
  SearchManager(const SearchManager&) = delete;
  SearchManager& operator=(const SearchManager&) = delete;

  /// Validates and starts a search; `subscriber` (may be null) is attached
  /// before the first event. Returns the search_id. INVALID_ARGUMENT for a
  /// bad request, RESOURCE_EXHAUSTED past --max-searches, UNAVAILABLE after
  /// Shutdown().
  absl::StatusOr<std::string> Start(const v1::RunSearchRequest& request,
                                    SearchSubscriber* subscriber);

  /// Replays events from `from_sequence`, then follows the search live.
  /// NOT_FOUND for an unknown id.
  absl::Status Subscribe(const std::string& id, int64_t from_sequence,
                         SearchSubscriber* subscriber);
  /// After it returns, `subscriber` is never called again.
  void Unsubscribe(const std::string& id, SearchSubscriber* subscriber);

  absl::StatusOr<v1::SearchInfo> Get(const std::string& id) const;
  std::vector<v1::SearchInfo> List() const;
  /// Requests cancellation; the search stops within one evaluation.
  absl::StatusOr<v1::SearchState> Cancel(const std::string& id);
  int active() const;

  /// Cancels every running search and waits for their threads.
  void Shutdown();

 private:
  struct Record {
    std::string id;
    v1::RunSearchRequest request;
    std::string dataset;
    std::atomic<bool> cancel{false};
    mutable absl::Mutex mu;
    v1::SearchState state ABSL_GUARDED_BY(mu) = v1::SEARCH_STATE_QUEUED;
    std::string error ABSL_GUARDED_BY(mu);
    grpc::Status end_status ABSL_GUARDED_BY(mu);
    int round ABSL_GUARDED_BY(mu) = 0;
    std::vector<v1::SearchEvent> events ABSL_GUARDED_BY(mu);
    std::vector<SearchSubscriber*> subscribers ABSL_GUARDED_BY(mu);
    std::chrono::steady_clock::time_point started;
    double seconds ABSL_GUARDED_BY(mu) = 0;
    std::thread thread;
    std::atomic<bool> thread_done{false};  // set as Run() returns
  };

  void Run(Record* record, search::SearchOptions options);
  void Append(Record* record, v1::SearchEvent event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(record->mu);
  v1::SearchInfo Info(const Record& record) const;
  std::shared_ptr<Record> Find(const std::string& id) const;

  const data::DatasetStore& datasets_;
  engine::EvaluationEngine& engine_;
  ServerMetrics* const metrics_;
  const int max_active_;
  const RequestLimits limits_;
  const EvaluationSettings settings_;  // LibTorch device of every search
  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Record>> searches_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> order_ ABSL_GUARDED_BY(mu_);
  // Records whose threads are not joined yet (reaped in Start/Shutdown).
  std::vector<std::shared_ptr<Record>> unjoined_ ABSL_GUARDED_BY(mu_);
  int active_ ABSL_GUARDED_BY(mu_) = 0;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace tenas::server

#endif  // TENAS_SERVER_SEARCH_MANAGER_H_
