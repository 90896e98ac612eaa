// Copyright 2026 The tenas Authors.

#include "server/device_memory.h"

#ifdef TENAS_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <cuda_runtime_api.h>
#endif

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace tenas::server {

std::optional<DeviceMemory> QueryDeviceMemory(const std::string& device) {
  if (!absl::StartsWith(device, "cuda")) return std::nullopt;
#ifdef TENAS_WITH_CUDA
  int index = 0;
  if (device.size() > 5) (void)absl::SimpleAtoi(device.substr(5), &index);
  DeviceMemory m;
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
  m.used_bytes = static_cast<double>(
      stats
          .reserved_bytes[static_cast<size_t>(
              c10::cuda::CUDACachingAllocator::StatType::AGGREGATE)]
          .current);
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

}  // namespace tenas::server
