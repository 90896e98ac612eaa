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

// Each refusal says what is wrong: a size that is too large is not called
// "not a byte size" (`--state-dir-min-free 1000T` used to be).
TEST(NtkMethodTest, ByteSizeErrorsSayWhatIsWrong) {
  EXPECT_EQ(*ParseByteSize("3T", "f"), int64_t{3} << 40);
  EXPECT_EQ(*ParseByteSize("1024T", "f"), kMaxByteSize);
  const auto message = [](const char* text) {
    return std::string(
        ParseByteSize(text, "--state-dir-min-free").status().message());
  };
  for (const char* large : {"1025T", "2000T", "99999999999999999999G",
                            "9223372036854775807", "100000000G"}) {
    const std::string m = message(large);
    EXPECT_NE(m.find("--state-dir-min-free"), std::string::npos) << m;
    EXPECT_NE(m.find("too large"), std::string::npos) << large << ": " << m;
  }
  for (const char* small : {"1K", "100", "0", "0G"}) {
    EXPECT_NE(message(small).find("below the minimum 1M"), std::string::npos)
        << small << ": " << message(small);
  }
  for (const char* malformed : {"", "G", "-1G", "1.5G", "12Q", "1000P"}) {
    EXPECT_NE(message(malformed).find("is not a byte size"), std::string::npos)
        << malformed << ": " << message(malformed);
  }
}

}  // namespace
}  // namespace tenas::measures
