// Copyright 2026 The tenas Authors.
//
// ScoreNb201: both measures of one architecture on real images.

#include "tenas/measures/score.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cmath>
#include <optional>

#include "tenas/data/cifar.h"
#include "tenas/options/memory_estimate.h"
#include "tenas/util/stats.h"
#include "testing/bundled_cifar.h"

namespace tenas::measures {
namespace {

const data::ImageDataset& Cifar() { return testing::BundledCifar10(); }

nb201::Architecture Arch(const char* text) {
  auto arch = nb201::ParseArchitecture(text);
  EXPECT_TRUE(arch.ok()) << arch.status();
  return *arch;
}

ScoreOptions SmallOptions(uint64_t seed) {
  ScoreOptions o;
  o.batch_size = 12;
  o.repeats = 2;
  o.seed = seed;
  return o;
}

constexpr char kArch[] =
    "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|"
    "nor_conv_3x3~1|nor_conv_1x1~2|";

/// A small ImageNet16-120-like dataset: 360 random 16x16 images, as a
/// folder of Imagenet16 batches that holds only 360 images of labels 1..120
/// would give.
data::ImageDataset SmallImagenet16() {
  data::ImageDataset d;
  d.name = "ImageNet16-120";
  d.num_classes = 120;
  d.height = d.width = 16;
  d.mean = {0.48f, 0.46f, 0.41f};
  d.std = {0.25f, 0.24f, 0.26f};
  for (int i = 0; i < 360; ++i) d.labels.push_back(i % 120);
  d.pixels.resize(static_cast<size_t>(d.size() * d.image_bytes()));
  for (size_t i = 0; i < d.pixels.size(); ++i) {
    d.pixels[i] = static_cast<uint8_t>(i * 2654435761u >> 24);
  }
  return d;
}

TEST(ScoreTest, TooSmallDatasetNamesItsImagesAndTheBatchNeeded) {
  // The linear-region batch (1000 images by default) does not fit.
  absl::StatusOr<ScoreResult> r =
      ScoreNb201(Arch(kArch), SmallImagenet16(), SmallOptions(0));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "dataset 'ImageNet16-120' has 360 images, but lr_batch_size asks "
            "for a linear-region batch of 1000 distinct images");
  // Likewise an NTK batch larger than the dataset.
  ScoreOptions o = SmallOptions(0);
  o.batch_size = 400;
  o.lr_batch_size = 100;
  r = ScoreNb201(Arch(kArch), SmallImagenet16(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "dataset 'ImageNet16-120' has 360 images, but batch_size asks "
            "for an NTK batch of 400 distinct images");
  // Within the dataset, it scores.
  o.batch_size = 8;
  o.repeats = 1;
  r = ScoreNb201(Arch(kArch), SmallImagenet16(), o);
  ASSERT_TRUE(r.ok()) << r.status();
  // One repeat: no estimate of the spread, reported as 0.
  EXPECT_EQ(r->kappa_sem, 0.0);
  EXPECT_EQ(r->regions_sem, 0.0);
}

TEST(ScoreTest, SameSeedGivesSameValues) {
  auto a = ScoreNb201(Arch(kArch), Cifar(), SmallOptions(7));
  auto b = ScoreNb201(Arch(kArch), Cifar(), SmallOptions(7));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->kappa, b->kappa);
  EXPECT_EQ(a->regions, b->regions);
  ASSERT_EQ(a->kappa.size(), 2u);
  EXPECT_DOUBLE_EQ(a->kappa_mean, (a->kappa[0] + a->kappa[1]) / 2);
  // The standard errors are those of the per-repeat values; with two
  // values, sd = |a - b| / sqrt(2), so sem = |a - b| / 2.
  EXPECT_DOUBLE_EQ(a->kappa_sem, StandardErrorOfMean(a->kappa));
  EXPECT_NEAR(a->kappa_sem, std::abs(a->kappa[0] - a->kappa[1]) / 2,
              1e-12 * a->kappa_mean);
  ASSERT_EQ(a->regions.size(), 2u);
  EXPECT_DOUBLE_EQ(a->regions_sem, StandardErrorOfMean(a->regions));
  EXPECT_NEAR(a->regions_sem, std::abs(a->regions[0] - a->regions[1]) / 2,
              1e-9);
  EXPECT_GE(a->kappa_mean, 1.0);
  EXPECT_LE(a->regions_mean, 3000.0);
  EXPECT_GT(a->regions_mean, 1.0);
}

TEST(ScoreTest, RepeatsAndSeedsDrawDifferentBatches) {
  auto a = ScoreNb201(Arch(kArch), Cifar(), SmallOptions(7));
  auto b = ScoreNb201(Arch(kArch), Cifar(), SmallOptions(8));
  ASSERT_TRUE(a.ok() && b.ok());
  // Shipped init keeps weights across repeats: only the batch changes.
  EXPECT_NE(a->kappa[0], a->kappa[1]);
  EXPECT_NE(a->kappa, b->kappa);
}

TEST(ScoreTest, PaperInitRedrawsWeights) {
  ScoreOptions o = SmallOptions(7);
  o.init = nn::InitMode::kPaper;
  auto paper = ScoreNb201(Arch(kArch), Cifar(), o);
  auto shipped = ScoreNb201(Arch(kArch), Cifar(), SmallOptions(7));
  ASSERT_TRUE(paper.ok() && shipped.ok());
  // Same batches (same seed), different weights.
  EXPECT_NE(paper->kappa[0], shipped->kappa[0]);
}

// The fast path scores all repeats in one call, one network copy per
// repeat; the reference path reuses one network in order. Same κ per repeat
// (to float rounding) under both inits, the same regions, and the fast
// path's κ the same on 1 and 2 threads (to the rounding of the forward's
// oneDNN convolutions, which may split their sums by thread count).
TEST(ScoreTest, FastRepeatsInOneCallMatchTheReferenceInOrder) {
  const int saved = at::get_num_threads();
  for (nn::InitMode init : {nn::InitMode::kShipped, nn::InitMode::kPaper}) {
    ScoreOptions o = SmallOptions(9);
    o.repeats = 3;
    o.init = init;
    o.ntk_method = NtkMethod::kReference;
    at::set_num_threads(1);
    auto ref = ScoreNb201(Arch(kArch), Cifar(), o);
    o.ntk_method = NtkMethod::kFast;
    auto fast1 = ScoreNb201(Arch(kArch), Cifar(), o);
    at::set_num_threads(2);
    auto fast2 = ScoreNb201(Arch(kArch), Cifar(), o);
    at::set_num_threads(saved);
    ASSERT_TRUE(ref.ok() && fast1.ok() && fast2.ok());
    ASSERT_EQ(fast1->kappa.size(), 3u);
    for (int r = 0; r < 3; ++r) {
      EXPECT_NEAR(fast1->kappa[r], ref->kappa[r], 1e-3 * ref->kappa[r]) << r;
    }
    for (int r = 0; r < 3; ++r) {
      EXPECT_NEAR(fast2->kappa[r], fast1->kappa[r], 1e-5 * fast1->kappa[r]);
    }
    EXPECT_EQ(fast1->regions, ref->regions);
    EXPECT_NE(fast1->kappa[0], fast1->kappa[1]);
  }
}

TEST(ScoreTest, NoneEdgesAreZeroAndDoNotCrash) {
  auto all_none =
      ScoreNb201(Arch("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"),
                 Cifar(), SmallOptions(1));
  ASSERT_TRUE(all_none.ok()) << all_none.status();
  // Output node is constant zero: one linear region, degenerate NTK.
  EXPECT_EQ(all_none->regions_mean, 1.0);
}

TEST(ScoreTest, InvalidOptionsNameTheField) {
  ScoreOptions o = SmallOptions(1);
  o.batch_size = 100000;
  auto r = ScoreNb201(Arch(kArch), Cifar(), o);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("batch_size"), std::string::npos);
  o = SmallOptions(1);
  o.repeats = 0;
  r = ScoreNb201(Arch(kArch), Cifar(), o);
  EXPECT_NE(r.status().message().find("repeats"), std::string::npos);
}

// A memory bound that keeps one repeat's graph alive at a time, with the
// same rows per pass: the same bits as all repeats in one call.
TEST(ScoreTest, RepeatsChunkedByTheMemoryBoundGiveTheSameValues) {
  const int saved = at::get_num_threads();
  at::set_num_threads(2);
  ScoreOptions o = SmallOptions(4);
  o.repeats = 3;
  o.ntk_max_memory_bytes = 0;  // no bound: every repeat in one call
  const EvaluationShape shape =
      ScoreShape(o, search::SpaceKind::kNb201, 10, 3, 32, 32);
  auto whole = PlanEvaluation(shape, 2, 0);
  ASSERT_TRUE(whole.ok());
  ASSERT_EQ(whole->evaluations_per_call, 3);
  auto joint = ScoreNb201(Arch(kArch), Cifar(), o);
  NtkPlan one = *whole;
  one.evaluations_per_call = 1;
  o.ntk_max_memory_bytes = EstimateEvaluationMemory(shape, one).total_bytes;
  auto chunked_plan = PlanEvaluation(shape, 2, o.ntk_max_memory_bytes);
  ASSERT_TRUE(chunked_plan.ok());
  EXPECT_EQ(chunked_plan->evaluations_per_call, 1);
  EXPECT_EQ(chunked_plan->rows_per_pass, whole->rows_per_pass);
  auto chunked = ScoreNb201(Arch(kArch), Cifar(), o);
  at::set_num_threads(saved);
  ASSERT_TRUE(joint.ok()) << joint.status();
  ASSERT_TRUE(chunked.ok()) << chunked.status();
  EXPECT_EQ(chunked->kappa, joint->kappa);
  EXPECT_EQ(chunked->regions, joint->regions);
}

TEST(ScoreTest, AScoreAboveTheMemoryBoundIsRefusedWithItsEstimate) {
  ScoreOptions o = SmallOptions(1);
  o.batch_size = 64;
  o.ntk_max_memory_bytes = 16 << 20;
  auto r = ScoreNb201(Arch(kArch), Cifar(), o);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string m(r.status().message());
  EXPECT_EQ(m.rfind("batch_size: ", 0), 0u) << m;
  EXPECT_NE(m.find("needs an estimated"), std::string::npos) << m;
  EXPECT_NE(m.find("--max-memory"), std::string::npos) << m;
}

TEST(ScoreTest, CancellationStopsTheScore) {
  std::atomic<bool> cancel{true};
  ScoreOptions o = SmallOptions(1);
  o.cancel = &cancel;
  EXPECT_EQ(ScoreNb201(Arch(kArch), Cifar(), o).status().code(),
            absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace tenas::measures

namespace tenas::measures {
namespace {

// Proxies beside κ and R: one value per repeat each, their mean and
// standard error; κ and R are those of a request without proxies.
TEST(ScoreTest, ProxiesComeWithPerRepeatValuesAndTheirSpread) {
  ScoreOptions o = SmallOptions(3);
  o.proxies = {Measure::kParams, Measure::kSnip, Measure::kNwot};
  o.proxy_batch_size = 8;
  auto with = ScoreNb201(Arch(kArch), Cifar(), o);
  ASSERT_TRUE(with.ok()) << with.status();
  auto without = ScoreNb201(Arch(kArch), Cifar(), SmallOptions(3));
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_EQ(with->kappa, without->kappa);
  EXPECT_EQ(with->regions, without->regions);
  ASSERT_EQ(with->proxies.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const ProxyScore& p = with->proxies[i];
    EXPECT_EQ(p.measure, o.proxies[i]);
    ASSERT_EQ(p.values.size(), 2u);
    EXPECT_DOUBLE_EQ(p.mean, (p.values[0] + p.values[1]) / 2);
    EXPECT_DOUBLE_EQ(p.sem, StandardErrorOfMean(p.values));
  }
  // params do not depend on the weights; snip does, and each repeat draws
  // its own network and batch.
  EXPECT_EQ(with->proxies[0].values[0], with->proxies[0].values[1]);
  EXPECT_NE(with->proxies[1].values[0], with->proxies[1].values[1]);
  // Proxies alone, without κ and R.
  SetMeasures({Measure::kSynflow}, o);
  auto alone = ScoreNb201(Arch(kArch), Cifar(), o);
  ASSERT_TRUE(alone.ok()) << alone.status();
  EXPECT_TRUE(alone->kappa.empty());
  EXPECT_TRUE(alone->regions.empty());
  ASSERT_EQ(alone->proxies.size(), 1u);
  EXPECT_GT(alone->proxies[0].mean, 0.0);
}

TEST(ScoreTest, ProxyMacroSeedSharesAllButTheCellOperations) {
  // l2_norm reads only the weights of the architecture's layers, so it shows
  // which weights a score drew.
  ScoreOptions o = SmallOptions(0);
  SetMeasures({Measure::kL2Norm}, o);
  o.repeats = 1;
  auto l2 = [&](const char* arch, uint64_t seed,
                std::optional<uint64_t> macro) {
    ScoreOptions x = o;
    x.seed = seed;
    x.proxy_macro_seed = macro;
    auto r = ScoreNb201(Arch(arch), Cifar(), x);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->proxies.at(0).mean : 0.0;
  };
  // No parametrised op in the cells: only the macro seed matters.
  constexpr char kSkips[] =
      "|skip_connect~0|+|skip_connect~0|avg_pool_3x3~1|+|skip_connect~0|"
      "none~1|skip_connect~2|";
  EXPECT_EQ(l2(kSkips, 1, 5), l2(kSkips, 2, 5));
  EXPECT_EQ(l2(kSkips, 1, 5), l2(kSkips, 5, std::nullopt));
  EXPECT_NE(l2(kSkips, 1, 5), l2(kSkips, 1, std::nullopt));
  // Convolutions in the cells: they follow the score's own seed.
  EXPECT_NE(l2(kArch, 1, 5), l2(kArch, 2, 5));
  EXPECT_NE(l2(kArch, 1, 5), l2(kArch, 1, std::nullopt));
  EXPECT_NE(l2(kArch, 1, 5), l2(kArch, 5, std::nullopt));
  EXPECT_EQ(l2(kArch, 1, 5), l2(kArch, 1, 5));
}

TEST(ScoreDartsTest, PublishedGenotypeScoresReproducibly) {
  auto loaded = data::LoadBundledCifar10();
  ASSERT_TRUE(loaded.ok());
  ScoreOptions o;
  o.batch_size = 6;
  o.repeats = 2;
  o.seed = 3;
  auto a = ScoreDarts(darts::TenasCifar10Genotype(), *loaded, o);
  auto b = ScoreDarts(darts::TenasCifar10Genotype(), *loaded, o);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->kappa, b->kappa);
  EXPECT_EQ(a->regions, b->regions);
  EXPECT_GE(a->kappa_mean, 1.0);
  EXPECT_GE(a->regions_mean, 1.0);
  EXPECT_LE(a->regions_mean, 3000.0);
  // A different genotype is a different network.
  auto c = ScoreDarts(darts::TenasImagenetGenotype(), *loaded, o);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a->kappa, c->kappa);
}

}  // namespace
}  // namespace tenas::measures
