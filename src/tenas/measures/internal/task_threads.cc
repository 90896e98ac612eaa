// Copyright 2026 The tenas Authors.

#include "tenas/measures/internal/task_threads.h"

#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "tenas/measures/ntk.h"
#include "tenas/util/status_macros.h"

namespace tenas::measures {

absl::Status RunTasksOnThreads(
    int64_t tasks, int threads,
    const std::function<absl::Status(int64_t)>& run_task) {
  if (threads <= 1 || tasks <= 1) {
    for (int64_t t = 0; t < tasks; ++t) {
      TENAS_RETURN_IF_ERROR(run_task(t));
    }
    return absl::OkStatus();
  }
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  absl::Mutex mu;
  absl::Status first_error;
  const at::ThreadLocalState caller_state;
  const auto worker = [&] {
    at::ThreadLocalStateGuard state_guard(caller_state);
    // ATen gives each new thread the process's thread count the first time
    // it asks for it (at::get_num_threads, at::parallel_for); ask first, so
    // that this thread's count stays 1 afterwards.
    (void)at::get_num_threads();
    omp_set_num_threads(1);
    for (int64_t t = next++; t < tasks && !failed.load(); t = next++) {
      absl::Status status;
      try {
        status = run_task(t);
      } catch (const std::exception& e) {
        status = NtkFailureStatus(e);
      }
      if (!status.ok()) {
        absl::MutexLock lock(&mu);
        if (first_error.ok()) first_error = status;
        failed.store(true);
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  const int64_t n = std::min<int64_t>(threads, tasks);
  for (int64_t t = 0; t < n; ++t) pool.emplace_back(worker);
  for (std::thread& t : pool) t.join();
  return first_error;
}

}  // namespace tenas::measures
