// Copyright 2026 The tenas Authors.
//
// task_threads.h: runs the NTK's independent backward passes on a few plain
// threads (ntk_fast.cc, ntk_explicit.cc).

#ifndef TENAS_MEASURES_INTERNAL_TASK_THREADS_H_
#define TENAS_MEASURES_INTERNAL_TASK_THREADS_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"

namespace tenas::measures {

/// Runs run_task(0) .. run_task(tasks - 1) on `threads` threads (inline, in
/// order, when 1), each thread taking the next task when it gets free; the
/// first error wins and stops the others from starting new tasks. Plain
/// threads, not an OpenMP region: oneDNN sizes its kernels for the thread
/// count it was first run with and waits forever inside a nested region that
/// gets one thread. Each thread runs its operators on one LibTorch thread
/// (OpenMP's thread count is per thread), with the caller's thread-local
/// state (grad mode, dispatch keys). An exception thrown by a task on a
/// worker thread becomes its status (NtkFailureStatus).
absl::Status RunTasksOnThreads(
    int64_t tasks, int threads,
    const std::function<absl::Status(int64_t)>& run_task);

}  // namespace tenas::measures

#endif  // TENAS_MEASURES_INTERNAL_TASK_THREADS_H_
