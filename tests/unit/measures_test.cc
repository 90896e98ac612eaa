// Copyright 2026 The tenas Authors.
//
// Measure names (options/measures.h): parsing, canonical order, directions,
// and the errors that name the offending measure.

#include "tenas/options/measures.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tenas/options/score_options.h"

namespace tenas::measures {
namespace {

TEST(MeasuresTest, NamesRoundTripInCanonicalOrder) {
  const std::vector<std::string> names = AllMeasureNames();
  ASSERT_EQ(names.size(), static_cast<size_t>(kNumMeasures));
  EXPECT_EQ(names.front(), "ntk");
  EXPECT_EQ(names[1], "lr");
  auto all = ParseMeasures(names, "measures");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(*all, AllMeasures());
  for (Measure m : AllMeasures()) {
    EXPECT_EQ(*ParseMeasureList(MeasureName(m), "f"), std::vector<Measure>{m});
  }
}

TEST(MeasuresTest, EmptyMeansTeNasDefaults) {
  EXPECT_EQ(*ParseMeasures({}, "measures"), DefaultMeasures());
  EXPECT_EQ(*ParseMeasureList("", "--measures"), DefaultMeasures());
  EXPECT_EQ(DefaultMeasures(),
            (std::vector<Measure>{Measure::kNtk, Measure::kRegions}));
}

TEST(MeasuresTest, ListIsSortedIntoCanonicalOrder) {
  auto parsed = ParseMeasureList(" nwot, ntk ,synflow", "--measures");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, (std::vector<Measure>{Measure::kNtk, Measure::kSynflow,
                                           Measure::kNwot}));
  EXPECT_EQ(JoinMeasureNames(*parsed), "ntk,synflow,nwot");
  EXPECT_EQ(*ParseMeasureList("all", "f"), AllMeasures());
}

TEST(MeasuresTest, UnknownAndRepeatedNamesAreInvalidArgument) {
  auto unknown = ParseMeasures({"ntk", "naswot"}, "measures");
  ASSERT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("measures: unknown measure "
                                            "'naswot'"),
            std::string::npos)
      << unknown.status();
  auto twice = ParseMeasureList("lr,lr", "--measures");
  ASSERT_EQ(twice.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(twice.status().message().find("--measures: measure 'lr' listed"),
            std::string::npos);
  EXPECT_FALSE(ParseMeasureList("ntk,", "f").ok());  // empty name
}

TEST(MeasuresTest, OnlyKappaRanksLowerIsBetter) {
  for (Measure m : AllMeasures()) {
    EXPECT_EQ(HigherIsBetter(m), m != Measure::kNtk) << MeasureName(m);
    EXPECT_EQ(IsZeroCostProxy(m), m != Measure::kNtk && m != Measure::kRegions)
        << MeasureName(m);
  }
}

TEST(MeasuresTest, ScoreOptionsSetAndReportTheirMeasures) {
  ScoreOptions options;
  EXPECT_EQ(RequestedMeasures(options), DefaultMeasures());
  SetMeasures({Measure::kRegions, Measure::kSnip, Measure::kZico}, options);
  EXPECT_FALSE(options.compute_ntk);
  EXPECT_TRUE(options.compute_regions);
  EXPECT_EQ(options.proxies,
            (std::vector<Measure>{Measure::kSnip, Measure::kZico}));
  EXPECT_EQ(RequestedMeasures(options),
            (std::vector<Measure>{Measure::kRegions, Measure::kSnip,
                                  Measure::kZico}));
  EXPECT_TRUE(CheckScoreOptions(options, "cifar10", 2000).ok());
  options.proxy_batch_size = 4000;
  EXPECT_EQ(CheckScoreOptions(options, "cifar10", 2000).code(),
            absl::StatusCode::kInvalidArgument);
  options.proxy_batch_size = 1;
  const absl::Status small = CheckScoreOptions(options, "cifar10", 2000);
  EXPECT_NE(small.message().find("proxy_batch_size"), std::string::npos);
  SetMeasures({Measure::kParams}, options);
  options.proxy_batch_size = 32;
  EXPECT_TRUE(CheckScoreOptions(options, "cifar10", 2000).ok());
}

}  // namespace
}  // namespace tenas::measures
