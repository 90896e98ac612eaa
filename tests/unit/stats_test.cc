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

}  // namespace
}  // namespace tenas
