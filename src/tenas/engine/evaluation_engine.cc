// Copyright 2026 The tenas Authors.

#include "tenas/engine/evaluation_engine.h"

#include <torch/torch.h>

#include <algorithm>
#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "tenas/engine/exception_status.h"

namespace tenas::engine {
namespace {

// Runs fn(i) for one request's jobs; see EvaluationEngine::ParallelForAs.
class SourceExecutor : public search::ParallelExecutor {
 public:
  SourceExecutor(EvaluationEngine& engine, JobSource source)
      : engine_(engine), source_(std::move(source)) {}
  absl::Status ParallelFor(int n, const std::function<absl::Status(int)>& fn,
                           const std::atomic<bool>* cancel) override {
    return engine_.ParallelForAs(source_, n, fn, cancel);
  }

 private:
  EvaluationEngine& engine_;
  const JobSource source_;
};

const char* QueueFlag(JobClass c) {
  return c == JobClass::kScore ? "--max-queue" : "--max-searches";
}

}  // namespace

const char* JobClassName(JobClass job_class) {
  return job_class == JobClass::kScore ? "score" : "search";
}

EvaluationEngine::EvaluationEngine(const EngineOptions& options,
                                   EngineObserver* observer)
    : options_(options), observer_(observer) {
  at::set_num_threads(std::max(1, options.threads_per_worker));
  {
    absl::MutexLock lock(&mu_);
    queues_[static_cast<int>(JobClass::kScore)].capacity =
        std::max(1, options.max_queue);
    queues_[static_cast<int>(JobClass::kSearch)].capacity =
        std::max(1, options.max_search_queue > 0 ? options.max_search_queue
                                                 : options.max_queue);
    for (ClassQueue& q : queues_) q.stats.capacity = q.capacity;
  }
  for (int i = 0; i < std::max(1, options.workers); ++i) {
    threads_.emplace_back([this] { WorkerLoop(); });
  }
}

EvaluationEngine::~EvaluationEngine() { Shutdown(absl::ZeroDuration()); }

bool EvaluationEngine::HasRoom(JobClass c) const {
  const ClassQueue& q = queues_[static_cast<int>(c)];
  return q.stats.queued_requests < q.capacity;
}

bool EvaluationEngine::AnyQueuedLocked() const {
  for (const ClassQueue& q : queues_) {
    if (q.stats.queued_jobs > 0) return true;
  }
  return false;
}

absl::Status EvaluationEngine::Enqueue(const JobSource& source, int n,
                                       IndexedJob run, IndexedJob on_drop) {
  ClassQueue& q = queues_[static_cast<int>(source.job_class)];
  Entry entry;
  entry.batch =
      std::make_shared<const Batch>(Batch{std::move(run), std::move(on_drop)});
  entry.count = n;
  entry.enqueued = std::chrono::steady_clock::now();
  auto it = std::find_if(
      q.clients.begin(), q.clients.end(),
      [&](const ClientQueue& c) { return c.client == source.client; });
  if (it == q.clients.end()) {
    // A client new to the queue is served after those already waiting.
    q.clients.push_back(ClientQueue{source.client, {}});
    it = std::prev(q.clients.end());
  }
  it->entries.push_back(std::move(entry));
  ++q.stats.queued_requests;
  q.stats.queued_jobs += n;
  q.stats.clients = static_cast<int>(q.clients.size());
  // Under the lock, so that depth updates reach the observer in order.
  if (observer_ != nullptr) {
    observer_->OnQueueDepth(source.job_class, q.stats.queued_jobs);
  }
  return absl::OkStatus();
}

absl::Status EvaluationEngine::TrySubmitBatch(const JobSource& source, int n,
                                              IndexedJob run,
                                              IndexedJob on_drop) {
  if (n < 1) return absl::InvalidArgumentError("a request needs a job");
  absl::MutexLock lock(&mu_);
  if (shutting_down_) {
    return absl::UnavailableError("server is shutting down");
  }
  if (!HasRoom(source.job_class)) {
    ClassQueue& q = queues_[static_cast<int>(source.job_class)];
    ++q.stats.rejected;
    return absl::ResourceExhaustedError(
        absl::StrCat("evaluation queue is full (", q.capacity, " ",
                     JobClassName(source.job_class), " requests waiting, ",
                     QueueFlag(source.job_class), "); retry later"));
  }
  return Enqueue(source, n, std::move(run), std::move(on_drop));
}

absl::Status EvaluationEngine::TrySubmit(const JobSource& source, Job job,
                                         Job on_drop) {
  IndexedJob drop;
  if (on_drop) drop = [on_drop = std::move(on_drop)](int) { on_drop(); };
  return TrySubmitBatch(
      source, 1, [job = std::move(job)](int) { job(); }, std::move(drop));
}

absl::Status EvaluationEngine::TrySubmit(Job job, Job on_drop) {
  return TrySubmit(JobSource{}, std::move(job), std::move(on_drop));
}

absl::Status EvaluationEngine::SubmitBatch(const JobSource& source, int n,
                                           IndexedJob run,
                                           const std::atomic<bool>* cancel,
                                           IndexedJob on_drop) {
  if (n < 1) return absl::InvalidArgumentError("a request needs a job");
  absl::MutexLock lock(&mu_);
  auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return shutting_down_ || HasRoom(source.job_class) ||
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
  return Enqueue(source, n, std::move(run), std::move(on_drop));
}

absl::Status EvaluationEngine::Submit(Job job, const std::atomic<bool>* cancel,
                                      Job on_drop) {
  IndexedJob drop;
  if (on_drop) drop = [on_drop = std::move(on_drop)](int) { on_drop(); };
  return SubmitBatch(
      JobSource{}, 1, [job = std::move(job)](int) { job(); }, cancel,
      std::move(drop));
}

absl::Status EvaluationEngine::ParallelForAs(
    const JobSource& source, int n, const std::function<absl::Status(int)>& fn,
    const std::atomic<bool>* cancel) {
  if (n <= 0) return absl::OkStatus();
  absl::Mutex mu;
  int remaining = n;
  absl::Status first_error;
  std::atomic<bool> failed{false};
  auto finish_one = [&](const absl::Status& status) {
    absl::MutexLock lock(&mu);
    if (!status.ok() && first_error.ok()) first_error = status;
    --remaining;
  };
  absl::Status submitted = SubmitBatch(
      source, n,
      [&](int i) {
        absl::Status status =
            failed.load() || (cancel != nullptr && cancel->load())
                ? absl::CancelledError("cancelled")
                : fn(i);
        if (!status.ok()) failed = true;
        finish_one(status);
      },
      cancel,
      [&](int) {
        finish_one(absl::UnavailableError("server is shutting down"));
      });
  absl::MutexLock lock(&mu);
  if (!submitted.ok()) return submitted;  // nothing was queued
  mu.Await(absl::Condition(
      +[](int* r) { return *r == 0; }, &remaining));
  if (first_error.ok() && cancel != nullptr && cancel->load()) {
    return absl::CancelledError("cancelled");
  }
  return first_error;
}

absl::Status EvaluationEngine::ParallelFor(
    int n, const std::function<absl::Status(int)>& fn,
    const std::atomic<bool>* cancel) {
  return ParallelForAs(JobSource{JobClass::kSearch, ""}, n, fn, cancel);
}

std::unique_ptr<search::ParallelExecutor> EvaluationEngine::ExecutorFor(
    JobSource source) {
  return std::make_unique<SourceExecutor>(*this, std::move(source));
}

EvaluationEngine::Work EvaluationEngine::TakeNextLocked() {
  // The next class with queued jobs, starting from the one whose turn it is.
  int c = next_class_;
  for (int k = 0; k < kNumJobClasses; ++k) {
    c = (next_class_ + k) % kNumJobClasses;
    if (queues_[c].stats.queued_jobs > 0) break;
  }
  next_class_ = (c + 1) % kNumJobClasses;
  ClassQueue& q = queues_[c];
  // Its first client, and that client's first request.
  ClientQueue client = std::move(q.clients.front());
  q.clients.pop_front();
  Entry entry = std::move(client.entries.front());
  client.entries.pop_front();
  Work work{entry.batch, entry.next++};
  --q.stats.queued_jobs;
  const double wait = std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - entry.enqueued)
                          .count();
  ++q.stats.started;
  q.stats.wait_seconds_sum += wait;
  q.stats.last_wait_seconds = wait;
  // A request with jobs left goes behind the client's other requests; a
  // client with requests left goes behind the other clients.
  if (entry.next < entry.count) {
    client.entries.push_back(std::move(entry));
  } else {
    --q.stats.queued_requests;
  }
  if (!client.entries.empty()) q.clients.push_back(std::move(client));
  q.stats.clients = static_cast<int>(q.clients.size());
  if (observer_ != nullptr) {
    const JobClass job_class = static_cast<JobClass>(c);
    observer_->OnQueueDepth(job_class, q.stats.queued_jobs);
    observer_->OnJobStarted(job_class, wait);
  }
  return work;
}

void EvaluationEngine::WorkerLoop() {
  for (;;) {
    Work work;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](EvaluationEngine* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(e->mu_) {
            return e->AnyQueuedLocked() || e->shutting_down_;
          },
          this));
      if (!AnyQueuedLocked()) return;  // shutting down and drained
      work = TakeNextLocked();
      if (drop_queued_) {
        mu_.Unlock();
        if (work.batch->on_drop) work.batch->on_drop(work.index);
        mu_.Lock();
        continue;
      }
      ++busy_;
    }
    // Jobs should not throw; one that does is logged, and the worker goes
    // on with the next job.
    absl::Status escaped = RunGuarded("a job", [&] {
      work.batch->run(work.index);
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
              return !e->AnyQueuedLocked() && e->busy_ == 0;
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
  s.queue_capacity = options_.max_queue;
  s.workers = options_.workers;
  s.busy_workers = busy_;
  s.completed = completed_;
  s.waiting_submitters = waiting_submitters_;
  s.shutting_down = shutting_down_;
  s.dropping = drop_queued_;
  for (int c = 0; c < kNumJobClasses; ++c) {
    s.classes[c] = queues_[c].stats;
    s.queue_depth += queues_[c].stats.queued_requests;
    s.rejected += queues_[c].stats.rejected;
  }
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
