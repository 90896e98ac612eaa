// Copyright 2026 The tenas Authors.
//
// The TE-NAS prune loop end to end, at reduced cost (1 repeat, small NTK
// batches, fewer LR crops) so that it fits the CI budget. The round
// structure, selection and reproducibility do not depend on these sizes.

#include "tenas/search/prune_search.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <tuple>

#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"
#include "testing/bundled_cifar.h"

namespace tenas::search {
namespace {

const data::ImageDataset& Cifar() { return testing::BundledCifar10(); }

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

// Expects the same decisions and measurements (timings aside).
void ExpectSameSearch(const SearchResult& a, const SearchResult& b) {
  EXPECT_EQ(a.arch, b.arch);
  EXPECT_EQ(a.ntk_evaluations, b.ntk_evaluations);
  EXPECT_EQ(a.lr_evaluations, b.lr_evaluations);
  ASSERT_EQ(a.rounds.size(), b.rounds.size());
  for (size_t r = 0; r < a.rounds.size(); ++r) {
    EXPECT_EQ(a.rounds[r].round, b.rounds[r].round);
    EXPECT_EQ(a.rounds[r].stage, b.rounds[r].stage);
    EXPECT_EQ(a.rounds[r].pruned, b.rounds[r].pruned) << "round " << r;
    ASSERT_EQ(a.rounds[r].candidates.size(), b.rounds[r].candidates.size());
    for (size_t c = 0; c < a.rounds[r].candidates.size(); ++c) {
      const auto& x = a.rounds[r].candidates[c];
      const auto& y = b.rounds[r].candidates[c];
      EXPECT_EQ(x.deltas.kappa_delta, y.deltas.kappa_delta);
      EXPECT_EQ(x.deltas.regions_delta, y.deltas.regions_delta);
      ASSERT_EQ(x.repeats.size(), y.repeats.size());
      for (size_t k = 0; k < x.repeats.size(); ++k) {
        EXPECT_EQ(x.repeats[k].kappa_candidate, y.repeats[k].kappa_candidate);
        EXPECT_EQ(x.repeats[k].regions_origin, y.repeats[k].regions_origin);
      }
    }
  }
}

// The first `n` rounds of `r`, as an interrupted run would have recorded.
std::vector<RoundRecord> FirstRounds(const SearchResult& r, size_t n) {
  return std::vector<RoundRecord>(r.rounds.begin(), r.rounds.begin() + n);
}

int CountOpRounds(const SearchResult& r) {
  int n = 0;
  for (const auto& round : r.rounds) n += round.stage == "ops" ? 1 : 0;
  return n;
}

TEST(PruneSearchTest, TooSmallDatasetNamesItsImagesAndTheBatchNeeded) {
  // The first 50 bundled images: too few for the default NTK batch (72) and
  // for Fast()'s 200-image linear-region batch.
  data::ImageDataset small = Cifar();
  small.labels.resize(50);
  small.pixels.resize(static_cast<size_t>(50 * small.image_bytes()));
  SearchOptions o = Fast(SpaceKind::kNb201, 0);
  o.batch_size = 0;  // The NB201 default, 72.
  absl::StatusOr<SearchResult> r = RunPruneSearch(small, o, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "dataset 'cifar10' has 50 images, but lr_batch_size asks for a "
            "linear-region batch of 200 distinct images");
  o.lr_batch_size = 20;
  r = RunPruneSearch(small, o, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "dataset 'cifar10' has 50 images, but batch_size asks for an NTK "
            "batch of 72 distinct images");
}

TEST(PruneSearchTest, ASearchAboveTheMemoryBoundIsRefusedBeforeAnyWork) {
  SearchOptions o = Fast(SpaceKind::kDarts, 0);
  o.batch_size = 256;
  o.ntk_max_memory_bytes = 256 << 20;
  int events = 0;
  auto r = RunPruneSearch(Cifar(), o, [&](const SearchEvent&) { ++events; });
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string m(r.status().message());
  EXPECT_EQ(m.rfind("batch_size: ", 0), 0u) << m;
  EXPECT_NE(m.find("in a search"), std::string::npos) << m;
  EXPECT_NE(m.find("needs an estimated"), std::string::npos) << m;
  EXPECT_EQ(events, 0);
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

// A search resumed after k completed rounds runs only the rest and returns
// the uninterrupted run's result.
TEST(PruneSearchTest, ResumedSearchEqualsUninterruptedRun) {
  const SearchOptions o = Fast(SpaceKind::kNb201, 6);
  auto full = RunPruneSearch(Cifar(), o);
  ASSERT_TRUE(full.ok()) << full.status();
  ASSERT_EQ(full->rounds.size(), 3u);
  for (size_t k : {size_t{1}, size_t{2}}) {
    const std::vector<RoundRecord> done = FirstRounds(*full, k);
    SearchOptions resumed = o;
    resumed.resume_rounds = &done;
    resumed.workers = 2;
    std::set<int> rounds_run;
    int alive_events = 0;
    auto b = RunPruneSearch(Cifar(), resumed, [&](const SearchEvent& e) {
      if (e.type == SearchEvent::Type::kRoundStarted)
        rounds_run.insert(e.round);
      if (e.type == SearchEvent::Type::kRoundFinished && e.alive != nullptr) {
        ++alive_events;
      }
    });
    ASSERT_TRUE(b.ok()) << b.status();
    ExpectSameSearch(*full, *b);
    EXPECT_EQ(*rounds_run.begin(), static_cast<int>(k)) << "re-ran a round";
    EXPECT_EQ(rounds_run.size(), 3 - k);
    EXPECT_EQ(alive_events, static_cast<int>(3 - k));
  }
  // Records of another search do not fit.
  std::vector<RoundRecord> wrong = FirstRounds(*full, 1);
  wrong[0].round = 1;
  SearchOptions bad = o;
  bad.resume_rounds = &wrong;
  EXPECT_EQ(RunPruneSearch(Cifar(), bad).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::vector<RoundRecord> too_many = full->rounds;
  too_many.push_back(full->rounds.back());
  bad.resume_rounds = &too_many;
  EXPECT_EQ(RunPruneSearch(Cifar(), bad).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Batching several (candidate, repeat) NTK evaluations into the same
// backward passes (the GPU default) changes nothing but rounding: the same
// κ, regions and decisions as one evaluation per pass, also when the last
// group of a round is short.
TEST(PruneSearchTest, NtkGroupingDoesNotChangeTheSearch) {
  SearchOptions one = Fast(SpaceKind::kNb201, 2);
  one.repeats = 2;
  one.ntk_group = 1;
  auto a = RunPruneSearch(Cifar(), one);
  ASSERT_TRUE(a.ok()) << a.status();
  for (int group : {5}) {  // 48 jobs: 9 groups of 5 and one of 3
    SearchOptions grouped = one;
    grouped.ntk_group = group;
    grouped.workers = 2;
    auto b = RunPruneSearch(Cifar(), grouped);
    ASSERT_TRUE(b.ok()) << b.status();
    EXPECT_EQ(a->arch, b->arch) << "group " << group;
    EXPECT_EQ(a->ntk_evaluations, b->ntk_evaluations);
    ASSERT_EQ(a->rounds.size(), b->rounds.size());
    for (size_t r = 0; r < a->rounds.size(); ++r) {
      EXPECT_EQ(a->rounds[r].pruned, b->rounds[r].pruned);
      ASSERT_EQ(a->rounds[r].candidates.size(), b->rounds[r].candidates.size());
      for (size_t c = 0; c < a->rounds[r].candidates.size(); ++c) {
        for (int k = 0; k < 2; ++k) {
          const auto& x = a->rounds[r].candidates[c].repeats[k];
          const auto& y = b->rounds[r].candidates[c].repeats[k];
          EXPECT_NEAR(x.kappa_origin, y.kappa_origin,
                      1e-6 * std::abs(x.kappa_origin));
          EXPECT_NEAR(x.kappa_candidate, y.kappa_candidate,
                      1e-6 * std::abs(x.kappa_candidate));
          EXPECT_EQ(x.regions_candidate, y.regions_candidate);
        }
      }
    }
  }
  SearchOptions bad = one;
  bad.ntk_group = -1;
  auto invalid = RunPruneSearch(Cifar(), bad);
  EXPECT_EQ(invalid.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(invalid.status().message()).find("ntk_group"),
            std::string::npos);
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

  // Resumed inside the edge stage (after its first node group), with the
  // stale origin of the stage's start.
  ASSERT_EQ(result->rounds[2].stage, "edges");
  const std::vector<RoundRecord> done = FirstRounds(*result, 3);
  o.resume_rounds = &done;
  auto resumed = RunPruneSearch(Cifar(), o);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  ExpectSameSearch(*result, *resumed);
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

// --- robust mode (options/search_mode.h) -----------------------------------

SearchOptions Robust(uint64_t seed) {
  SearchOptions o = Fast(SpaceKind::kNb201, seed);
  o.mode = SearchMode::kRobust;
  o.repeats = 2;
  return o;
}

TEST(PruneSearchTest, RobustModeIsDeterministicWhateverTheWorkersAndGrouping) {
  SearchOptions o = Robust(4);
  auto a = RunPruneSearch(Cifar(), o);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->mode, SearchMode::kRobust);
  o.workers = 2;
  auto b = RunPruneSearch(Cifar(), o);
  ASSERT_TRUE(b.ok()) << b.status();
  ExpectSameSearch(*a, *b);
  o.ntk_group = 3;  // units batched into shared passes
  auto c = RunPruneSearch(Cifar(), o);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(a->arch, c->arch);
  for (const RoundRecord& r : a->rounds) EXPECT_EQ(r.mode, SearchMode::kRobust);
}

TEST(PruneSearchTest, RobustModeEvaluatesTheOriginOncePerRoundAndRepeat) {
  const SearchOptions o = Robust(5);
  std::atomic<int> scored{0};
  auto r = RunPruneSearch(Cifar(), o, [&](const SearchEvent& e) {
    if (e.type == SearchEvent::Type::kCandidateScored) ++scored;
  });
  ASSERT_TRUE(r.ok()) << r.status();
  int64_t units = 0;
  size_t candidates = 0;
  for (const RoundRecord& round : r->rounds) {
    candidates += round.candidates.size();
    units += static_cast<int64_t>(round.candidates.size() + 1) * o.repeats;
    // One origin per repeat, shared by every candidate; a repeat's
    // weights and batch are new (the origin differs between repeats).
    for (int k = 0; k < o.repeats; ++k) {
      const RepeatMeasurement& first = round.candidates[0].repeats[k];
      for (const CandidateRecord& c : round.candidates) {
        EXPECT_EQ(c.repeats[k].kappa_origin, first.kappa_origin);
        EXPECT_EQ(c.repeats[k].regions_origin, first.regions_origin);
      }
    }
    EXPECT_NE(round.candidates[0].repeats[0].kappa_origin,
              round.candidates[0].repeats[1].kappa_origin);
  }
  EXPECT_EQ(r->ntk_evaluations, units);
  EXPECT_EQ(r->lr_evaluations, units);
  EXPECT_EQ(scored.load(), static_cast<int>(candidates));
  // The faithful mode evaluates an origin per (candidate, repeat).
  SearchOptions f = o;
  f.mode = SearchMode::kFaithful;
  auto faithful = RunPruneSearch(Cifar(), f);
  ASSERT_TRUE(faithful.ok()) << faithful.status();
  int64_t jobs = 0;
  for (const RoundRecord& round : faithful->rounds) {
    jobs += 2 * static_cast<int64_t>(round.candidates.size()) * f.repeats;
  }
  EXPECT_EQ(faithful->ntk_evaluations, jobs);
}

TEST(PruneSearchTest, RobustSearchResumesFromItsRoundsButNotFromFaithfulOnes) {
  const SearchOptions o = Robust(6);
  auto full = RunPruneSearch(Cifar(), o);
  ASSERT_TRUE(full.ok()) << full.status();
  const std::vector<RoundRecord> done = FirstRounds(*full, 1);
  SearchOptions resumed = o;
  resumed.resume_rounds = &done;
  auto b = RunPruneSearch(Cifar(), resumed);
  ASSERT_TRUE(b.ok()) << b.status();
  ExpectSameSearch(*full, *b);
  // The same rounds offered to a faithful search, and faithful rounds to a
  // robust one: refused, naming the modes.
  SearchOptions faithful = resumed;
  faithful.mode = SearchMode::kFaithful;
  absl::Status refused = RunPruneSearch(Cifar(), faithful).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("mode 'robust'"), std::string::npos)
      << refused;
  EXPECT_NE(refused.message().find("'faithful'"), std::string::npos) << refused;
  std::vector<RoundRecord> faithful_rounds = done;
  faithful_rounds[0].mode = SearchMode::kFaithful;
  resumed.resume_rounds = &faithful_rounds;
  EXPECT_EQ(RunPruneSearch(Cifar(), resumed).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// A search ranked by a zero-cost proxy alone: every candidate carries the
// proxy's per-repeat values and delta, the decisions follow the proxy's
// ranks, and the same seed gives the same search.
TEST(PruneSearchTest, ProxyOnlySearchPrunesByTheProxyRanks) {
  SearchOptions o = Fast(SpaceKind::kNb201, 3);
  o.measures = {measures::Measure::kSnip};
  o.proxy_batch_size = 8;
  auto a = RunPruneSearch(Cifar(), o);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->measures, o.measures);
  for (const RoundRecord& round : a->rounds) {
    std::vector<CandidateDeltas> deltas;
    for (const CandidateRecord& c : round.candidates) {
      ASSERT_EQ(c.proxies, o.measures);
      ASSERT_EQ(c.deltas.proxy_delta.size(), 1u);
      ASSERT_EQ(c.repeats.size(), static_cast<size_t>(o.repeats));
      for (const RepeatMeasurement& m : c.repeats) {
        ASSERT_EQ(m.proxy_origin.size(), 1u);
        EXPECT_GT(m.proxy_origin[0], 0.0);
      }
      deltas.push_back(c.deltas);
    }
    // Re-ranking the recorded deltas by the proxy alone gives the round's
    // decision; by κ and R it would differ in at least one round.
    RankedMeasures proxy_only;
    proxy_only.kappa = false;
    proxy_only.regions = false;
    auto ranked = RankCandidates(deltas, o.precision, proxy_only);
    ASSERT_TRUE(ranked.ok()) << ranked.status();
    std::vector<CandidateId> first_per_edge;
    for (const CandidateRanks& r : ranked->rank_sum_order) {
      bool seen = false;
      for (const CandidateId& f : first_per_edge) {
        seen = seen || (f.cell_type == r.id.cell_type && f.edge == r.id.edge);
      }
      if (!seen) first_per_edge.push_back(r.id);
    }
    auto less = [](const CandidateId& x, const CandidateId& y) {
      return std::tie(x.cell_type, x.edge, x.op) <
             std::tie(y.cell_type, y.edge, y.op);
    };
    std::vector<CandidateId> pruned = round.pruned;
    std::sort(pruned.begin(), pruned.end(), less);
    std::sort(first_per_edge.begin(), first_per_edge.end(), less);
    EXPECT_EQ(pruned, first_per_edge) << "round " << round.round;
  }
  auto b = RunPruneSearch(Cifar(), o);
  ASSERT_TRUE(b.ok()) << b.status();
  ExpectSameSearch(*a, *b);
  // An unknown order or an empty list is refused before any work.
  SearchOptions bad = o;
  bad.measures = {};
  EXPECT_EQ(RunPruneSearch(Cifar(), bad).status().code(),
            absl::StatusCode::kInvalidArgument);
  bad.measures = {measures::Measure::kSnip, measures::Measure::kNtk};
  EXPECT_EQ(RunPruneSearch(Cifar(), bad).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tenas::search
