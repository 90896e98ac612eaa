// Copyright 2026 The tenas Authors.
//
// fuzz_cifar_records.cc: libFuzzer target for the CIFAR-10 / CIFAR-100
// binary record reader (data::ParseCifarRecords, the parser behind
// LoadCifarFile). Each input is read as both kinds. Any input must give a
// dataset or InvalidArgument, never a crash; an accepted one must hold every
// record's label and pixels exactly.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "fuzz_check.h"
#include "tenas/data/cifar.h"

namespace {

void Check(absl::Span<const uint8_t> bytes, tenas::data::CifarKind kind) {
  auto dataset = tenas::data::ParseCifarRecords(bytes, kind, "<fuzz>");
  if (!dataset.ok()) {
    FUZZ_CHECK(dataset.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  const size_t label_bytes = kind == tenas::data::CifarKind::kCifar10 ? 1 : 2;
  const size_t record = label_bytes + 3072;
  FUZZ_CHECK(!bytes.empty() && bytes.size() % record == 0);
  const size_t n = bytes.size() / record;
  FUZZ_CHECK(dataset->size() == static_cast<int64_t>(n));
  FUZZ_CHECK(dataset->image_bytes() == 3072);
  FUZZ_CHECK(dataset->pixels.size() == n * 3072);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* rec = bytes.data() + i * record;
    FUZZ_CHECK(dataset->labels[i] == rec[label_bytes - 1]);
    FUZZ_CHECK(dataset->labels[i] >= 0 &&
               dataset->labels[i] < dataset->num_classes);
    FUZZ_CHECK(std::memcmp(dataset->image(static_cast<int64_t>(i)),
                           rec + label_bytes, 3072) == 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::Span<const uint8_t> bytes(data, size);
  Check(bytes, tenas::data::CifarKind::kCifar10);
  Check(bytes, tenas::data::CifarKind::kCifar100);
  return 0;
}
