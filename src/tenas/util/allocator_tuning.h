// Copyright 2026 The tenas Authors.
//
// allocator_tuning.h: keeps glibc's malloc from handing tensor-sized blocks
// back to the kernel after every free. An NTK evaluation allocates and frees
// thousands of 0.1-30 MiB tensors; by default each one above the mmap
// threshold is a fresh mmap whose pages fault in on first touch (7-8 % of
// the fast NTK's time on a 2-core machine, docs/BENCHMARKS.md §4). Call it
// once, early in main(), before any threads start.

#ifndef TENAS_UTIL_ALLOCATOR_TUNING_H_
#define TENAS_UTIL_ALLOCATOR_TUNING_H_

namespace tenas {

/// Serves blocks up to 32 MiB (glibc's maximum mmap threshold) from the
/// heap and keeps up to 1 GiB of freed memory at the top of each heap
/// instead of trimming it. The process's resident memory then stays near
/// its peak. No-op where the C library is not glibc.
void TuneAllocatorForTensors();

}  // namespace tenas

#endif  // TENAS_UTIL_ALLOCATOR_TUNING_H_
