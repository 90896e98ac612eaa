// Copyright 2026 The tenas Authors.
//
// search_manager.h: the TE-NAS searches of a server: started by RunSearch,
// run on their own coordinator thread with their candidate evaluations on
// the shared EvaluationEngine, observed by any number of subscribers
// (RunSearch and WatchSearch streams) that can come and go. A search
// outlives a client that disconnects.
//
// Durable: each search's request, events, completed rounds (with the alpha
// state after them) and final state go to the StateStore as they happen.
// A new manager on the same store serves the finished searches again and
// resumes the unfinished ones from their last completed round (after a
// crash, or after a shutdown, which interrupts searches rather than
// cancelling them).
//
// Owned: a search belongs to the client that started it (stored with it).
// Subscribe, Get, List and Cancel take an optional owner: given one, they
// act only on that client's searches, and another client's search is
// NOT_FOUND exactly like an unknown id.

#ifndef TENAS_SERVER_SEARCH_MANAGER_H_
#define TENAS_SERVER_SEARCH_MANAGER_H_

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/metrics.h"
#include "server/proto_convert.h"
#include "server/state_store.h"
#include "tenas/data/dataset_store.h"
#include "tenas/engine/evaluation_engine.h"
#include "tenas/options/ntk_method.h"
#include "tenas/v1/scorer.pb.h"

namespace tenas::server {

/// Receives a search's events in sequence order, then exactly one OnEnd.
/// Called with the search's lock held: implementations only enqueue.
class SearchSubscriber {
 public:
  virtual ~SearchSubscriber() = default;
  virtual void OnEvent(const v1::SearchEvent& event) = 0;
  /// OK after the result event; CANCELLED or the error otherwise (the
  /// same code live and after a restart).
  virtual void OnEnd(const absl::Status& status) = 0;
};

/// How every evaluation of this server runs.
struct EvaluationSettings {
  /// LibTorch device ("cpu", "cuda:0").
  std::string device = "cpu";
  measures::NtkMethod ntk_method = measures::NtkMethod::kFast;
  /// Memory bound of one evaluation, in bytes (--max-memory).
  int64_t ntk_max_memory_bytes = measures::kDefaultNtkMaxMemoryBytes;
  /// NTK evaluations per batched pass (search::SearchOptions::ntk_group).
  int ntk_group = 0;
};

/// How many searches run at once.
struct SearchLimits {
  int max_active = 4;      ///< --max-searches: in all.
  int max_per_client = 2;  ///< --max-searches-per-client.
};

class SearchManager {
 public:
  /// `store` (not owned, non-null) keeps the searches; call Recover() once
  /// to serve and resume those it already holds. Requests are checked
  /// against `limits`.
  SearchManager(const data::DatasetStore& datasets,
                engine::EvaluationEngine& engine, ServerMetrics* metrics,
                StateStore* store, SearchLimits search_limits,
                const RequestLimits& limits, EvaluationSettings settings = {});
  ~SearchManager();
  SearchManager(const SearchManager&) = delete;
  SearchManager& operator=(const SearchManager&) = delete;

  /// Loads the store's searches: finished ones are served again, unfinished
  /// ones resume from their last completed round (one whose dataset is no
  /// longer loaded, or whose records do not fit, is marked FAILED). Returns
  /// the number resumed.
  absl::StatusOr<int> Recover();

  /// Validates and starts a search for `client` (who asks: a token name or
  /// a peer address); `subscriber` (may be null) is attached before the
  /// first event. Returns the search_id. INVALID_ARGUMENT for a bad request,
  /// RESOURCE_EXHAUSTED past --max-searches or past the per-client limit,
  /// UNAVAILABLE after Shutdown().
  absl::StatusOr<std::string> Start(const v1::RunSearchRequest& request,
                                    SearchSubscriber* subscriber,
                                    const std::string& client = "");

  /// Replays events from `from_sequence`, then follows the search live.
  /// NOT_FOUND for an unknown id, or for a search whose client is not
  /// `owner` (when given; likewise below).
  absl::Status Subscribe(const std::string& id, int64_t from_sequence,
                         SearchSubscriber* subscriber,
                         const std::optional<std::string>& owner = {});
  /// After it returns, `subscriber` is never called again.
  void Unsubscribe(const std::string& id, SearchSubscriber* subscriber);

  /// The search's state; NOT_FOUND for an unknown id or another owner's.
  absl::StatusOr<v1::SearchInfo> Get(
      const std::string& id,
      const std::optional<std::string>& owner = {}) const;
  /// Every search, oldest first, or only `owner`'s (without results).
  std::vector<v1::SearchInfo> List(
      const std::optional<std::string>& owner = {}) const;
  /// Requests cancellation and returns the state it leads to: CANCELLING
  /// for a search not finished yet (it stops within one evaluation, then
  /// reads CANCELLED, or SUCCEEDED if it was finishing; from the return on
  /// it no longer counts against its client's --max-searches-per-client,
  /// though it counts against --max-searches until it stops, and the store
  /// already says CANCELLED), else its finished state, unchanged.
  /// NOT_FOUND for an unknown id or another owner's.
  absl::StatusOr<v1::SearchState> Cancel(
      const std::string& id, const std::optional<std::string>& owner = {});
  int active() const;

  /// Interrupts every running search (they stop within one evaluation and
  /// stay RUNNING in the store, to resume on the next start) and waits for
  /// their threads.
  void Shutdown();

 private:
  struct Record {
    std::string id;
    v1::RunSearchRequest request;
    std::string dataset;
    std::string client;
    /// Completed rounds of an interrupted run (search::resume_rounds).
    std::vector<search::RoundRecord> resume_rounds;
    std::atomic<bool> cancel{false};
    std::atomic<bool> interrupted{false};       // cancelled by Shutdown()
    std::atomic<bool> cancel_requested{false};  // by CancelSearch
    /// Runs the search's evaluations on the engine as its client's work
    /// (engine::JobClass::kSearch), in turn with other clients and scores.
    std::unique_ptr<search::ParallelExecutor> executor;
    mutable absl::Mutex mu;
    v1::SearchState state ABSL_GUARDED_BY(mu) = v1::SEARCH_STATE_QUEUED;
    std::string error ABSL_GUARDED_BY(mu);
    absl::Status end_status ABSL_GUARDED_BY(mu);
    int round ABSL_GUARDED_BY(mu) = 0;
    std::vector<v1::SearchEvent> events ABSL_GUARDED_BY(mu);
    std::vector<SearchSubscriber*> subscribers ABSL_GUARDED_BY(mu);
    std::chrono::steady_clock::time_point started;
    double seconds ABSL_GUARDED_BY(mu) = 0;
    std::thread thread;
    std::atomic<bool> thread_done{false};  // set as Run() returns
  };

  void Run(Record* record, search::SearchOptions options);
  // Sets the evaluation settings of this server and starts the thread.
  void Launch(const std::shared_ptr<Record>& record,
              search::SearchOptions options);
  // Forgets the oldest finished searches beyond the bound (also in the
  // store).
  void TrimFinished() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Logs a failed store write (the search goes on, less durable).
  void StoreFailed(const absl::Status& status, const std::string& id) const;
  void Append(Record* record, v1::SearchEvent event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(record->mu);
  v1::SearchInfo Info(const Record& record) const;
  // The search `id`, if it exists and (when given) belongs to `owner`.
  std::shared_ptr<Record> Find(
      const std::string& id,
      const std::optional<std::string>& owner = {}) const;

  const data::DatasetStore& datasets_;
  engine::EvaluationEngine& engine_;
  ServerMetrics* const metrics_;
  StateStore* const store_;
  const int max_active_;
  const int max_per_client_;
  const RequestLimits limits_;
  const EvaluationSettings settings_;  // LibTorch device of every search
  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Record>> searches_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> order_ ABSL_GUARDED_BY(mu_);
  // Records whose threads are not joined yet (reaped in Start/Shutdown).
  std::vector<std::shared_ptr<Record>> unjoined_ ABSL_GUARDED_BY(mu_);
  int active_ ABSL_GUARDED_BY(mu_) = 0;
  // Recover(): searches to launch once mu_ is released.
  std::vector<std::pair<std::shared_ptr<Record>, search::SearchOptions>>
      pending_resume_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace tenas::server

#endif  // TENAS_SERVER_SEARCH_MANAGER_H_
