// Copyright 2026 The tenas Authors.

#include "tenas/measures/linear_regions.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace tenas::measures {
namespace {

// Packs the 0/1 rows of `bits` [N, d] (uint8, contiguous) into words.
std::vector<uint64_t> PackRows(const at::Tensor& bits, int64_t words) {
  const int64_t n = bits.size(0);
  const int64_t d = bits.size(1);
  std::vector<uint64_t> packed(static_cast<size_t>(n * words), 0);
  const uint8_t* src = bits.data_ptr<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    uint64_t* row = packed.data() + i * words;
    const uint8_t* in = src + i * d;
    for (int64_t j = 0; j < d; ++j) {
      row[j >> 6] |= static_cast<uint64_t>(in[j] != 0) << (j & 63);
    }
  }
  return packed;
}

}  // namespace

int64_t CountDistinctRows(const at::Tensor& bits_in) {
  if (bits_in.size(0) == 0) return 0;
  const at::Tensor bits = bits_in.to(torch::kCPU, torch::kUInt8).contiguous();
  const int64_t n = bits.size(0);
  const int64_t words = std::max<int64_t>(1, (bits.size(1) + 63) / 64);
  const std::vector<uint64_t> packed = PackRows(bits, words);
  // A hash set of row indices, hashing and comparing the packed bits.
  const uint64_t* base = packed.data();
  const size_t row_bytes = static_cast<size_t>(words) * sizeof(uint64_t);
  const auto row = [&](int64_t i) {
    return absl::string_view(reinterpret_cast<const char*>(base + i * words),
                             row_bytes);
  };
  const auto hash = [&](int64_t i) {
    return absl::Hash<absl::string_view>{}(row(i));
  };
  const auto equal = [&](int64_t a, int64_t b) { return row(a) == row(b); };
  absl::flat_hash_set<int64_t, decltype(hash), decltype(equal)> distinct(
      static_cast<size_t>(n), hash, equal);
  for (int64_t i = 0; i < n; ++i) distinct.insert(i);
  return static_cast<int64_t>(distinct.size());
}

absl::StatusOr<LinearRegionResult> CountLinearRegions(
    nn::SearchNetwork& net, const std::vector<at::Tensor>& batches,
    const std::atomic<bool>* cancel) {
  if (batches.empty()) {
    return absl::InvalidArgumentError("linear regions: no input batches");
  }
  nn::ActivationRecorder& recorder = net.recorder();
  try {
    torch::NoGradGuard no_grad;
    net.train();
    std::vector<at::Tensor> pattern_blocks;
    for (const at::Tensor& batch : batches) {
      if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
        recorder.enabled = false;
        recorder.outputs.clear();
        return absl::CancelledError("linear-region evaluation cancelled");
      }
      recorder.outputs.clear();
      recorder.enabled = true;
      net.forward(batch);
      recorder.enabled = false;
      std::vector<at::Tensor> columns;
      columns.reserve(recorder.outputs.size());
      for (const at::Tensor& out : recorder.outputs) {
        columns.push_back(out.reshape({out.size(0), -1}).gt(0));
      }
      recorder.outputs.clear();
      if (columns.empty()) {
        return absl::InternalError("linear regions: no ReLU was executed");
      }
      pattern_blocks.push_back(torch::cat(columns, /*dim=*/1));
    }
    const at::Tensor patterns = torch::cat(pattern_blocks, /*dim=*/0);
    LinearRegionResult result;
    result.num_samples = patterns.size(0);
    result.num_columns = patterns.size(1);
    result.regions = CountDistinctRows(patterns);
    return result;
  } catch (const c10::Error& e) {
    recorder.enabled = false;
    recorder.outputs.clear();
    return absl::InternalError(
        absl::StrCat("linear-region evaluation failed in LibTorch: ",
                     e.what_without_backtrace()));
  }
}

}  // namespace tenas::measures
