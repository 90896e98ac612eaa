// Copyright 2026 The tenas Authors.
//
// evaluation_engine.h: a fixed pool of worker threads that share one device,
// fed by one bounded queue per class of work, served fairly.
//
// Policy (explicit, as in Triton's core, with its per-priority queues):
//  - Two classes, scores (JobClass::kScore) and searches (kSearch), each with
//    its own bounded queue: work of one class never takes the room of the
//    other, so a running search can never make a score fail.
//  - A queue entry (a "request") holds one or more jobs: a ScoreArchitecture
//    call, a whole ScoreArchitectures call, or one round of a search. It takes
//    one slot of its class's queue however many jobs it holds; the workers
//    take its jobs one at a time.
//  - Service is round-robin at every level: between the two classes, between
//    the clients of a class, and between the requests of one client. So a
//    score waits for at most one job of each other client and class ahead of
//    it, not for a search's whole round.
//  - TrySubmit*() rejects with RESOURCE_EXHAUSTED when the class's queue is
//    full (scoring requests: overloaded is not the same as down);
//  - Submit*() blocks while the class's queue is full (work of an already
//    accepted search: it backs off instead of failing), until it is
//    cancelled;
//  - after Shutdown() both return UNAVAILABLE; queued jobs still run unless
//    the drain timeout passes, then they are dropped with their `on_drop`.
// Thread-safe. Jobs must not throw (the engine catches and logs anything that
// escapes, so a bad job never takes a worker down).

#ifndef TENAS_ENGINE_EVALUATION_ENGINE_H_
#define TENAS_ENGINE_EVALUATION_ENGINE_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tenas/search/parallel_executor.h"

namespace tenas::engine {

/// The classes of work that get their own queue.
enum class JobClass : int {
  kScore = 0,   ///< ScoreArchitecture(s): short, latency-sensitive.
  kSearch = 1,  ///< The evaluations of a search's rounds.
};
inline constexpr int kNumJobClasses = 2;

/// "score" or "search": the `class` label of the queue metrics.
const char* JobClassName(JobClass job_class);

/// Who submits: the class of the work and the client it is done for (a token
/// name or a peer address; "" for anonymous). Clients of a class are served
/// in turn.
struct JobSource {
  JobClass job_class = JobClass::kScore;
  std::string client;
};

struct EngineOptions {
  int workers = 1;             ///< Worker threads, [1, 256].
  int max_queue = 64;          ///< Score requests waiting at most, [1, 1e6].
  int threads_per_worker = 1;  ///< LibTorch intra-op threads (global).
  /// Search rounds waiting at most (each running search holds at most one);
  /// 0: as many as max_queue.
  int max_search_queue = 0;
};

/// One class's queue, for GetServerInfo and metrics.
struct ClassStats {
  int queued_requests = 0;  ///< Entries in the queue (bounded by capacity).
  int capacity = 0;
  int queued_jobs = 0;   ///< Jobs of those entries not started yet.
  int clients = 0;       ///< Clients with queued work.
  int64_t started = 0;   ///< Jobs that left the queue for a worker.
  int64_t rejected = 0;  ///< Requests refused because the queue was full.
  double wait_seconds_sum = 0;   ///< Total queue wait of the started jobs.
  double last_wait_seconds = 0;  ///< Queue wait of the latest started job.
};

/// Queue and worker state, for GetServerInfo and metrics.
struct EngineStats {
  /// Requests queued in all classes.
  int queue_depth = 0;
  /// The score queue's capacity (--max-queue).
  int queue_capacity = 0;
  int workers = 0;
  int busy_workers = 0;
  int64_t completed = 0;
  /// Requests refused in all classes.
  int64_t rejected = 0;
  /// Submit() calls waiting for room in a queue.
  int waiting_submitters = 0;
  /// Shutdown() has begun: no job is accepted any more.
  bool shutting_down = false;
  /// Shutdown()'s drain timeout has passed: queued jobs are dropped.
  bool dropping = false;
  /// Per class, indexed by JobClass.
  std::array<ClassStats, kNumJobClasses> classes;

  const ClassStats& of(JobClass c) const {
    return classes[static_cast<int>(c)];
  }
};

/// Observes the engine, e.g. to export metrics. Called on worker and
/// submitting threads, under the engine's lock (so depth updates arrive in
/// order): implementations must be quick and must not call the engine.
class EngineObserver {
 public:
  virtual ~EngineObserver() = default;
  /// A job of `job_class` left the queue after waiting `wait_seconds`.
  virtual void OnJobStarted(JobClass job_class, double wait_seconds) = 0;
  /// The number of queued jobs of `job_class` changed to `jobs`.
  virtual void OnQueueDepth(JobClass job_class, int jobs) = 0;
};

class EvaluationEngine : public search::ParallelExecutor {
 public:
  using Job = std::function<void()>;
  /// Job `index` of a request of several jobs.
  using IndexedJob = std::function<void(int index)>;

  explicit EvaluationEngine(const EngineOptions& options,
                            EngineObserver* observer = nullptr);
  ~EvaluationEngine() override;
  EvaluationEngine(const EvaluationEngine&) = delete;
  EvaluationEngine& operator=(const EvaluationEngine&) = delete;

  /// Enqueues `job` as one request of `source`, or RESOURCE_EXHAUSTED if its
  /// class's queue is full, or UNAVAILABLE after Shutdown(). `on_drop` runs
  /// instead of `job` if the engine drops it at shutdown (may be null).
  absl::Status TrySubmit(const JobSource& source, Job job,
                         Job on_drop = nullptr);
  /// TrySubmit() as an anonymous score.
  absl::Status TrySubmit(Job job, Job on_drop = nullptr);

  /// Enqueues jobs run(0) ... run(n-1) as one request (one queue slot) of
  /// `source`; the workers take them one at a time, in turn with other
  /// clients. RESOURCE_EXHAUSTED if the class's queue is full, UNAVAILABLE
  /// after Shutdown(), INVALID_ARGUMENT if n < 1. `on_drop(i)` (may be null)
  /// runs instead of run(i) for each job dropped at shutdown.
  absl::Status TrySubmitBatch(const JobSource& source, int n, IndexedJob run,
                              IndexedJob on_drop = nullptr);

  /// As TrySubmitBatch(), but waits while the class's queue is full.
  /// CANCELLED if `cancel` (may be null) becomes true while waiting.
  absl::Status SubmitBatch(const JobSource& source, int n, IndexedJob run,
                           const std::atomic<bool>* cancel,
                           IndexedJob on_drop = nullptr);

  /// Enqueues `job` as an anonymous score, waiting while the score queue is
  /// full. CANCELLED if `cancel` becomes true while waiting; UNAVAILABLE
  /// after Shutdown().
  absl::Status Submit(Job job, const std::atomic<bool>* cancel,
                      Job on_drop = nullptr);

  /// Runs fn(0..n-1) as one request of `source` and waits for all of them;
  /// returns the first error (later items are then skipped). Waits for room
  /// in the queue (SubmitBatch).
  absl::Status ParallelForAs(const JobSource& source, int n,
                             const std::function<absl::Status(int)>& fn,
                             const std::atomic<bool>* cancel);

  /// search::ParallelExecutor: ParallelForAs() an anonymous search.
  absl::Status ParallelFor(int n, const std::function<absl::Status(int)>& fn,
                           const std::atomic<bool>* cancel) override;

  /// A search::ParallelExecutor that submits as `source` (e.g. one search's
  /// client). Must not outlive the engine.
  std::unique_ptr<search::ParallelExecutor> ExecutorFor(JobSource source);

  /// Stops accepting jobs, lets queued and running ones finish for up to
  /// `drain_timeout`, drops the rest (calling their on_drop), joins workers.
  /// Idempotent.
  void Shutdown(absl::Duration drain_timeout);

  EngineStats stats() const;

  /// Blocks until `condition` holds for the engine's stats, or `timeout`
  /// passes; returns whether it held. The condition runs under the engine's
  /// lock each time its state changes: it must be quick and must not call
  /// into the engine. Lets callers (tests above all) wait for a state
  /// instead of polling.
  bool AwaitStats(const std::function<bool(const EngineStats&)>& condition,
                  absl::Duration timeout = absl::InfiniteDuration()) const;

  /// Blocks until no job is queued or running (AwaitStats), or `timeout`
  /// passes; returns whether the engine is idle.
  bool WaitUntilIdle(absl::Duration timeout = absl::InfiniteDuration()) const;

 private:
  // The jobs of one request (shared by the queue entry and running jobs).
  struct Batch {
    IndexedJob run;
    IndexedJob on_drop;
  };
  // A request in a client's queue: jobs [next, count) are still to start.
  struct Entry {
    std::shared_ptr<const Batch> batch;
    int next = 0;
    int count = 0;
    std::chrono::steady_clock::time_point enqueued;
  };
  // One client's requests, served in turn.
  struct ClientQueue {
    std::string client;
    std::deque<Entry> entries;
  };
  // One class: its clients, served in turn, and its counters.
  struct ClassQueue {
    int capacity = 0;
    std::deque<ClientQueue> clients;
    ClassStats stats;  // queued_requests, queued_jobs, clients kept current
  };
  // A job taken from the queue for a worker.
  struct Work {
    std::shared_ptr<const Batch> batch;
    int index = 0;
  };

  absl::Status Enqueue(const JobSource& source, int n, IndexedJob run,
                       IndexedJob on_drop) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Takes the next job, round-robin between classes, clients and requests.
  // Precondition: some class has queued jobs.
  Work TakeNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HasRoom(JobClass c) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool AnyQueuedLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WorkerLoop();
  EngineStats StatsLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const EngineOptions options_;
  EngineObserver* const observer_;
  mutable absl::Mutex mu_;
  std::array<ClassQueue, kNumJobClasses> queues_ ABSL_GUARDED_BY(mu_);
  int next_class_ ABSL_GUARDED_BY(mu_) = 0;  // served first next time
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  bool drop_queued_ ABSL_GUARDED_BY(mu_) = false;
  int busy_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t completed_ ABSL_GUARDED_BY(mu_) = 0;
  int waiting_submitters_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> threads_;
};

}  // namespace tenas::engine

#endif  // TENAS_ENGINE_EVALUATION_ENGINE_H_
