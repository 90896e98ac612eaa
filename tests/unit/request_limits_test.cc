// Copyright 2026 The tenas Authors.
//
// Request validation (options/request_limits.h): defaults applied once,
// every field checked against the server's caps and the library's ranges,
// errors naming the field and the cap.

#include "tenas/options/request_limits.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/match.h"

namespace tenas::options {
namespace {

using search::SpaceKind;

bool Contains(absl::string_view text, absl::string_view part) {
  return text.find(part) != absl::string_view::npos;
}

// An InvalidArgument whose message starts with `field` and holds `parts`.
void ExpectInvalid(const absl::Status& status, absl::string_view field,
                   std::initializer_list<absl::string_view> parts = {}) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(absl::StartsWith(status.message(), absl::StrCat(field, ": ")))
      << status.message();
  for (absl::string_view part : parts) {
    EXPECT_TRUE(Contains(status.message(), part))
        << status.message() << " lacks " << part;
  }
}

measures::ScoreOptions Asked(int repeats, int batch_size) {
  measures::ScoreOptions o;
  o.repeats = repeats;
  o.batch_size = batch_size;
  return o;
}

TEST(RequestLimitsTest, ScoreZeroFieldsTakeTheDefaults) {
  const RequestLimits limits;
  auto nb201 = ValidateScoreRequest(Asked(0, 0), SpaceKind::kNb201, "cifar10",
                                    2000, limits);
  ASSERT_TRUE(nb201.ok()) << nb201.status();
  EXPECT_EQ(nb201->repeats, measures::kDefaultRepeats);
  EXPECT_EQ(nb201->batch_size, search::kNb201DefaultBatchSize);
  auto darts = ValidateScoreRequest(Asked(0, 0), SpaceKind::kDarts,
                                    "ImageNet16-120", 2000, limits);
  ASSERT_TRUE(darts.ok()) << darts.status();
  EXPECT_EQ(darts->batch_size,
            search::DefaultBatchSize(SpaceKind::kDarts, "ImageNet16-120"));
  // What was asked stays.
  auto asked = ValidateScoreRequest(Asked(5, 16), SpaceKind::kNb201, "cifar10",
                                    2000, limits);
  ASSERT_TRUE(asked.ok()) << asked.status();
  EXPECT_EQ(asked->repeats, 5);
  EXPECT_EQ(asked->batch_size, 16);
}

TEST(RequestLimitsTest, ScoreFieldsOutsideTheCapsNameFieldAndFlag) {
  RequestLimits limits;
  limits.max_repeats = 4;
  limits.max_batch_size = 32;
  const auto check = [&](int repeats, int batch) {
    return ValidateScoreRequest(Asked(repeats, batch), SpaceKind::kNb201,
                                "cifar10", 2000, limits, "options.")
        .status();
  };
  EXPECT_TRUE(check(4, 32).ok());
  ExpectInvalid(check(5, 8), "options.repeats",
                {"5", "[1, 4]", "--max-repeats"});
  ExpectInvalid(check(-2, 8), "options.repeats", {"-2"});
  ExpectInvalid(check(1, 33), "options.batch_size",
                {"33", "[2, 32]", "--max-batch-size"});
  ExpectInvalid(check(1, 1), "options.batch_size", {"1"});
  ExpectInvalid(check(1, -8), "options.batch_size", {"-8"});
  // A default beyond a cap says which default it was.
  ExpectInvalid(check(1, 0), "options.batch_size",
                {"0 (default 72)", "--max-batch-size"});
}

TEST(RequestLimitsTest, LibraryRangesApplyBeyondGenerousCaps) {
  RequestLimits limits;
  limits.max_repeats = 1000;
  limits.max_batch_size = 100000;
  // The library runs at most kMaxRepeats repeats, whatever the cap.
  ExpectInvalid(ValidateScoreRequest(Asked(101, 8), SpaceKind::kNb201,
                                     "cifar10", 2000, limits)
                    .status(),
                "repeats", {"101", "[1, 100]"});
  // A batch larger than the dataset: one line naming the dataset, its
  // images, the field and the images needed.
  const absl::Status too_big =
      ValidateScoreRequest(Asked(1, 5000), SpaceKind::kNb201, "cifar10", 2000,
                           limits, "options.")
          .status();
  EXPECT_EQ(too_big.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(too_big.message(),
            "dataset 'cifar10' has 2000 images, but options.batch_size asks "
            "for an NTK batch of 5000 distinct images");
  // Unknown size: not checked yet.
  EXPECT_TRUE(ValidateScoreRequest(Asked(1, 5000), SpaceKind::kNb201, "cifar10",
                                   kUnknownDatasetImages, limits)
                  .ok());
}

TEST(RequestLimitsTest, ScoreNeedsAtLeastOneMeasure) {
  measures::ScoreOptions none = Asked(1, 8);
  none.compute_ntk = false;
  none.compute_regions = false;
  for (int64_t images : {int64_t{2000}, kUnknownDatasetImages}) {
    ExpectInvalid(ValidateScoreRequest(none, SpaceKind::kNb201, "cifar10",
                                       images, RequestLimits(), "options.")
                      .status(),
                  "options.measures");
  }
}

TEST(RequestLimitsTest, ProxyBatchDefaultsAndCap) {
  RequestLimits limits;
  limits.max_batch_size = 64;
  measures::ScoreOptions asked = Asked(1, 8);
  measures::SetMeasures({measures::Measure::kRegions, measures::Measure::kNwot},
                        asked);
  asked.proxy_batch_size = 0;
  auto score = ValidateScoreRequest(asked, SpaceKind::kNb201, "cifar10", 2000,
                                    limits, "options.");
  ASSERT_TRUE(score.ok()) << score.status();
  EXPECT_EQ(score->proxy_batch_size, measures::ScoreOptions().proxy_batch_size);
  asked.proxy_batch_size = 65;
  ExpectInvalid(ValidateScoreRequest(asked, SpaceKind::kNb201, "cifar10", 2000,
                                     limits, "options.")
                    .status(),
                "options.proxy_batch_size",
                {"65", "[2, 64]", "--max-batch-size"});
  asked.proxy_batch_size = 1;
  ExpectInvalid(ValidateScoreRequest(asked, SpaceKind::kNb201, "cifar10",
                                     kUnknownDatasetImages, limits, "options.")
                    .status(),
                "options.proxy_batch_size", {"1"});
  // Proxies alone are a request, also before the dataset's size is known.
  measures::ScoreOptions proxies_only = Asked(1, 8);
  measures::SetMeasures({measures::Measure::kParams}, proxies_only);
  EXPECT_TRUE(ValidateScoreRequest(proxies_only, SpaceKind::kNb201, "cifar10",
                                   kUnknownDatasetImages, limits)
                  .ok());
  // Without a proxy the proxy batch is not looked at.
  measures::ScoreOptions plain = Asked(1, 8);
  plain.proxy_batch_size = 1000;
  EXPECT_TRUE(
      ValidateScoreRequest(plain, SpaceKind::kNb201, "cifar10", 2000, limits)
          .ok());

  search::SearchOptions search;
  search.batch_size = 8;
  search.measures = {measures::Measure::kRegions, measures::Measure::kSnip};
  search.proxy_batch_size = 0;
  auto s = ValidateSearchRequest(search, "cifar10", 2000, limits);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->proxy_batch_size, search::SearchOptions().proxy_batch_size);
  search.proxy_batch_size = 100;
  ExpectInvalid(ValidateSearchRequest(search, "cifar10", 2000, limits).status(),
                "proxy_batch_size", {"100", "--max-batch-size"});
  search.measures = measures::DefaultMeasures();
  EXPECT_TRUE(ValidateSearchRequest(search, "cifar10", 2000, limits).ok());
}

TEST(RequestLimitsTest, SearchDefaultsAndRanges) {
  const RequestLimits limits;
  search::SearchOptions asked;
  asked.space = SpaceKind::kDarts;
  asked.repeats = 0;
  auto darts = ValidateSearchRequest(asked, "cifar10", 2000, limits);
  ASSERT_TRUE(darts.ok()) << darts.status();
  EXPECT_EQ(darts->repeats, measures::kDefaultRepeats);
  EXPECT_EQ(darts->batch_size,
            search::DefaultBatchSize(SpaceKind::kDarts, "cifar10"));
  EXPECT_EQ(darts->prune_number,
            search::DefaultPruneNumber(SpaceKind::kDarts, "cifar10"));
  // A robust search's repeats default to the robust mode's.
  asked.mode = search::SearchMode::kRobust;
  auto robust = ValidateSearchRequest(asked, "cifar10", 2000, limits);
  ASSERT_TRUE(robust.ok()) << robust.status();
  EXPECT_EQ(robust->repeats, search::kRobustDefaultRepeats);
  asked.mode = search::SearchMode::kFaithful;

  const auto check = [&](auto mutate) {
    search::SearchOptions o;
    mutate(o);
    return ValidateSearchRequest(o, "cifar10", 2000, limits).status();
  };
  ExpectInvalid(check([](auto& o) { o.repeats = 21; }), "repeats",
                {"21", "--max-repeats"});
  ExpectInvalid(check([](auto& o) { o.batch_size = 1; }), "batch_size");
  ExpectInvalid(check([](auto& o) { o.batch_size = 513; }), "batch_size",
                {"513", "--max-batch-size"});
  ExpectInvalid(check([](auto& o) { o.prune_number = 8; }), "prune_number",
                {"8"});
  ExpectInvalid(check([](auto& o) { o.prune_number = -1; }), "prune_number",
                {"-1"});
  // Every edge keeps an op: NB201 edges start with 4 ops besides none, DARTS
  // edges with 7, so at most 3 and 6 go per round.
  EXPECT_TRUE(check([](auto& o) { o.prune_number = 3; }).ok());
  ExpectInvalid(check([](auto& o) { o.prune_number = 4; }), "prune_number",
                {"4", "[1, 3]", "nb201 keeps at least one of its 4 ops"});
  EXPECT_TRUE(check([](auto& o) {
                o.space = SpaceKind::kDarts;
                o.prune_number = 6;
              }).ok());
  ExpectInvalid(check([](auto& o) {
                  o.space = SpaceKind::kDarts;
                  o.prune_number = 7;
                }),
                "prune_number", {"7", "[1, 6]"});
  // The NB201 default batch does not fit a 50-image dataset.
  search::SearchOptions nb201;
  const absl::Status too_small =
      ValidateSearchRequest(nb201, "cifar10", 50, limits).status();
  EXPECT_EQ(too_small.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(too_small.message(),
            "dataset 'cifar10' has 50 images, but batch_size asks for an NTK "
            "batch of 72 distinct images");
}

TEST(RequestLimitsTest, ArchitectureCountAndCapsThemselves) {
  RequestLimits limits;
  limits.max_architectures_per_call = 3;
  EXPECT_TRUE(ValidateArchitectureCount(1, limits).ok());
  EXPECT_TRUE(ValidateArchitectureCount(3, limits).ok());
  ExpectInvalid(ValidateArchitectureCount(0, limits), "architectures", {"0"});
  ExpectInvalid(ValidateArchitectureCount(4, limits), "architectures",
                {"4", "--max-architectures"});

  EXPECT_TRUE(ValidateRequestLimits(RequestLimits()).ok());
  RequestLimits bad;
  bad.max_batch_size = 1;
  ExpectInvalid(ValidateRequestLimits(bad), "--max-batch-size");
  bad = RequestLimits();
  bad.max_repeats = 0;
  ExpectInvalid(ValidateRequestLimits(bad), "--max-repeats");
  bad = RequestLimits();
  bad.max_architectures_per_call = 0;
  ExpectInvalid(ValidateRequestLimits(bad), "--max-architectures");
}

}  // namespace
}  // namespace tenas::options
