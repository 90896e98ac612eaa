// Copyright 2026 The tenas Authors.

#include "tenas/util/allocator_tuning.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace tenas {

void TuneAllocatorForTensors() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

}  // namespace tenas
