// Copyright 2026 The tenas Authors.

#include "tenas/options/search_mode.h"

#include <gtest/gtest.h>

namespace tenas::search {
namespace {

TEST(SearchModeTest, ParsesBothModesAndNamesThemBack) {
  for (SearchMode mode : {SearchMode::kFaithful, SearchMode::kRobust}) {
    auto parsed = ParseSearchMode(SearchModeName(mode));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, mode);
  }
  EXPECT_EQ(SearchModeName(SearchMode::kFaithful), "faithful");
  EXPECT_EQ(SearchModeName(SearchMode::kRobust), "robust");
}

TEST(SearchModeTest, UnknownModeIsInvalidArgumentNamingTheField) {
  auto parsed = ParseSearchMode("fast");
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message().rfind("mode: ", 0), 0u)
      << parsed.status();
  EXPECT_NE(parsed.status().message().find("'fast'"), std::string::npos);
}

TEST(SearchModeTest, EachModeHasItsDefaultRepeats) {
  EXPECT_EQ(DefaultSearchRepeats(SearchMode::kFaithful), 3);
  EXPECT_EQ(DefaultSearchRepeats(SearchMode::kRobust), kRobustDefaultRepeats);
}

TEST(SearchModeTest, EachModeHasItsDefaultInit) {
  EXPECT_EQ(DefaultSearchInit(SearchMode::kFaithful), nn::InitMode::kShipped);
  EXPECT_EQ(DefaultSearchInit(SearchMode::kRobust), nn::InitMode::kPaper);
}

}  // namespace
}  // namespace tenas::search
