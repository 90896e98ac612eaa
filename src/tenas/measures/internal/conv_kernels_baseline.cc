// Copyright 2026 The tenas Authors.
//
// conv_kernels_baseline.cc: conv_kernels_isa.h's loops with 16-byte vectors.
// Built with the project's flags: SSE2 on x86-64, the native 128-bit
// vectors elsewhere (GCC lowers wider ones to scalars where there are none).

#define TENAS_CONV_ISA baseline
#define TENAS_CONV_VECTOR_BYTES 16
#include "tenas/measures/internal/conv_kernels_isa.h"
