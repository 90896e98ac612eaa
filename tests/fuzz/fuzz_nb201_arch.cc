// Copyright 2026 The tenas Authors.
//
// fuzz_nb201_arch.cc: libFuzzer target for the NAS-Bench-201 architecture
// string parser (nb201::ParseArchitecture, nb201::ParseOp). Any input must
// give a value or InvalidArgument, never a crash; an accepted string must be
// exactly the canonical form (the grammar has no optional spelling), and the
// architecture must survive the ordinal bijection.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "fuzz_check.h"
#include "tenas/space/nb201.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tenas::nb201::Architecture;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);

  auto op = tenas::nb201::ParseOp(text);
  if (op.ok()) {
    FUZZ_CHECK(*op >= 0 && *op < tenas::nb201::kNumOps);
    FUZZ_CHECK(tenas::nb201::kOpNames[*op] == text);
  }

  auto arch = tenas::nb201::ParseArchitecture(text);
  if (!arch.ok()) {
    FUZZ_CHECK(arch.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!arch.status().message().empty());
    return 0;
  }
  for (tenas::nb201::Op o : arch->ops) {
    FUZZ_CHECK(o >= 0 && o < tenas::nb201::kNumOps);
  }
  FUZZ_CHECK(tenas::nb201::FormatArchitecture(*arch) == text);
  const int n = tenas::nb201::ArchitectureOrdinal(*arch);
  FUZZ_CHECK(n >= 0 && n < tenas::nb201::kNumArchitectures);
  FUZZ_CHECK(tenas::nb201::ArchitectureFromOrdinal(n) == *arch);
  return 0;
}
