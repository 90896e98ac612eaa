// Copyright 2026 The tenas Authors.
//
// parallel_executor.h: how a search runs the independent evaluations of a
// round: on its own threads (ThreadExecutor) or on a shared worker pool
// (engine::EvaluationEngine in a server).

#ifndef TENAS_SEARCH_PARALLEL_EXECUTOR_H_
#define TENAS_SEARCH_PARALLEL_EXECUTOR_H_

#include <atomic>
#include <functional>

#include "absl/status/status.h"

namespace tenas::search {

class ParallelExecutor {
 public:
  virtual ~ParallelExecutor() = default;
  /// Runs fn(i) for every i in [0, n), possibly concurrently, and returns
  /// when all have finished; the first error wins and stops scheduling the
  /// remaining items. `cancel` may be null.
  virtual absl::Status ParallelFor(int n,
                                   const std::function<absl::Status(int)>& fn,
                                   const std::atomic<bool>* cancel) = 0;
};

/// Runs items on `threads` short-lived threads (1: inline, in order).
class ThreadExecutor : public ParallelExecutor {
 public:
  explicit ThreadExecutor(int threads) : threads_(threads) {}
  absl::Status ParallelFor(int n, const std::function<absl::Status(int)>& fn,
                           const std::atomic<bool>* cancel) override;

 private:
  int threads_;
};

}  // namespace tenas::search

#endif  // TENAS_SEARCH_PARALLEL_EXECUTOR_H_
