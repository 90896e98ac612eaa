// Copyright 2026 The tenas Authors.

#include "tenas/engine/evaluation_engine.h"

#include <torch/torch.h>

#include <iostream>

#include "absl/strings/str_cat.h"
#include "tenas/engine/exception_status.h"

namespace tenas::engine {

EvaluationEngine::EvaluationEngine(const EngineOptions& options,
                                   EngineObserver* observer)
    : options_(options), observer_(observer) {
  at::set_num_threads(std::max(1, options.threads_per_worker));
  for (int i = 0; i < std::max(1, options.workers); ++i) {
    threads_.emplace_back([this] { WorkerLoop(); });
  }
}

EvaluationEngine::~EvaluationEngine() { Shutdown(absl::ZeroDuration()); }

absl::Status EvaluationEngine::TrySubmit(Job job, Job on_drop) {
  int depth = 0;
  {
    absl::MutexLock lock(&mu_);
    if (shutting_down_) {
      return absl::UnavailableError("server is shutting down");
    }
    if (!QueueHasRoom()) {
      ++rejected_;
      return absl::ResourceExhaustedError(
          absl::StrCat("evaluation queue is full (", options_.max_queue,
                       " jobs waiting, --max-queue); retry later"));
    }
    queue_.push_back(
        {std::move(job), std::move(on_drop), std::chrono::steady_clock::now()});
    depth = static_cast<int>(queue_.size());
    // Under the lock, so that depth updates reach the observer in order.
    if (observer_ != nullptr) observer_->OnQueueDepth(depth);
  }
  return absl::OkStatus();
}

absl::Status EvaluationEngine::Submit(Job job, const std::atomic<bool>* cancel,
                                      Job on_drop) {
  int depth = 0;
  {
    absl::MutexLock lock(&mu_);
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return shutting_down_ || QueueHasRoom() ||
             (cancel != nullptr && cancel->load());
    };
    // Wake up periodically to notice cancellation (an atomic, not a Mutex
    // condition).
    if (!ready()) {
      ++waiting_submitters_;
      while (!ready()) {
        mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Milliseconds(50));
      }
      --waiting_submitters_;
    }
    if (shutting_down_) {
      return absl::UnavailableError("server is shutting down");
    }
    if (cancel != nullptr && cancel->load()) {
      return absl::CancelledError("cancelled while waiting for the queue");
    }
    queue_.push_back(
        {std::move(job), std::move(on_drop), std::chrono::steady_clock::now()});
    depth = static_cast<int>(queue_.size());
    // Under the lock, so that depth updates reach the observer in order.
    if (observer_ != nullptr) observer_->OnQueueDepth(depth);
  }
  return absl::OkStatus();
}

absl::Status EvaluationEngine::ParallelFor(
    int n, const std::function<absl::Status(int)>& fn,
    const std::atomic<bool>* cancel) {
  absl::Mutex mu;
  int remaining = n;
  absl::Status first_error;
  std::atomic<bool> failed{false};
  auto finish_one = [&](const absl::Status& status) {
    absl::MutexLock lock(&mu);
    if (!status.ok() && first_error.ok()) first_error = status;
    --remaining;
  };
  int submitted = 0;
  for (int i = 0; i < n; ++i) {
    if (failed.load() || (cancel != nullptr && cancel->load())) break;
    absl::Status s = Submit(
        [&, i] {
          absl::Status status =
              failed.load() || (cancel != nullptr && cancel->load())
                  ? absl::CancelledError("cancelled")
                  : fn(i);
          if (!status.ok()) failed = true;
          finish_one(status);
        },
        cancel,
        [&] { finish_one(absl::UnavailableError("server is shutting down")); });
    if (!s.ok()) {
      absl::MutexLock lock(&mu);
      if (first_error.ok()) first_error = s;
      break;
    }
    ++submitted;
  }
  {
    absl::MutexLock lock(&mu);
    remaining -= n - submitted;  // never submitted
    mu.Await(absl::Condition(
        +[](int* r) { return *r == 0; }, &remaining));
  }
  if (first_error.ok() && cancel != nullptr && cancel->load()) {
    return absl::CancelledError("cancelled");
  }
  return first_error;
}

void EvaluationEngine::WorkerLoop() {
  for (;;) {
    Entry entry;
    int depth = 0;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](EvaluationEngine* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(e->mu_) {
            return !e->queue_.empty() || e->shutting_down_;
          },
          this));
      if (queue_.empty()) return;  // shutting down and drained
      if (drop_queued_) {
        entry = std::move(queue_.front());
        queue_.pop_front();
        mu_.Unlock();
        if (entry.on_drop) entry.on_drop();
        mu_.Lock();
        continue;
      }
      entry = std::move(queue_.front());
      queue_.pop_front();
      depth = static_cast<int>(queue_.size());
      ++busy_;
      if (observer_ != nullptr) observer_->OnQueueDepth(depth);
    }
    if (observer_ != nullptr) {
      observer_->OnJobStarted(
          std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                        entry.enqueued)
              .count());
    }
    // Jobs should not throw; one that does is logged, and the worker goes
    // on with the next job.
    absl::Status escaped = RunGuarded("a job", [&] {
      entry.job();
      return absl::OkStatus();
    });
    if (!escaped.ok()) {
      std::cerr << "tenas engine: " << escaped.message() << std::endl;
    }
    absl::MutexLock lock(&mu_);
    --busy_;
    ++completed_;
  }
}

void EvaluationEngine::Shutdown(absl::Duration drain_timeout) {
  {
    absl::MutexLock lock(&mu_);
    if (threads_.empty()) return;
    shutting_down_ = true;
    // Let queued and running jobs finish for up to the drain timeout.
    mu_.AwaitWithTimeout(
        absl::Condition(
            +[](EvaluationEngine* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(e->mu_) {
              return e->queue_.empty() && e->busy_ == 0;
            },
            this),
        drain_timeout);
    drop_queued_ = true;
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
}

EngineStats EvaluationEngine::StatsLocked() const {
  EngineStats s;
  s.queue_depth = static_cast<int>(queue_.size());
  s.queue_capacity = options_.max_queue;
  s.workers = options_.workers;
  s.busy_workers = busy_;
  s.completed = completed_;
  s.rejected = rejected_;
  s.waiting_submitters = waiting_submitters_;
  s.shutting_down = shutting_down_;
  s.dropping = drop_queued_;
  return s;
}

EngineStats EvaluationEngine::stats() const {
  absl::MutexLock lock(&mu_);
  return StatsLocked();
}

bool EvaluationEngine::AwaitStats(
    const std::function<bool(const EngineStats&)>& condition,
    absl::Duration timeout) const {
  struct Waiter {
    const EvaluationEngine* engine;
    const std::function<bool(const EngineStats&)>* condition;
  };
  Waiter waiter{this, &condition};
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(
      absl::Condition(
          +[](Waiter* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->engine->mu_) {
            return (*w->condition)(w->engine->StatsLocked());
          },
          &waiter),
      timeout);
}

bool EvaluationEngine::WaitUntilIdle(absl::Duration timeout) const {
  return AwaitStats(
      [](const EngineStats& s) {
        return s.queue_depth == 0 && s.busy_workers == 0;
      },
      timeout);
}

}  // namespace tenas::engine
