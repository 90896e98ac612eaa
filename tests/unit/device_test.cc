// Copyright 2026 The tenas Authors.
//
// Device resolution (--device), device memory and the LibTorch version.
// Written for any machine: on one without CUDA (CI), "auto" is the CPU and
// every CUDA device is missing.

#include "tenas/engine/device.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace tenas::engine {
namespace {

bool Contains(absl::string_view text, absl::string_view part) {
  return text.find(part) != absl::string_view::npos;
}

TEST(DeviceTest, AutoIsCudaZeroWhenPresentElseCpu) {
  absl::StatusOr<std::string> device = ResolveDevice("auto");
  ASSERT_TRUE(device.ok()) << device.status();
  EXPECT_EQ(*device, CudaDeviceCount() > 0 ? "cuda:0" : "cpu");
}

TEST(DeviceTest, CpuIsAlwaysAvailable) {
  absl::StatusOr<std::string> device = ResolveDevice("cpu");
  ASSERT_TRUE(device.ok()) << device.status();
  EXPECT_EQ(*device, "cpu");
}

TEST(DeviceTest, MissingCudaDeviceIsFailedPreconditionNamingTheFlag) {
  const int count = CudaDeviceCount();
  // Without CUDA (CI) every CUDA device is missing, "cuda" included.
  const std::vector<std::string> missing =
      count == 0 ? std::vector<std::string>{"cuda:0", "cuda"}
                 : std::vector<std::string>{absl::StrCat("cuda:", count)};
  for (const std::string& requested : missing) {
    SCOPED_TRACE(requested);
    absl::StatusOr<std::string> device = ResolveDevice(requested);
    ASSERT_FALSE(device.ok());
    EXPECT_EQ(device.status().code(), absl::StatusCode::kFailedPrecondition);
    const absl::string_view message = device.status().message();
    EXPECT_TRUE(absl::StartsWith(message, "--device: ")) << message;
    EXPECT_TRUE(Contains(message, requested)) << message;
    EXPECT_TRUE(Contains(message, absl::StrCat("(", count, " CUDA device")))
        << message;
  }
}

TEST(DeviceTest, OtherTextIsInvalidArgumentNamingTheFlag) {
  for (const char* requested : {"", "gpu", "CPU", "cuda:", "cuda:-1", "cuda:x",
                                "cuda0", "cuda:0:1", "mps"}) {
    SCOPED_TRACE(requested);
    absl::StatusOr<std::string> device = ResolveDevice(requested);
    ASSERT_FALSE(device.ok());
    EXPECT_EQ(device.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StartsWith(device.status().message(), "--device: "))
        << device.status().message();
  }
  // The flag name is the caller's.
  EXPECT_TRUE(absl::StartsWith(
      ResolveDevice("gpu", "device").status().message(), "device: "));
}

TEST(DeviceTest, CpuHasNoDeviceMemory) {
  EXPECT_FALSE(QueryDeviceMemory("cpu").has_value());
}

TEST(DeviceTest, TorchVersionIsDotted) {
  const std::string version = TorchVersion();
  EXPECT_TRUE(Contains(version, ".")) << version;
}

}  // namespace
}  // namespace tenas::engine
