// Copyright 2026 The tenas Authors.

#include "tenas/search/parallel_executor.h"

#include <algorithm>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace tenas::search {

absl::Status ThreadExecutor::ParallelFor(
    int n, const std::function<absl::Status(int)>& fn,
    const std::atomic<bool>* cancel) {
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  absl::Mutex mu;
  absl::Status first_error;
  auto work = [&] {
    while (!failed.load()) {
      const int i = next.fetch_add(1);
      if (i >= n) break;
      absl::Status status = cancel != nullptr && cancel->load()
                                ? absl::CancelledError("cancelled")
                                : fn(i);
      if (!status.ok()) {
        failed = true;
        absl::MutexLock lock(&mu);
        if (first_error.ok()) first_error = status;
      }
    }
  };
  const int threads = std::max(1, std::min(threads_, n));
  if (threads == 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(work);
    for (auto& t : pool) t.join();
  }
  return first_error;
}

}  // namespace tenas::search
