// Copyright 2026 The tenas Authors.
//
// conv_kernels_avx2.cc: conv_kernels_isa.h's loops with 32-byte vectors.
// Built with -mavx2 -mfma on x86-64 (src/CMakeLists.txt); called only where
// the CPU has AVX2 and FMA.

#if defined(__x86_64__)
#define TENAS_CONV_ISA avx2
#define TENAS_CONV_VECTOR_BYTES 32
#include "tenas/measures/internal/conv_kernels_isa.h"
#endif
