// Copyright 2026 The tenas Authors.
//
// The TE-NAS prune loop end to end, at reduced cost (1 repeat, small NTK
// batches, fewer LR crops) so that it fits the CI budget. The round
// structure, selection and reproducibility do not depend on these sizes.

#include "tenas/search/prune_search.h"

#include <gtest/gtest.h>

#include <set>

#include "tenas/data/cifar.h"
#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"

namespace tenas::search {
namespace {

const data::ImageDataset& Cifar() {
  static const data::ImageDataset* d = [] {
    auto loaded = data::LoadBundledCifar10();
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return new data::ImageDataset(std::move(*loaded));
  }();
  return *d;
}

SearchOptions Fast(SpaceKind space, uint64_t seed) {
  SearchOptions o;
  o.space = space;
  o.seed = seed;
  o.repeats = 1;
  o.batch_size = space == SpaceKind::kNb201 ? 8 : 2;
  o.lr_batch_size = 200;
  o.lr_num_batches = 2;
  return o;
}

int CountOpRounds(const SearchResult& r) {
  int n = 0;
  for (const auto& round : r.rounds) n += round.stage == "ops" ? 1 : 0;
  return n;
}

TEST(PruneSearchTest, Nb201RunsThreeRoundsOf24_18_12AndKeepsOneOpPerEdge) {
  int candidate_events = 0, rounds_started = 0, results = 0;
  auto result = RunPruneSearch(
      Cifar(), Fast(SpaceKind::kNb201, 0), [&](const SearchEvent& e) {
        candidate_events += e.type == SearchEvent::Type::kCandidateScored;
        rounds_started += e.type == SearchEvent::Type::kRoundStarted;
        results += e.type == SearchEvent::Type::kResult;
      });
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->rounds.size(), 3u);
  EXPECT_EQ(result->rounds[0].candidates.size(), 24u);
  EXPECT_EQ(result->rounds[1].candidates.size(), 18u);
  EXPECT_EQ(result->rounds[2].candidates.size(), 12u);
  for (const auto& round : result->rounds) EXPECT_EQ(round.pruned.size(), 6u);
  EXPECT_EQ(candidate_events, 54);  // the callback sees every candidate
  EXPECT_EQ(rounds_started, 3);
  EXPECT_EQ(results, 1);
  for (const auto& edge : result->final_alive[0]) {
    EXPECT_EQ(std::count(edge.begin(), edge.end(), true), 1);
    EXPECT_FALSE(edge[nb201::kNone]);
  }
  auto arch = nb201::ParseArchitecture(result->arch);
  ASSERT_TRUE(arch.ok()) << result->arch;
  for (nb201::Op op : arch->ops) EXPECT_NE(op, nb201::kNone);
  EXPECT_EQ(result->ntk_evaluations, 2 * 54);
}

TEST(PruneSearchTest, SameSeedGivesIdenticalHistoryWhateverTheWorkerCount) {
  auto a = RunPruneSearch(Cifar(), Fast(SpaceKind::kNb201, 5));
  SearchOptions two = Fast(SpaceKind::kNb201, 5);
  two.workers = 4;
  auto b = RunPruneSearch(Cifar(), two);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->arch, b->arch);
  ASSERT_EQ(a->rounds.size(), b->rounds.size());
  for (size_t r = 0; r < a->rounds.size(); ++r) {
    ASSERT_EQ(a->rounds[r].candidates.size(), b->rounds[r].candidates.size());
    for (size_t c = 0; c < a->rounds[r].candidates.size(); ++c) {
      const auto& x = a->rounds[r].candidates[c];
      const auto& y = b->rounds[r].candidates[c];
      EXPECT_EQ(x.deltas.id, y.deltas.id);
      EXPECT_EQ(x.repeats[0].kappa_origin, y.repeats[0].kappa_origin);
      EXPECT_EQ(x.repeats[0].kappa_candidate, y.repeats[0].kappa_candidate);
      EXPECT_EQ(x.repeats[0].regions_candidate, y.repeats[0].regions_candidate);
    }
    EXPECT_EQ(a->rounds[r].pruned, b->rounds[r].pruned);
  }
}

// The fast NTK path (the default) finds what the reference path finds: the
// per-candidate Δκ agree to the 3-decimal rounding of the ranking.
TEST(PruneSearchTest, FastAndReferenceNtkFindTheSameNb201Architecture) {
  for (uint64_t seed : {0, 1}) {
    SearchOptions fast = Fast(SpaceKind::kNb201, seed);
    fast.batch_size = 16;
    SearchOptions reference = fast;
    reference.ntk_method = measures::NtkMethod::kReference;
    auto a = RunPruneSearch(Cifar(), fast);
    auto b = RunPruneSearch(Cifar(), reference);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->arch, b->arch) << "seed " << seed;
    ASSERT_EQ(a->rounds.size(), b->rounds.size());
    for (size_t r = 0; r < a->rounds.size(); ++r) {
      EXPECT_EQ(a->rounds[r].pruned, b->rounds[r].pruned);
      for (size_t c = 0; c < a->rounds[r].candidates.size(); ++c) {
        const auto& x = a->rounds[r].candidates[c].repeats[0];
        const auto& y = b->rounds[r].candidates[c].repeats[0];
        EXPECT_NEAR(x.kappa_candidate, y.kappa_candidate,
                    1e-3 * std::abs(y.kappa_candidate));
        EXPECT_NEAR(x.kappa_origin, y.kappa_origin,
                    1e-3 * std::abs(y.kappa_origin));
      }
    }
  }
}

TEST(PruneSearchTest, DifferentSeedsMeasureDifferently) {
  SearchOptions o = Fast(SpaceKind::kNb201, 1);
  o.lr_num_batches = 1;
  auto a = RunPruneSearch(Cifar(), o);
  o.seed = 2;
  auto b = RunPruneSearch(Cifar(), o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->rounds[0].candidates[0].repeats[0].kappa_origin,
            b->rounds[0].candidates[0].repeats[0].kappa_origin);
}

TEST(PruneSearchTest, CancellationStopsWithinOneEvaluation) {
  std::atomic<bool> cancel{false};
  SearchOptions o = Fast(SpaceKind::kNb201, 0);
  o.cancel = &cancel;
  int scored = 0;
  auto result = RunPruneSearch(Cifar(), o, [&](const SearchEvent& e) {
    if (e.type == SearchEvent::Type::kCandidateScored && ++scored == 3) {
      cancel = true;
    }
  });
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(scored, 3);  // no candidate finished after the cancel
}

TEST(PruneSearchTest, InvalidOptionsNameTheField) {
  SearchOptions o = Fast(SpaceKind::kNb201, 0);
  o.repeats = 0;
  auto r = RunPruneSearch(Cifar(), o);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("repeats"), std::string::npos);
  o = Fast(SpaceKind::kNb201, 0);
  o.batch_size = 5000;
  EXPECT_NE(RunPruneSearch(Cifar(), o).status().message().find("batch_size"),
            std::string::npos);
}

TEST(PruneSearchTest, DefaultsFollowTheLauncher) {
  EXPECT_EQ(DefaultBatchSize(SpaceKind::kNb201, "cifar100"), 72);
  EXPECT_EQ(DefaultBatchSize(SpaceKind::kDarts, "cifar10"), 14);
  EXPECT_EQ(DefaultBatchSize(SpaceKind::kDarts, "imagenet-1k"), 24);
  EXPECT_EQ(DefaultPruneNumber(SpaceKind::kNb201, "cifar10"), 1);
  EXPECT_EQ(DefaultPruneNumber(SpaceKind::kDarts, "cifar10"), 3);
  EXPECT_EQ(DefaultPruneNumber(SpaceKind::kDarts, "imagenet-1k"), 2);
}

void ExpectValidDartsGenotype(const std::string& text) {
  auto genotype = darts::ParseGenotype(text);
  ASSERT_TRUE(genotype.ok()) << text;
  for (const auto* cell : {&genotype->normal, &genotype->reduce}) {
    for (int node = 0; node < 4; ++node) {
      const auto& a = (*cell)[2 * node];
      const auto& b = (*cell)[2 * node + 1];
      EXPECT_NE(a.input, b.input) << text;  // 2 distinct inputs per node
      EXPECT_NE(a.op, darts::kNone);
      EXPECT_NE(b.op, darts::kNone);
    }
  }
}

TEST(PruneSearchTest, DartsCifar10SettingsRunTwoRoundsAnd24EdgeCandidates) {
  SearchOptions o = Fast(SpaceKind::kDarts, 0);
  o.lr_batch_size = 100;
  o.lr_num_batches = 1;
  o.workers = 2;
  auto result = RunPruneSearch(Cifar(), o);  // prune_number 3 (cifar10)
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->prune_number, 3);
  EXPECT_EQ(CountOpRounds(*result), 2);
  EXPECT_EQ(result->rounds[0].candidates.size(), 196u);
  EXPECT_EQ(result->rounds[1].candidates.size(), 112u);
  size_t edge_candidates = 0, edge_pruned = 0;
  for (const auto& round : result->rounds) {
    if (round.stage == "edges") {
      edge_candidates += round.candidates.size();
      edge_pruned += round.pruned.size();
    }
  }
  EXPECT_EQ(edge_candidates, 24u);
  EXPECT_EQ(edge_pruned, 12u);  // 1 + 2 + 3 per cell type
  ExpectValidDartsGenotype(result->arch);
}

TEST(PruneSearchTest, DartsImagenetSettingsRunThreeRounds) {
  SearchOptions o = Fast(SpaceKind::kDarts, 1);
  o.prune_number = 2;  // the imagenet-1k setting
  o.lr_batch_size = 100;
  o.lr_num_batches = 1;
  o.workers = 2;
  auto result = RunPruneSearch(Cifar(), o);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(CountOpRounds(*result), 3);
  EXPECT_EQ(result->rounds[0].candidates.size(), 196u);
  EXPECT_EQ(result->rounds[1].candidates.size(), 140u);
  EXPECT_EQ(result->rounds[2].candidates.size(), 84u);
  ExpectValidDartsGenotype(result->arch);
}

}  // namespace
}  // namespace tenas::search
