// Copyright 2026 The tenas Authors.
//
// device_memory.h: GPU memory in use and in total, for the
// tenas_device_memory_bytes metric. CPU builds report nothing.

#ifndef TENAS_SERVER_DEVICE_MEMORY_H_
#define TENAS_SERVER_DEVICE_MEMORY_H_

#include <optional>
#include <string>

namespace tenas::server {

struct DeviceMemory {
  double used_bytes = 0;   ///< Reserved by LibTorch's caching allocator.
  double total_bytes = 0;  ///< Physical memory of the device.
};

/// Memory of `device` ("cuda:N"); nullopt for "cpu" or in a build without
/// CUDA support.
std::optional<DeviceMemory> QueryDeviceMemory(const std::string& device);

}  // namespace tenas::server

#endif  // TENAS_SERVER_DEVICE_MEMORY_H_
