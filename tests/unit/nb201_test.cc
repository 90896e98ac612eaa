// Copyright 2026 The tenas Authors.
//
// NB201 architecture strings: round trips and precise errors.

#include "tenas/space/nb201.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

#include "testing/test_data.h"

namespace tenas::nb201 {
namespace {

TEST(Nb201ArchTest, AllBenchmarkArchitecturesRoundTrip) {
  std::ifstream in(testing::AccuracyTablePath());
  ASSERT_TRUE(in);
  std::string line;
  std::getline(in, line);
  std::set<int> ordinals;
  int count = 0;
  while (std::getline(in, line)) {
    const std::string text = line.substr(0, line.find(','));
    auto arch = ParseArchitecture(text);
    ASSERT_TRUE(arch.ok()) << text << ": " << arch.status();
    EXPECT_EQ(FormatArchitecture(*arch), text);
    ordinals.insert(ArchitectureOrdinal(*arch));
    ++count;
  }
  EXPECT_EQ(count, kNumArchitectures);
  EXPECT_EQ(ordinals.size(), static_cast<size_t>(kNumArchitectures));
}

TEST(Nb201ArchTest, OrdinalIsABijection) {
  for (int n = 0; n < kNumArchitectures; n += 7) {
    const Architecture arch = ArchitectureFromOrdinal(n);
    EXPECT_EQ(ArchitectureOrdinal(arch), n);
    auto reparsed = ParseArchitecture(FormatArchitecture(arch));
    ASSERT_TRUE(reparsed.ok());
    EXPECT_EQ(*reparsed, arch);
  }
}

TEST(Nb201ArchTest, EdgeOrderIsSortedKeyOrder) {
  EXPECT_EQ(EdgeKey(0), "1<-0");
  EXPECT_EQ(EdgeKey(2), "2<-1");
  EXPECT_EQ(EdgeKey(5), "3<-2");
  EXPECT_EQ(EdgeIndex(3, 1), 4);
  auto arch = ParseArchitecture(
      "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|"
      "none~1|nor_conv_3x3~2|");
  ASSERT_TRUE(arch.ok());
  EXPECT_EQ(arch->ops[0], kNorConv3x3);
  EXPECT_EQ(arch->ops[1], kNorConv1x1);
  EXPECT_EQ(arch->ops[2], kAvgPool3x3);
  EXPECT_EQ(arch->ops[3], kSkipConnect);
  EXPECT_EQ(arch->ops[4], kNone);
  EXPECT_EQ(arch->ops[5], kNorConv3x3);
}

struct BadCase {
  const char* text;
  const char* must_contain;
};

class Nb201BadArchTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(Nb201BadArchTest, RejectedWithPreciseMessage) {
  auto arch = ParseArchitecture(GetParam().text);
  ASSERT_FALSE(arch.ok()) << GetParam().text;
  EXPECT_EQ(arch.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(arch.status().message().find(GetParam().must_contain),
            std::string::npos)
      << arch.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, Nb201BadArchTest,
    ::testing::Values(
        // wrong op, with its position
        BadCase{"|conv_9x9~0|+|none~0|none~1|+|none~0|none~1|none~2|",
                "unknown op 'conv_9x9' (node 1, input 0) at position 1"},
        // wrong input index
        BadCase{"|none~0|+|none~1|none~1|+|none~0|none~1|none~2|",
                "wrong input index '1'"},
        BadCase{"|none~0|+|none~0|none~x|+|none~0|none~1|none~2|",
                "wrong input index 'x'"},
        // missing node
        BadCase{"|none~0|+|none~0|none~1|", "missing node 3"},
        // missing input of a node
        BadCase{"|none~0|+|none~0|+|none~0|none~1|none~2|", "node 2"},
        // empty input
        BadCase{"", "empty string"},
        // junk
        BadCase{"hello", "expected '|' to open node 1 at position 0"},
        BadCase{"|none~0|+|none~0|none~1|+|none~0|none~1|none~2|junk",
                "unexpected trailing text 'junk'"},
        BadCase{"|none0|+|none~0|none~1|+|none~0|none~1|none~2|",
                "not of the form op~j"},
        BadCase{"|none~0", "unterminated token"}));

}  // namespace
}  // namespace tenas::nb201
