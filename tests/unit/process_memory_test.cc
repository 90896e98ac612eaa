// Copyright 2026 The tenas Authors.
//
// ProcessStatusBytes: this process's resident size and peak, and a field
// that does not exist.

#include "tenas/util/process_memory.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstring>
#include <optional>

namespace tenas {
namespace {

TEST(ProcessMemoryTest, ResidentSizeGrowsWithTouchedMemoryAndPeakFollows) {
  const std::optional<int64_t> before = ProcessStatusBytes("VmRSS:");
  ASSERT_TRUE(before.has_value());
  EXPECT_GT(*before, 0);
  EXPECT_EQ(*before % 1024, 0);
  // 64 MiB of fresh pages touched must show in the resident size. (Mapped
  // directly: malloc may hand out heap memory that earlier tests in this
  // process left resident.)
  constexpr size_t kBytes = size_t{64} << 20;
  void* mapped = mmap(nullptr, kBytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mapped, MAP_FAILED);
  char* block = static_cast<char*>(mapped);
  std::memset(block, 1, kBytes);
  const std::optional<int64_t> after = ProcessStatusBytes("VmRSS:");
  ASSERT_TRUE(after.has_value());
  EXPECT_GE(*after - *before, static_cast<int64_t>(kBytes) / 2);
  const std::optional<int64_t> peak = ProcessStatusBytes("VmHWM:");
  ASSERT_TRUE(peak.has_value());
  EXPECT_GE(*peak, *after);
  EXPECT_EQ(block[kBytes - 1], 1);
  munmap(mapped, kBytes);
}

TEST(ProcessMemoryTest, UnknownFieldIsNullopt) {
  EXPECT_FALSE(ProcessStatusBytes("NoSuchField:").has_value());
  EXPECT_FALSE(ProcessStatusBytes("VmRSS").has_value());  // no colon
}

}  // namespace
}  // namespace tenas
