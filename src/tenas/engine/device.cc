// Copyright 2026 The tenas Authors.
//
// device.cc: device resolution and memory. Built without the precompiled
// LibTorch header: it needs only the small CUDA and version headers, and
// TENAS_WITH_CUDA (a LibTorch that exports c10_cuda) compiles the memory
// query.

#include "tenas/engine/device.h"

#include <torch/cuda.h>
#include <torch/version.h>

#ifdef TENAS_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <cuda_runtime_api.h>
#endif

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace tenas::engine {

#ifdef TENAS_WITH_CUDA
// The statistics' "all pools" slot (StatType::AGGREGATE). The enum sits in
// c10::cuda::CUDACachingAllocator in 1.13 and in c10::CachingAllocator in
// recent 2.x; its value, the first slot, is the same in all of them.
constexpr size_t kAggregate = 0;
#endif

int CudaDeviceCount() {
  return torch::cuda::is_available()
             ? static_cast<int>(torch::cuda::device_count())
             : 0;
}

absl::StatusOr<std::string> ResolveDevice(absl::string_view requested,
                                          absl::string_view flag) {
  const auto invalid = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": '", requested, "' is not auto, cpu, cuda or cuda:N"));
  };
  if (requested == "cpu") return std::string("cpu");
  const int count = CudaDeviceCount();
  if (requested == "auto") return count > 0 ? std::string("cuda:0") : "cpu";
  int index = 0;
  if (requested != "cuda") {
    absl::string_view number = requested;
    if (!absl::ConsumePrefix(&number, "cuda:") ||
        !absl::SimpleAtoi(number, &index) || index < 0) {
      return invalid();
    }
  }
  if (index >= count) {
    return absl::FailedPreconditionError(absl::StrCat(
        flag, ": ", requested, " is not available on this machine (", count,
        " CUDA device", count == 1 ? "" : "s", ")"));
  }
  return absl::StrCat("cuda:", index);
}

std::optional<DeviceMemory> QueryDeviceMemory(const std::string& device) {
  absl::string_view number = device;
  if (!absl::ConsumePrefix(&number, "cuda")) return std::nullopt;
#ifdef TENAS_WITH_CUDA
  int index = 0;
  if (absl::ConsumePrefix(&number, ":") && !absl::SimpleAtoi(number, &index)) {
    return std::nullopt;
  }
  DeviceMemory m;
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
  m.used_bytes = static_cast<double>(stats.reserved_bytes[kAggregate].current);
  size_t free_bytes = 0, total_bytes = 0;
  int previous = 0;
  cudaGetDevice(&previous);
  cudaSetDevice(index);
  if (cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess) {
    m.total_bytes = static_cast<double>(total_bytes);
  }
  cudaSetDevice(previous);
  return m;
#else
  return std::nullopt;
#endif
}

std::string TorchVersion() { return TORCH_VERSION; }

}  // namespace tenas::engine
