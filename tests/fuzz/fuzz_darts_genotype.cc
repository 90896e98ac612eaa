// Copyright 2026 The tenas Authors.
//
// fuzz_darts_genotype.cc: libFuzzer target for the DARTS genotype parser
// (darts::ParseGenotype, darts::ParseOp). Any input must give a value or
// InvalidArgument, never a crash; an accepted genotype must be in range and
// survive FormatGenotype -> ParseGenotype unchanged.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "fuzz_check.h"
#include "tenas/space/darts.h"

namespace {

void CheckCell(const std::array<tenas::darts::GenotypeItem,
                                tenas::darts::kGenotypeItems>& items,
               const std::vector<int>& concat) {
  for (int i = 0; i < tenas::darts::kGenotypeItems; ++i) {
    FUZZ_CHECK(items[i].op >= 0 && items[i].op < tenas::darts::kNumOps);
    FUZZ_CHECK(items[i].input >= 0 && items[i].input <= i / 2 + 1);
  }
  FUZZ_CHECK(!concat.empty());
  for (int state : concat) {
    FUZZ_CHECK(state >= 0 && state < 2 + tenas::darts::kNumSteps);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);

  auto op = tenas::darts::ParseOp(text);
  if (op.ok()) FUZZ_CHECK(tenas::darts::kOpNames[*op] == text);

  auto genotype = tenas::darts::ParseGenotype(text);
  if (!genotype.ok()) {
    FUZZ_CHECK(genotype.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!genotype.status().message().empty());
    return 0;
  }
  CheckCell(genotype->normal, genotype->normal_concat);
  CheckCell(genotype->reduce, genotype->reduce_concat);
  const std::string formatted = tenas::darts::FormatGenotype(*genotype);
  auto reparsed = tenas::darts::ParseGenotype(formatted);
  FUZZ_CHECK(reparsed.ok());
  FUZZ_CHECK(*reparsed == *genotype);
  FUZZ_CHECK(tenas::darts::FormatGenotype(*reparsed) == formatted);
  return 0;
}
