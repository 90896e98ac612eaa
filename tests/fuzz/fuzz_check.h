// Copyright 2026 The tenas Authors.
//
// fuzz_check.h: FUZZ_CHECK, the invariant check of the libFuzzer targets in
// tests/fuzz. A failed check prints the condition and aborts, which libFuzzer
// reports as a crash and saves the input as an artifact.

#ifndef TENAS_TESTS_FUZZ_FUZZ_CHECK_H_
#define TENAS_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                               \
  do {                                                                 \
    if (!(cond)) {                                                     \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, \
                   __LINE__, #cond);                                   \
      std::abort();                                                    \
    }                                                                  \
  } while (0)

#endif  // TENAS_TESTS_FUZZ_FUZZ_CHECK_H_
