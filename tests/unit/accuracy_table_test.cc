// Copyright 2026 The tenas Authors.

#include "tenas/space/accuracy_table.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testing/test_data.h"

namespace tenas::nb201 {
namespace {

TEST(AccuracyTableTest, LoadsSharedTableAndKnownOptimum) {
  auto table = AccuracyTable::Load(testing::AccuracyTablePath());
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 15625u);
  auto best = ParseArchitecture(
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|"
      "nor_conv_3x3~1|nor_conv_1x1~2|");
  ASSERT_TRUE(best.ok());
  const BenchmarkAccuracy* acc = table->Find(*best);
  ASSERT_NE(acc, nullptr);
  EXPECT_EQ(acc->index, 6111);
  EXPECT_NEAR(acc->cifar10_test, 94.373333, 1e-6);
}

TEST(AccuracyTableTest, MalformedFilesAreErrors) {
  EXPECT_EQ(AccuracyTable::Load("/nonexistent.csv").status().code(),
            absl::StatusCode::kNotFound);
  const std::string path = ::testing::TempDir() + "/bad_table.csv";
  {
    std::ofstream out(path);
    out << "arch,cifar10_test,cifar100_test,imagenet16_test,x,y,index\n"
        << "|none~0|+,1,2,3,4,5,6\n";
  }
  auto r = AccuracyTable::Load(path);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("line 2"), std::string::npos);
}

}  // namespace
}  // namespace tenas::nb201
