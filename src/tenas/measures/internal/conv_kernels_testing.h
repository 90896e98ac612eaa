// Copyright 2026 The tenas Authors.
//
// conv_kernels_testing.h: test hooks of the direct convolution loops
// (conv_kernels.h): which vector instruction sets this CPU offers, and a
// switch that pins the loops to one of them, so that a test covers every
// set the CPU has. Not for production code.

#ifndef TENAS_MEASURES_INTERNAL_CONV_KERNELS_TESTING_H_
#define TENAS_MEASURES_INTERNAL_CONV_KERNELS_TESTING_H_

#include <string>
#include <vector>

namespace tenas::measures::kernels {

/// The vector instruction sets this CPU can run the loops with, widest
/// first: some of "avx512", "avx2", "baseline" (always there; on x86-64
/// used only when SetSmallConvIsaForTesting asks for it).
std::vector<std::string> SmallConvIsas();

/// Restricts the loops to `isa` (one of SmallConvIsas()), or lifts the
/// restriction when empty; for tests, which cover every ISA this way.
void SetSmallConvIsaForTesting(const std::string& isa);

}  // namespace tenas::measures::kernels

#endif  // TENAS_MEASURES_INTERNAL_CONV_KERNELS_TESTING_H_
