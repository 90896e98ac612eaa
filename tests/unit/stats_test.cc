// Copyright 2026 The tenas Authors.

#include "tenas/util/stats.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tenas {
namespace {

TEST(StatsTest, KendallTauMatchesScipy) {
  // scipy.stats.kendalltau([1,2,3,4,5],[5,6,7,8,7]) = 0.7378647873726218
  EXPECT_NEAR(KendallTauB({1, 2, 3, 4, 5}, {5, 6, 7, 8, 7}), 0.7378647873726218,
              1e-12);
  EXPECT_DOUBLE_EQ(KendallTauB({1, 2, 3}, {3, 2, 1}), -1.0);
  EXPECT_DOUBLE_EQ(KendallTauB({1, 2, 3}, {1, 2, 3}), 1.0);
  EXPECT_TRUE(std::isnan(KendallTauB({1, 1, 1}, {1, 2, 3})));
}

TEST(StatsTest, AverageRanksShareTies) {
  EXPECT_EQ(AverageRanks({10, 20, 10, 30}),
            (std::vector<double>{1.5, 3, 1.5, 4}));
}

TEST(StatsTest, StandardErrorOfMeanByHand) {
  // {1,2,3,4}: mean 2.5, squared deviations 2.25+0.25+0.25+2.25 = 5,
  // variance 5/3, sd sqrt(5/3) = 1.2909944, sem sd/2 = 0.6454972.
  EXPECT_NEAR(SampleStandardDeviation({1, 2, 3, 4}), 1.2909944487358056, 1e-12);
  EXPECT_NEAR(StandardErrorOfMean({1, 2, 3, 4}), 0.6454972243679028, 1e-12);
  // {10, 14}: sd |10-14|/sqrt(2) = 2.8284271, sem 2.
  EXPECT_NEAR(StandardErrorOfMean({10, 14}), 2.0, 1e-12);
  // Equal values have no spread.
  EXPECT_EQ(StandardErrorOfMean({7, 7, 7}), 0.0);
}

TEST(StatsTest, StandardErrorOfFewerThanTwoValuesIsZero) {
  EXPECT_EQ(SampleStandardDeviation({}), 0.0);
  EXPECT_EQ(SampleStandardDeviation({3.5}), 0.0);
  EXPECT_EQ(StandardErrorOfMean({}), 0.0);
  EXPECT_EQ(StandardErrorOfMean({3.5}), 0.0);
}

// scipy.stats.spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) = 0.8207826816681233
TEST(StatsTest, SpearmanMatchesScipyWithTies) {
  EXPECT_NEAR(SpearmanRho({1, 2, 3, 4, 5}, {5, 6, 7, 8, 7}), 0.8207826816681233,
              1e-12);
  EXPECT_NEAR(SpearmanRho({1, 2, 3}, {30, 20, 10}), -1.0, 1e-12);
  EXPECT_TRUE(std::isnan(SpearmanRho({1, 2, 3}, {4, 4, 4})));
}

}  // namespace
}  // namespace tenas
