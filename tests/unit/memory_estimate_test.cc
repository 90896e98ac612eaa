// Copyright 2026 The tenas Authors.
//
// The memory estimate of one evaluation (options/memory_estimate.h): how it
// grows with what drives it, the plans it picks within a bound, the
// refusal's message (the proxy batch's too), P against the real networks, and,
// in a fresh child process, the estimate against the peak resident memory a
// small score really adds.

#include "tenas/options/memory_estimate.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "tenas/data/cifar.h"
#include "tenas/measures/score.h"
#include "tenas/nn/darts_network.h"
#include "tenas/nn/nb201_network.h"
#include "tenas/util/process_memory.h"

namespace tenas::measures {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;

EvaluationShape Score(int batch, int repeats = 3, bool fp64 = false) {
  EvaluationShape s;
  s.space = search::SpaceKind::kNb201;
  s.batch_size = batch;
  s.repeats = repeats;
  s.fp64 = fp64;
  return s;
}

int64_t Total(const EvaluationShape& s, const NtkPlan& p) {
  return EstimateEvaluationMemory(s, p).total_bytes;
}

TEST(MemoryEstimateTest, GrowsWithTheBatch) {
  for (search::SpaceKind space :
       {search::SpaceKind::kNb201, search::SpaceKind::kDarts}) {
    for (bool search : {false, true}) {
      EvaluationShape s = Score(2);
      s.space = space;
      s.search = search;
      int64_t last = Total(s, NtkPlan{1, 4, 2});
      for (int b = 3; b <= 512; ++b) {
        s.batch_size = b;
        const int64_t now = Total(s, NtkPlan{1, 4, 2});
        ASSERT_GT(now, last) << b;
        last = now;
      }
    }
  }
}

TEST(MemoryEstimateTest, IsLinearInWhatDrivesIt) {
  const EvaluationShape s = Score(128);
  const MemoryEstimate one = EstimateEvaluationMemory(s, NtkPlan{1, 1, 1});
  const MemoryEstimate four = EstimateEvaluationMemory(s, NtkPlan{4, 1, 1});
  // Forward graphs, rows and batches: one per network of the call.
  EXPECT_EQ(four.forward_bytes, 4 * one.forward_bytes);
  EXPECT_EQ(four.rows_bytes, 4 * one.rows_bytes);
  EXPECT_EQ(four.batch_bytes, 4 * one.batch_bytes);
  EXPECT_EQ(four.pass_bytes, one.pass_bytes);
  // Passes: rows in flight.
  EXPECT_EQ(EstimateEvaluationMemory(s, NtkPlan{1, 4, 2}).pass_bytes,
            8 * one.pass_bytes);
  // Twice the batch: at least twice the forward graph and the rows.
  const MemoryEstimate twice = EstimateEvaluationMemory(Score(256), {1, 1, 1});
  EXPECT_EQ(twice.forward_bytes, 2 * one.forward_bytes);
  EXPECT_EQ(twice.rows_bytes, 2 * one.rows_bytes);
  // A quarter of the pixels (ImageNet16-120): a quarter of the activations.
  EvaluationShape small = s;
  small.height = small.width = 16;
  EXPECT_EQ(EstimateEvaluationMemory(small, {1, 1, 1}).forward_bytes * 4,
            one.forward_bytes);
}

TEST(MemoryEstimateTest, Fp64DoublesTheGramAndAddsAFloat64CopyOfTheRows) {
  for (int b : {2, 72, 512}) {
    const MemoryEstimate f32 = EstimateEvaluationMemory(Score(b), {1, 4, 2});
    const MemoryEstimate f64 =
        EstimateEvaluationMemory(Score(b, 3, true), {1, 4, 2});
    const int64_t P = NtkWeightEntries(search::SpaceKind::kNb201, 10);
    EXPECT_EQ(f64.gram_bytes, 2 * f32.gram_bytes + int64_t{b} * P * 8) << b;
    // The networks themselves stay float32.
    EXPECT_EQ(f64.forward_bytes, f32.forward_bytes);
    EXPECT_EQ(f64.rows_bytes, f32.rows_bytes);
    EXPECT_GT(f64.total_bytes, f32.total_bytes);
  }
}

TEST(MemoryEstimateTest, SearchesEstimateTwoSupernetsPerJob) {
  EvaluationShape score = Score(72);
  EvaluationShape search = score;
  search.search = true;
  const MemoryEstimate a = EstimateEvaluationMemory(score, {1, 1, 1});
  const MemoryEstimate b = EstimateEvaluationMemory(search, {1, 1, 1});
  // Two networks, each a supernet (every op alive): more than twice.
  EXPECT_GT(b.forward_bytes, 2 * a.forward_bytes);
  EXPECT_EQ(b.rows_bytes, 2 * a.rows_bytes);
  EXPECT_GT(b.total_bytes, a.total_bytes);
}

TEST(MemoryEstimateTest, ReferencePathRunsOneNetworkOneRowAtATime) {
  EvaluationShape s = Score(72, 20);
  s.ntk_method = NtkMethod::kReference;
  EXPECT_EQ(Total(s, NtkPlan{20, 4, 8}), Total(s, MinimalNtkPlan()));
}

TEST(MemoryEstimateTest, OnlyTheMeasuresAskedForCount) {
  EvaluationShape s = Score(72);
  s.compute_regions = false;
  EXPECT_EQ(EstimateEvaluationMemory(s, {1, 1, 1}).regions_bytes, 0);
  s.compute_regions = true;
  s.compute_ntk = false;
  const MemoryEstimate lr = EstimateEvaluationMemory(s, {1, 1, 1});
  EXPECT_EQ(lr.forward_bytes + lr.pass_bytes + lr.rows_bytes, 0);
  EXPECT_GT(lr.regions_bytes, 0);
}

TEST(MemoryEstimateTest, WithoutABoundThePlanIsTheFastestOne) {
  auto plan = PlanEvaluation(Score(72, 5), /*threads=*/2, /*max_bytes=*/0);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->evaluations_per_call, 5);
  EXPECT_EQ(plan->rows_per_pass, kDefaultCpuRowsPerPass);
  EXPECT_EQ(plan->parallel_passes, 2);
  // Rows per pass never exceed the batch.
  plan = PlanEvaluation(Score(2, 1), 2, 0);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->rows_per_pass, 2);
}

TEST(MemoryEstimateTest, PlansStayWithinTheBoundAndShrinkWithIt) {
  const EvaluationShape s = Score(512, 20, /*fp64=*/true);
  const int64_t minimal = MinimalEvaluationMemory(s).total_bytes;
  const int64_t full = Total(s, NtkPlan{20, 4, 4});
  NtkPlan last{20, 4, 4};
  for (int64_t bound = full; bound >= minimal; bound -= (full - minimal) / 50) {
    auto plan = PlanEvaluation(s, /*threads=*/4, bound);
    ASSERT_TRUE(plan.ok()) << bound << ": " << plan.status();
    EXPECT_LE(Total(s, *plan), bound);
    // A smaller bound never gets more rows in flight (what the plan
    // maximises first)...
    EXPECT_LE(int64_t{plan->rows_per_pass} * plan->parallel_passes,
              int64_t{last.rows_per_pass} * last.parallel_passes);
    // ... and then as many repeats per call as fit.
    if (plan->evaluations_per_call < 20) {
      NtkPlan more = *plan;
      ++more.evaluations_per_call;
      EXPECT_GT(Total(s, more), bound);
    }
    last = *plan;
  }
  auto at_minimum = PlanEvaluation(s, 4, minimal);
  ASSERT_TRUE(at_minimum.ok());
  EXPECT_EQ(at_minimum->evaluations_per_call, 1);
  EXPECT_EQ(at_minimum->rows_per_pass, 1);
  EXPECT_EQ(at_minimum->parallel_passes, 1);
}

// N of a refusal's "at most N images fit" (-1 when it says none).
int AtMostFits(const std::string& message) {
  const size_t at = message.find("at most ");
  if (at == std::string::npos) return -1;
  return std::atoi(message.c_str() + at + 8);
}

// `n` of `field` fits `bound` in the smallest plan and n + 1 does not.
void ExpectLargestThatFits(const EvaluationShape& s,
                           int EvaluationShape::*field, int n, int64_t bound) {
  ASSERT_GE(n, 1);
  EvaluationShape probe = s;
  probe.*field = n;
  EXPECT_LE(MinimalEvaluationMemory(probe).total_bytes, bound) << n;
  probe.*field = n + 1;
  EXPECT_GT(MinimalEvaluationMemory(probe).total_bytes, bound) << n;
}

TEST(MemoryEstimateTest, RefusalNamesTheOptionsTheEstimateAndWhatFits) {
  const EvaluationShape s = Score(512, 20, /*fp64=*/true);
  const int64_t bound = 512 * kMiB;
  ASSERT_GT(MinimalEvaluationMemory(s).total_bytes, bound);
  const absl::Status status =
      CheckEvaluationMemory(s, bound, "options.", "server limit --max-memory");
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  const std::string m(status.message());
  EXPECT_EQ(m.rfind("options.batch_size: ", 0), 0u) << m;
  EXPECT_NE(m.find("options.fp64"), std::string::npos) << m;
  EXPECT_NE(m.find(FormatBytes(MinimalEvaluationMemory(s).total_bytes)),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("--max-memory (512.0 MiB)"), std::string::npos) << m;
  // "at most N images fit": N fits, N + 1 does not.
  const int n = AtMostFits(m);
  ExpectLargestThatFits(s, &EvaluationShape::batch_size, n, bound);
  EvaluationShape probe = s;
  probe.batch_size = n + 1;
  EXPECT_TRUE(CheckEvaluationMemory(probe, 0, "", "x").ok());  // no bound
  probe.batch_size = n;
  EXPECT_TRUE(CheckEvaluationMemory(probe, bound, "", "x").ok());
  // Not even the smallest batch fits.
  const absl::Status none = CheckEvaluationMemory(s, kMiB, "", "x");
  EXPECT_NE(none.message().find("no NTK batch fits"), std::string::npos)
      << none.message();
  EXPECT_EQ(PlanEvaluation(s, 1, kMiB).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MemoryEstimateTest, SearchRefusalSaysItIsASearch) {
  search::SearchOptions o;
  o.space = search::SpaceKind::kDarts;
  o.batch_size = 512;
  const EvaluationShape s = SearchShape(o, 10, 3, 32, 32);
  EXPECT_TRUE(s.search);
  const absl::Status status = CheckEvaluationMemory(s, 1 << 30, "", "x");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("in a search"), std::string::npos)
      << status.message();
}

TEST(MemoryEstimateTest, ProxiesCountOnlyWhenTheyRunPasses) {
  ScoreOptions o;
  const auto shape_of = [](const ScoreOptions& options) {
    return ScoreShape(options, search::SpaceKind::kNb201, 10, 3, 32, 32);
  };
  EXPECT_EQ(shape_of(o).proxy_batch_size, 0);
  EXPECT_EQ(EstimateEvaluationMemory(shape_of(o), NtkPlan{}).proxies_bytes, 0);
  // params, flops and l2_norm read the weights only.
  o.proxies = {Measure::kParams, Measure::kFlops, Measure::kL2Norm};
  o.proxy_batch_size = 64;
  EXPECT_EQ(shape_of(o).proxy_batch_size, 0);
  o.proxies = {Measure::kParams, Measure::kNwot};
  EXPECT_EQ(shape_of(o).proxy_batch_size, 64);
  EXPECT_FALSE(shape_of(o).proxy_second_order);
  o.proxies = {Measure::kGrasp};
  EXPECT_TRUE(shape_of(o).proxy_second_order);
  // A search's proxies are its measures that are zero-cost proxies.
  search::SearchOptions so;
  so.proxy_batch_size = 16;
  EXPECT_EQ(SearchShape(so, 10, 3, 32, 32).proxy_batch_size, 0);
  so.measures = {Measure::kNtk, Measure::kSynflow};
  EXPECT_EQ(SearchShape(so, 10, 3, 32, 32).proxy_batch_size, 16);
}

TEST(MemoryEstimateTest, ProxiesAreLinearInTheirBatchAndRunAfterTheNtk) {
  for (search::SpaceKind space :
       {search::SpaceKind::kNb201, search::SpaceKind::kDarts}) {
    for (bool search : {false, true}) {
      SCOPED_TRACE(::testing::Message() << static_cast<int>(space) << search);
      EvaluationShape s = Score(8, 1);
      s.space = space;
      s.search = search;
      const MemoryEstimate without = EstimateEvaluationMemory(s, NtkPlan{});
      s.proxy_batch_size = 32;
      const int64_t p32 = EstimateEvaluationMemory(s, NtkPlan{}).proxies_bytes;
      s.proxy_batch_size = 64;
      const MemoryEstimate e64 = EstimateEvaluationMemory(s, NtkPlan{});
      EXPECT_GT(p32, 0);
      EXPECT_EQ(e64.proxies_bytes, 2 * p32);
      s.proxy_second_order = true;
      EXPECT_GT(EstimateEvaluationMemory(s, NtkPlan{}).proxies_bytes,
                e64.proxies_bytes);
      // The NTK's parts are unchanged; the total is the larger phase.
      EXPECT_EQ(e64.forward_bytes, without.forward_bytes);
      EXPECT_EQ(e64.rows_bytes, without.rows_bytes);
      EXPECT_EQ(e64.total_bytes,
                std::max(without.total_bytes - without.overhead_bytes,
                         e64.proxies_bytes) +
                    e64.overhead_bytes);
    }
  }
}

TEST(MemoryEstimateTest, ProxyRefusalNamesTheProxyBatchAndWhatFits) {
  EvaluationShape s = Score(8, 1);
  s.proxy_batch_size = 256;
  s.proxy_second_order = true;
  EvaluationShape ntk_only = s;
  ntk_only.proxy_batch_size = 0;
  // A bound the NTK fits and the proxies do not.
  const int64_t bound = int64_t{1} << 30;
  ASSERT_LE(MinimalEvaluationMemory(ntk_only).total_bytes, bound);
  ASSERT_GT(MinimalEvaluationMemory(s).total_bytes, bound);
  const absl::Status status =
      CheckEvaluationMemory(s, bound, "options.", "server limit --max-memory");
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  const std::string m(status.message());
  EXPECT_EQ(m.rfind("options.proxy_batch_size: the zero-cost proxies (grasp "
                    "among them) on 256 images of 3x32x32 need an estimated ",
                    0),
            0u)
      << m;
  ExpectLargestThatFits(s, &EvaluationShape::proxy_batch_size, AtMostFits(m),
                        bound);
  // When the NTK does not fit either, the NTK batch is named.
  const absl::Status ntk = CheckEvaluationMemory(s, kMiB, "", "x");
  EXPECT_EQ(ntk.message().rfind("batch_size: ", 0), 0u) << ntk.message();
}

int64_t WeightEntries(nn::SearchNetwork& net) {
  int64_t n = 0;
  for (const at::Tensor& p : net.WeightParameters()) n += p.numel();
  return n;
}

TEST(MemoryEstimateTest, WeightEntriesAreTheSupernets) {
  for (int k : {10, 100, 120, 1000}) {
    nn::Nb201SearchNetwork nb201(nn::Nb201NtkConfig(k));
    EXPECT_EQ(NtkWeightEntries(search::SpaceKind::kNb201, k),
              WeightEntries(nb201))
        << k;
    nn::DartsSearchNetwork darts(nn::DartsNtkConfig(k));
    EXPECT_EQ(NtkWeightEntries(search::SpaceKind::kDarts, k),
              WeightEntries(darts))
        << k;
  }
}

// A /proc/self/status field in bytes (-1 when absent).
int64_t StatusBytes(const std::string& field) {
  return ProcessStatusBytes(field).value_or(-1);
}

// In a fresh child process (a re-executed test binary): a small score's
// peak RSS growth stays within its estimate. Exit 0: within; 1: above;
// 2: could not measure or score.
void ScoreWithinEstimate(int batch, int repeats, bool fp64,
                         std::vector<Measure> proxies = {},
                         int proxy_batch_size = 32) {
  at::set_num_threads(2);
  auto dataset = data::LoadBundledCifar10();
  if (!dataset.ok()) std::_Exit(2);
  const nb201::Architecture arch = *nb201::ParseArchitecture(
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|"
      "nor_conv_3x3~1|nor_conv_3x3~2|");
  ScoreOptions tiny;
  tiny.batch_size = 2;
  tiny.repeats = 1;
  tiny.proxies = proxies;
  tiny.proxy_batch_size = 2;
  if (!ScoreNb201(arch, *dataset, tiny).ok()) std::_Exit(2);  // warm-up
  ScoreOptions o;
  o.batch_size = batch;
  o.repeats = repeats;
  o.fp64 = fp64;
  o.proxies = proxies;
  o.proxy_batch_size = proxy_batch_size;
  const int64_t before = StatusBytes("VmRSS:");
  std::ofstream("/proc/self/clear_refs") << "5";
  if (before < 0 || StatusBytes("VmHWM:") > before + 8 * kMiB) std::_Exit(2);
  if (!ScoreNb201(arch, *dataset, o).ok()) std::_Exit(2);
  const int64_t growth = StatusBytes("VmHWM:") - before;
  const EvaluationShape shape =
      ScoreShape(o, search::SpaceKind::kNb201, 10, 3, 32, 32);
  auto plan = PlanEvaluation(shape, 2, o.ntk_max_memory_bytes);
  if (!plan.ok()) std::_Exit(2);
  std::_Exit(growth <= EstimateEvaluationMemory(shape, *plan).total_bytes ? 0
                                                                          : 1);
}

TEST(MemoryEstimateDeathTest, SmallScoresPeakWithinTheirEstimate) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(ScoreWithinEstimate(48, 2, false), testing::ExitedWithCode(0),
              "");
  EXPECT_EXIT(ScoreWithinEstimate(96, 1, true), testing::ExitedWithCode(0), "");
  // The proxies' phase (grasp's second-order pass included) on the proxy
  // network, larger than the NTK's.
  EXPECT_EXIT(
      ScoreWithinEstimate(8, 1, false, {Measure::kSnip, Measure::kGrasp}, 16),
      testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace tenas::measures
