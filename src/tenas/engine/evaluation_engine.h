// Copyright 2026 The tenas Authors.
//
// evaluation_engine.h: a bounded job queue feeding a fixed pool of worker
// threads that share one device.
//
// Policy (explicit, as in Triton's core):
//  - TrySubmit() rejects with RESOURCE_EXHAUSTED when `max_queue` jobs are
//    already waiting (scoring requests: overloaded is not the same as down);
//  - Submit() blocks while the queue is full (work of an already accepted
//    search: it backs off instead of failing), until it is cancelled;
//  - after Shutdown() both return UNAVAILABLE; queued jobs still run unless
//    the drain timeout passes, then they are dropped with `on_drop`.
// Thread-safe. Jobs must not throw (the engine catches and logs anything that
// escapes, so a bad job never takes a worker down).

#ifndef TENAS_ENGINE_EVALUATION_ENGINE_H_
#define TENAS_ENGINE_EVALUATION_ENGINE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tenas/search/parallel_executor.h"

namespace tenas::engine {

struct EngineOptions {
  int workers = 1;             ///< Worker threads, [1, 256].
  int max_queue = 64;          ///< Jobs waiting at most, [1, 1e6].
  int threads_per_worker = 1;  ///< LibTorch intra-op threads (global).
};

/// Queue and worker state, for GetServerInfo and metrics.
struct EngineStats {
  int queue_depth = 0;
  int queue_capacity = 0;
  int workers = 0;
  int busy_workers = 0;
  int64_t completed = 0;
  int64_t rejected = 0;
  /// Submit() calls waiting for room in the queue.
  int waiting_submitters = 0;
  /// Shutdown() has begun: no job is accepted any more.
  bool shutting_down = false;
  /// Shutdown()'s drain timeout has passed: queued jobs are dropped.
  bool dropping = false;
};

/// Observes the engine, e.g. to export metrics. Called on worker threads.
class EngineObserver {
 public:
  virtual ~EngineObserver() = default;
  /// A job left the queue after waiting `wait` seconds.
  virtual void OnJobStarted(double wait_seconds) = 0;
  /// Queue depth changed.
  virtual void OnQueueDepth(int depth) = 0;
};

class EvaluationEngine : public search::ParallelExecutor {
 public:
  using Job = std::function<void()>;

  explicit EvaluationEngine(const EngineOptions& options,
                            EngineObserver* observer = nullptr);
  ~EvaluationEngine() override;
  EvaluationEngine(const EvaluationEngine&) = delete;
  EvaluationEngine& operator=(const EvaluationEngine&) = delete;

  /// Enqueues `job`, or RESOURCE_EXHAUSTED if the queue is full, or
  /// UNAVAILABLE after Shutdown(). `on_drop` runs instead of `job` if the
  /// engine drops it at shutdown (may be null).
  absl::Status TrySubmit(Job job, Job on_drop = nullptr);

  /// Enqueues `job`, waiting while the queue is full. CANCELLED if `cancel`
  /// becomes true while waiting; UNAVAILABLE after Shutdown().
  absl::Status Submit(Job job, const std::atomic<bool>* cancel,
                      Job on_drop = nullptr);

  /// search::ParallelExecutor: runs fn(0..n-1) as jobs of this engine and
  /// waits for all of them; returns the first error.
  absl::Status ParallelFor(int n, const std::function<absl::Status(int)>& fn,
                           const std::atomic<bool>* cancel) override;

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
  struct Entry {
    Job job;
    Job on_drop;
    std::chrono::steady_clock::time_point enqueued;
  };
  void WorkerLoop();
  bool QueueHasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return static_cast<int>(queue_.size()) < options_.max_queue;
  }
  EngineStats StatsLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const EngineOptions options_;
  EngineObserver* const observer_;
  mutable absl::Mutex mu_;
  std::deque<Entry> queue_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  bool drop_queued_ ABSL_GUARDED_BY(mu_) = false;
  int busy_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t completed_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t rejected_ ABSL_GUARDED_BY(mu_) = 0;
  int waiting_submitters_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> threads_;
};

}  // namespace tenas::engine

#endif  // TENAS_ENGINE_EVALUATION_ENGINE_H_
