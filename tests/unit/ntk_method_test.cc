// Copyright 2026 The tenas Authors.
//
// Parsing of the NTK method and byte-size options.

#include "tenas/options/ntk_method.h"

#include <gtest/gtest.h>

namespace tenas::measures {
namespace {

TEST(NtkMethodTest, ParsesBothNamesAndRoundTrips) {
  for (NtkMethod m : {NtkMethod::kFast, NtkMethod::kReference}) {
    auto parsed = ParseNtkMethod(NtkMethodName(m), "--ntk");
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, m);
  }
  auto bad = ParseNtkMethod("quick", "--ntk");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("--ntk"), std::string::npos);
}

TEST(NtkMethodTest, ParsesByteSizes) {
  EXPECT_EQ(*ParseByteSize("2G", "f"), int64_t{2} << 30);
  EXPECT_EQ(*ParseByteSize("512m", "f"), int64_t{512} << 20);
  EXPECT_EQ(*ParseByteSize("4096K", "f"), int64_t{4} << 20);
  EXPECT_EQ(*ParseByteSize("1048576", "f"), int64_t{1} << 20);
  for (const char* bad :
       {"", "G", "-1G", "1.5G", "12Q", "100", "1K", "99999999999999999999G"}) {
    auto r = ParseByteSize(bad, "--max-memory");
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find("--max-memory"), std::string::npos);
  }
}

}  // namespace
}  // namespace tenas::measures
