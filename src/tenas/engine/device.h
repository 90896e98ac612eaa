// Copyright 2026 The tenas Authors.
//
// device.h: the LibTorch device a process evaluates on: resolving the
// --device flag against this machine, the device's memory, and the LibTorch
// version. LibTorch-free header, so that a server or CLI can name devices
// without including LibTorch.

#ifndef TENAS_ENGINE_DEVICE_H_
#define TENAS_ENGINE_DEVICE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tenas::engine {

/// Resolves a device request against this machine: "auto" is "cuda:0" when
/// CUDA is available, else "cpu"; "cpu" stays; "cuda" and "cuda:N" give
/// "cuda:N" when that CUDA device exists. Errors name `flag`:
/// INVALID_ARGUMENT for any other text, FAILED_PRECONDITION for a CUDA
/// device this machine does not have (with its CUDA device count).
absl::StatusOr<std::string> ResolveDevice(absl::string_view requested,
                                          absl::string_view flag = "--device");

/// Number of CUDA devices LibTorch sees (0 in a CPU-only build or machine).
int CudaDeviceCount();

/// Memory of one device, in bytes.
struct DeviceMemory {
  double used_bytes = 0;   ///< Reserved by LibTorch's caching allocator.
  double total_bytes = 0;  ///< Physical memory of the device.
};

/// Memory of `device` ("cuda:N", as ResolveDevice gives it); nullopt for
/// "cpu", or when this LibTorch was built without CUDA.
std::optional<DeviceMemory> QueryDeviceMemory(const std::string& device);

/// The LibTorch version this library was built against, e.g. "1.13.1".
std::string TorchVersion();

}  // namespace tenas::engine

#endif  // TENAS_ENGINE_DEVICE_H_
