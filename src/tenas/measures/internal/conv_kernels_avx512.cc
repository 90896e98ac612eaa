// Copyright 2026 The tenas Authors.
//
// conv_kernels_avx512.cc: conv_kernels_isa.h's loops with 64-byte vectors.
// Built with -mavx512f -mfma on x86-64 (src/CMakeLists.txt); called only
// where the CPU has AVX-512F.

#if defined(__x86_64__)
#define TENAS_CONV_ISA avx512
#define TENAS_CONV_VECTOR_BYTES 64
#include "tenas/measures/internal/conv_kernels_isa.h"
#endif
