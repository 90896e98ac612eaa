// Copyright 2026 The tenas Authors.
//
// The first-round noise study at reduced cost (small NTK batch, few crops).

#include "tenas/search/round_noise.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/bundled_cifar.h"

namespace tenas::search {
namespace {

const data::ImageDataset& Cifar() { return testing::BundledCifar10(); }

RoundNoiseOptions Small() {
  RoundNoiseOptions o;
  o.draws = 2;
  o.batch_size = 4;
  o.lr_batch_size = 100;
  o.lr_num_batches = 1;
  return o;
}

TEST(RoundNoiseTest, DrawZeroIsSharedAndLaterDrawsVaryOnlyTheirAxis) {
  auto noise = MeasureRoundNoise(Cifar(), Small());
  ASSERT_TRUE(noise.ok()) << noise.status();
  // NB201's first round: 6 edges x 4 ops; the origin once per draw, and
  // draw 0 once for the three axes: (1 + 3 x 1) draws x 25 networks.
  ASSERT_EQ(noise->candidates.size(), 24u);
  EXPECT_EQ(noise->ntk_evaluations, (1 + 3 * 1) * 25);
  EXPECT_EQ(noise->lr_evaluations, (1 + 3 * 1) * 25);
  EXPECT_EQ(noise->batch_size, 4);
  int batch_differs = 0, init_differs = 0, joint_differs = 0;
  for (const CandidateNoise& c : noise->candidates) {
    ASSERT_EQ(c.kappa_delta_over_batches.size(), 2u);
    // Draw 0: the same weights and batch on every axis.
    EXPECT_EQ(c.kappa_delta_over_batches[0], c.kappa_delta_over_inits[0]);
    EXPECT_EQ(c.kappa_delta_over_batches[0], c.kappa_delta_joint[0]);
    EXPECT_EQ(c.regions_delta_over_batches[0], c.regions_delta_over_inits[0]);
    batch_differs +=
        c.kappa_delta_over_batches[1] != c.kappa_delta_over_batches[0];
    init_differs += c.kappa_delta_over_inits[1] != c.kappa_delta_over_inits[0];
    // The joint axis's draw 1 is neither axis's draw 1: it moves both.
    joint_differs += c.kappa_delta_joint[1] != c.kappa_delta_over_batches[1] &&
                     c.kappa_delta_joint[1] != c.kappa_delta_over_inits[1];
    // A delta is finite whenever the origin's R is positive.
    EXPECT_TRUE(std::isfinite(c.regions_delta_over_batches[1]));
    EXPECT_TRUE(std::isfinite(c.regions_delta_joint[1]));
  }
  EXPECT_GT(batch_differs, 20);
  EXPECT_GT(init_differs, 20);
  EXPECT_GT(joint_differs, 20);
}

TEST(RoundNoiseTest, DeterministicWhateverTheWorkers) {
  RoundNoiseOptions o = Small();
  auto a = MeasureRoundNoise(Cifar(), o);
  o.workers = 2;
  auto b = MeasureRoundNoise(Cifar(), o);
  ASSERT_TRUE(a.ok() && b.ok());
  for (size_t i = 0; i < a->candidates.size(); ++i) {
    EXPECT_EQ(a->candidates[i].kappa_delta_joint,
              b->candidates[i].kappa_delta_joint);
    EXPECT_EQ(a->candidates[i].regions_delta_over_inits,
              b->candidates[i].regions_delta_over_inits);
  }
}

TEST(RoundNoiseTest, OptionsOutOfRangeNameTheField) {
  RoundNoiseOptions o = Small();
  o.draws = 1;
  auto r = MeasureRoundNoise(Cifar(), o);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind("draws: ", 0), 0u) << r.status();
  o = Small();
  o.workers = 0;
  r = MeasureRoundNoise(Cifar(), o);
  EXPECT_EQ(r.status().message().rfind("workers: ", 0), 0u) << r.status();
  o = Small();
  o.batch_size = 100000;
  r = MeasureRoundNoise(Cifar(), o);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("batch_size"), std::string::npos)
      << r.status();
}

}  // namespace
}  // namespace tenas::search
