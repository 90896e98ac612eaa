// Copyright 2026 The tenas Authors.
//
// fuzz_imagenet16_pickle.cc: libFuzzer target for the safe Imagenet16 pickle
// reader (data::ParseImagenet16Pickle) and the ImageNet16-120 conversion on
// top of it (data::ParseImagenet16Bytes, the code behind LoadImagenet16File).
// Any input must give a value or InvalidArgument, never a crash, hang or
// huge allocation; an accepted batch must be consistent (rows x cols bytes,
// one label per row) and the dataset must keep exactly labels 1..120.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "fuzz_check.h"
#include "tenas/data/imagenet16.h"
#include "tenas/data/pickle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto batch = tenas::data::ParseImagenet16Pickle(bytes);
  if (!batch.ok()) {
    FUZZ_CHECK(batch.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!batch.status().message().empty());
    return 0;
  }
  FUZZ_CHECK(batch->rows >= 0 && batch->cols >= 0);
  FUZZ_CHECK(batch->labels.size() == static_cast<size_t>(batch->rows));
  FUZZ_CHECK(batch->data.size() == static_cast<size_t>(batch->rows) *
                                       static_cast<size_t>(batch->cols));

  // Only well-formed batches reach the dataset conversion, so parsing twice
  // costs little.
  auto dataset = tenas::data::ParseImagenet16Bytes(bytes, 120, "<fuzz>");
  if (!dataset.ok()) {
    FUZZ_CHECK(dataset.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(batch->cols == 768);
  FUZZ_CHECK(dataset->num_classes == 120);
  FUZZ_CHECK(dataset->pixels.size() == dataset->labels.size() * 768);
  size_t kept = 0;
  for (size_t i = 0; i < batch->labels.size(); ++i) {
    const int64_t label = batch->labels[i];
    FUZZ_CHECK(label >= 1 && label <= 1000);
    if (label > 120) continue;
    FUZZ_CHECK(kept < dataset->labels.size());
    FUZZ_CHECK(dataset->labels[kept] == label - 1);
    FUZZ_CHECK(std::memcmp(dataset->image(static_cast<int64_t>(kept)),
                           batch->data.data() + i * 768, 768) == 0);
    ++kept;
  }
  FUZZ_CHECK(kept == dataset->labels.size());
  return 0;
}
