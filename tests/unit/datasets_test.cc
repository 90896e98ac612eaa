// Copyright 2026 The tenas Authors.
//
// Dataset names (options/datasets.h): the known ones, the default, errors
// naming the field.

#include "tenas/options/datasets.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace tenas::data {
namespace {

TEST(DatasetsTest, KnownNamesAndTheirClasses) {
  EXPECT_EQ(*DatasetNumClasses("cifar10"), 10);
  EXPECT_EQ(*DatasetNumClasses("cifar100"), 100);
  EXPECT_EQ(*DatasetNumClasses("ImageNet16-120"), 120);
  EXPECT_EQ(*DatasetNumClasses("imagenet-1k"), 1000);
  EXPECT_EQ(DatasetNumClasses("CIFAR10").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(DatasetsTest, ResolveDefaultsToCifar10AndNamesTheField) {
  EXPECT_EQ(*ResolveDatasetName(""), "cifar10");
  EXPECT_EQ(*ResolveDatasetName("ImageNet16-120"), "ImageNet16-120");
  absl::StatusOr<std::string> bad = ResolveDatasetName("mnist", "dataset");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(bad.status().message(), "dataset: "));
  EXPECT_NE(bad.status().message().find("mnist"), absl::string_view::npos);
  EXPECT_NE(bad.status().message().find(kSupportedDatasets),
            absl::string_view::npos);
  EXPECT_TRUE(absl::StartsWith(
      ResolveDatasetName("svhn", "--datasets").status().message(),
      "--datasets: "));
}

}  // namespace
}  // namespace tenas::data
