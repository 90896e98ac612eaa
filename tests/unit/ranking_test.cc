// Copyright 2026 The tenas Authors.
//
// The per-round ranking and selection of the prune loop: the 14 golden cases
// of tests/golden/ranking_cases.json (produced by the official
// prune_func_rank) reproduced bit for bit, plus hand-made unit tests of the
// rounding, sort-key, tie and selection rules (docs/ALGORITHM.md §5.2-§5.4).

#include "tenas/search/ranking.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "testing/test_data.h"

namespace tenas::search {

// Readable gtest failure messages (found by ADL).
void PrintTo(const CandidateId& id, std::ostream* os) {
  *os << "[" << id.cell_type << ", " << id.edge << ", " << id.op << "]";
}

namespace {

using ::nlohmann::json;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kDblMax = std::numeric_limits<double>::max();

uint64_t Bits(double x) {
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  return bits;
}

std::string Str(const CandidateId& id) {
  return absl::StrCat("[", id.cell_type, ", ", id.edge, ", ", id.op, "]");
}

// ---------------------------------------------------------------------------
// Golden cases.
// ---------------------------------------------------------------------------

const json& Cases() {
  static const json* const cases = [] {
    std::ifstream in(tenas::testing::GoldenDir() + "/ranking_cases.json");
    auto* parsed = new json(in ? json::parse(in) : json::object());
    return parsed;
  }();
  return *cases;
}

const json* FindCase(const std::string& name) {
  if (!Cases().contains("cases")) return nullptr;
  for (const json& c : Cases()["cases"]) {
    if (c["name"] == name) return &c;
  }
  return nullptr;
}

// A JSON number, or one of the strings Python's json writes for non-finite
// values.
double JsonDouble(const json& v) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "NaN") return kNaN;
    if (s == "Infinity") return kInf;
    if (s == "-Infinity") return -kInf;
    ADD_FAILURE() << "unexpected number string " << s;
    return 0.0;
  }
  return v.get<double>();
}

double HexDouble(const json& v) {
  return std::strtod(v.get<std::string>().c_str(), nullptr);
}

CandidateId JsonId(const json& v) {
  return CandidateId{v[0].get<int>(), v[1].get<int>(), v[2].get<int>()};
}

AliveMask JsonMask(const json& v) {
  AliveMask mask;
  for (const json& cell : v) {
    mask.emplace_back();
    for (const json& edge : cell) {
      mask.back().emplace_back();
      for (const json& op : edge) mask.back().back().push_back(op == 1);
    }
  }
  return mask;
}

const char* const kGoldenCaseNames[] = {
    "nb201_round1_generic",
    "nb201_all_zero_deltas",
    "nb201_exact_ties",
    "nb201_negative_deltas",
    "nb201_nan_to_100000",
    "nb201_rounding_halfway",
    "nb201_sortkey_vs_exact_equality",
    "nb201_late_round_mixed_alive",
    "nb201_prune2_limited_by_edge0",
    "nb201_prune2",
    "nb201_precision10",
    "darts_round1",
    "darts_round2",
    "nb201_error_candidate_inf",
};

TEST(RankingGoldenFileTest, HoldsExactlyTheFourteenCases) {
  ASSERT_TRUE(Cases().contains("cases")) << "ranking_cases.json not found";
  ASSERT_EQ(Cases()["cases"].size(), std::size(kGoldenCaseNames));
  for (const char* name : kGoldenCaseNames) {
    EXPECT_NE(FindCase(name), nullptr) << name;
  }
}

class RankingGoldenTest : public ::testing::TestWithParam<const char*> {};

TEST_P(RankingGoldenTest, ReproducesOfficialRound) {
  const json* found = FindCase(GetParam());
  ASSERT_NE(found, nullptr) << GetParam();
  const json& c = *found;
  const int precision = c["precision"].get<int>();
  const AliveMask alive_before = JsonMask(c["alive_before"]);

  // Enumeration order.
  const std::vector<CandidateId> ids = EnumerateCandidates(alive_before);
  ASSERT_EQ(ids.size(), c["candidates"].size());
  for (size_t i = 0; i < ids.size(); ++i) {
    ASSERT_EQ(ids[i], JsonId(c["candidates"][i]["cand"])) << "candidate " << i;
  }

  // Stage (a): per-repeat deltas and means, exact bits.
  std::vector<CandidateDeltas> deltas;
  for (size_t i = 0; i < ids.size(); ++i) {
    const json& jc = c["candidates"][i];
    SCOPED_TRACE("candidate " + Str(ids[i]));
    std::vector<RepeatMeasurement> repeats;
    for (size_t r = 0; r < jc["ntk_raw"].size(); ++r) {
      RepeatMeasurement m;
      m.kappa_origin = JsonDouble(jc["ntk_raw"][r][0]);
      m.kappa_candidate = JsonDouble(jc["ntk_raw"][r][1]);
      m.regions_origin = JsonDouble(jc["lr"][r][0]);
      m.regions_candidate = JsonDouble(jc["lr"][r][1]);
      EXPECT_EQ(Bits(KappaNanToNum(m.kappa_origin)),
                Bits(JsonDouble(jc["ntk_returned"][r][0])));
      EXPECT_EQ(Bits(KappaNanToNum(m.kappa_candidate)),
                Bits(JsonDouble(jc["ntk_returned"][r][1])));
      repeats.push_back(m);
    }
    ASSERT_EQ(repeats.size(), c["repeat"].get<size_t>());
    DeltaOptions options;
    options.precision = precision;
    absl::StatusOr<CandidateDeltas> d =
        ComputeCandidateDeltas(ids[i], repeats, options);
    ASSERT_TRUE(d.ok()) << d.status();
    ASSERT_EQ(d->regions_deltas.size(), repeats.size());
    for (size_t r = 0; r < repeats.size(); ++r) {
      EXPECT_EQ(Bits(d->regions_deltas[r]),
                Bits(jc["lr_delta_per_repeat"][r].get<double>()))
          << "repeat " << r;
    }
    EXPECT_EQ(Bits(d->regions_delta), Bits(HexDouble(jc["lr_mean_hex"])));
    if (jc.contains("ntk_mean_hex")) {
      for (size_t r = 0; r < repeats.size(); ++r) {
        EXPECT_EQ(Bits(d->kappa_deltas[r]),
                  Bits(jc["ntk_delta_per_repeat"][r].get<double>()))
            << "repeat " << r;
      }
      EXPECT_EQ(Bits(d->kappa_delta), Bits(HexDouble(jc["ntk_mean_hex"])));
    }
    deltas.push_back(*d);
  }

  const json& expected = c["expected"];
  const int requested = c["prune_number_requested"].get<int>();
  absl::StatusOr<RoundDecision> decision =
      RankAndSelect(deltas, requested, alive_before, precision);

  if (expected.contains("error")) {
    // The original aborts the round with OverflowError; we return an error.
    ASSERT_EQ(expected["error"], "OverflowError");
    ASSERT_FALSE(decision.ok());
    EXPECT_EQ(decision.status().code(), absl::StatusCode::kOutOfRange);
    const std::string message(decision.status().message());
    EXPECT_NE(message.find("OverflowError"), std::string::npos) << message;
    EXPECT_NE(message.find(expected["message"].get<std::string>()),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("delta-kappa"), std::string::npos) << message;
    EXPECT_NE(message.find("(cell_type 0, edge 3, op 2)"), std::string::npos)
        << message;
    return;
  }
  ASSERT_TRUE(decision.ok()) << decision.status();

  EXPECT_EQ(decision->prune_number,
            expected["prune_number_effective"].get<int>());

  // Sorted lists: same order, identical means.
  const Ranking& ranking = decision->ranking;
  const json& ntk_sorted = expected["ntk_sorted"];
  ASSERT_EQ(ranking.kappa_sorted.size(), ntk_sorted.size());
  for (size_t i = 0; i < ntk_sorted.size(); ++i) {
    EXPECT_EQ(ranking.kappa_sorted[i].id, JsonId(ntk_sorted[i][1]))
        << "kappa_sorted[" << i << "]";
    EXPECT_EQ(Bits(ranking.kappa_sorted[i].value),
              Bits(ntk_sorted[i][0].get<double>()))
        << "kappa_sorted[" << i << "]";
  }
  const json& regions_sorted = expected["regions_sorted"];
  ASSERT_EQ(ranking.regions_sorted.size(), regions_sorted.size());
  for (size_t i = 0; i < regions_sorted.size(); ++i) {
    EXPECT_EQ(ranking.regions_sorted[i].id, JsonId(regions_sorted[i][1]))
        << "regions_sorted[" << i << "]";
    EXPECT_EQ(Bits(ranking.regions_sorted[i].value),
              Bits(regions_sorted[i][0].get<double>()))
        << "regions_sorted[" << i << "]";
  }

  // Ranks, in kappa_sorted (dict insertion) order.
  const json& ranks = expected["ranks"];
  ASSERT_EQ(ranking.ranks.size(), ranks.size());
  for (size_t i = 0; i < ranks.size(); ++i) {
    EXPECT_EQ(ranking.ranks[i].id, JsonId(ranks[i]["cand"])) << "ranks[" << i;
    EXPECT_EQ(ranking.ranks[i].kappa_rank, ranks[i]["ntk_rank"].get<int>())
        << "ranks[" << i << "] " << Str(ranking.ranks[i].id);
    EXPECT_EQ(ranking.ranks[i].regions_rank, ranks[i]["lr_rank"].get<int>())
        << "ranks[" << i << "] " << Str(ranking.ranks[i].id);
  }

  // Rank-sum order.
  const json& rank_sum_order = expected["rank_sum_order"];
  ASSERT_EQ(ranking.rank_sum_order.size(), rank_sum_order.size());
  for (size_t i = 0; i < rank_sum_order.size(); ++i) {
    EXPECT_EQ(ranking.rank_sum_order[i].id, JsonId(rank_sum_order[i]))
        << "rank_sum_order[" << i << "]";
  }

  // Choices per edge, in the same order.
  const json& choices = expected["choices_per_edge"];
  ASSERT_EQ(decision->choices_per_edge.size(), choices.size());
  for (size_t e = 0; e < choices.size(); ++e) {
    ASSERT_EQ(decision->choices_per_edge[e].size(), choices[e].size())
        << "edge group " << e;
    for (size_t k = 0; k < choices[e].size(); ++k) {
      EXPECT_EQ(decision->choices_per_edge[e][k], JsonId(choices[e][k]))
          << "edge group " << e << " choice " << k;
    }
  }

  // Alive mask afterwards.
  AliveMask alive = alive_before;
  ASSERT_TRUE(ApplyChoices(decision->choices_per_edge, &alive).ok());
  EXPECT_EQ(alive, JsonMask(expected["alive_after"]));
}

INSTANTIATE_TEST_SUITE_P(Ranking, RankingGoldenTest,
                         ::testing::ValuesIn(kGoldenCaseNames),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.param);
                         });

// ---------------------------------------------------------------------------
// Hand-made unit tests.
// ---------------------------------------------------------------------------

CandidateDeltas Deltas(CandidateId id, double kappa, double regions) {
  CandidateDeltas d;
  d.id = id;
  d.kappa_delta = kappa;
  d.regions_delta = regions;
  return d;
}

// An NB201-shaped mask: `alive_per_edge[e]` alive ops (1..4) on edge e.
AliveMask Nb201Mask(const std::vector<int>& alive_per_edge) {
  AliveMask mask(1);
  for (int count : alive_per_edge) {
    std::vector<bool> ops(5, false);
    for (int o = 1; o <= count; ++o) ops[o] = true;
    mask[0].push_back(ops);
  }
  return mask;
}

TEST(RankingRoundingTest, KappaDeltaUsesNumpyHalfToEven) {
  EXPECT_EQ(RoundKappaDelta(0.0125, 3), 0.012);
  EXPECT_EQ(RoundKappaDelta(0.0005, 3), 0.0);
  EXPECT_EQ(RoundKappaDelta(0.0015, 3), 0.002);
  EXPECT_EQ(RoundKappaDelta(-0.0125, 3), -0.012);
  EXPECT_EQ(RoundKappaDelta(0.1234567, 3), 0.123);
  EXPECT_EQ(RoundKappaDelta(0.12345678915, 10), 0.1234567892);
  // x * 1000 overflows to -inf, as in numpy.
  EXPECT_EQ(RoundKappaDelta(-7.6e306, 3), -kInf);
  EXPECT_TRUE(std::isnan(RoundKappaDelta(kNaN, 3)));
}

TEST(RankingRoundingTest, RegionDeltaUsesPythonCorrectRounding) {
  EXPECT_EQ(RoundRegionDelta(0.0125, 3), 0.013);
  EXPECT_EQ(RoundRegionDelta(0.0005, 3), 0.001);
  // Exact binary ties go to even; 2.675 is below the half in binary.
  EXPECT_EQ(RoundRegionDelta(0.125, 2), 0.12);
  EXPECT_EQ(RoundRegionDelta(0.375, 2), 0.38);
  EXPECT_EQ(RoundRegionDelta(2.675, 2), 2.67);
  EXPECT_EQ(RoundRegionDelta(-0.0125, 3), -0.013);
  EXPECT_EQ(RoundRegionDelta(1.0 / 3.0, 3), 0.333);
  EXPECT_EQ(RoundRegionDelta(kInf, 3), kInf);
  EXPECT_TRUE(std::signbit(RoundRegionDelta(-0.0001, 3)));
}

TEST(RankingRoundingTest, KappaNanToNumMatchesNumpy) {
  EXPECT_EQ(KappaNanToNum(kNaN), 100000.0);
  EXPECT_EQ(KappaNanToNum(kInf), kDblMax);
  EXPECT_EQ(KappaNanToNum(-kInf), -kDblMax);
  EXPECT_EQ(KappaNanToNum(-3.5), -3.5);
}

TEST(RankingMeanTest, AccumulatesLeftToRight) {
  const double mean = MeanOverRepeats({0.1, 0.2, 0.3});
  EXPECT_EQ(Bits(mean), Bits(((0.1 + 0.2) + 0.3) / 3));
  EXPECT_NE(Bits(mean), Bits((0.1 + (0.2 + 0.3)) / 3));
  // numpy's reduction starts from the identity +0.0.
  EXPECT_FALSE(std::signbit(MeanOverRepeats({-0.0, -0.0, -0.0})));
  EXPECT_TRUE(std::isnan(MeanOverRepeats({})));
}

TEST(RankingSortKeyTest, RoundsToSignificantDigits) {
  EXPECT_EQ(*SortKey(0.0, 3), 0.0);
  EXPECT_TRUE(std::signbit(*SortKey(-0.0, 3)));
  EXPECT_EQ(*SortKey(0.12345, 3), 0.123);
  EXPECT_EQ(*SortKey(-0.12345, 3), -0.123);
  EXPECT_DOUBLE_EQ(*SortKey(-3920.569, 3), -3920.0);
  EXPECT_DOUBLE_EQ(*SortKey(0.0013333, 3), 0.00133);
  // The 1e-8 offset: tiny values all map to the same key.
  EXPECT_EQ(*SortKey(1e-12, 3), *SortKey(2e-12, 3));
  EXPECT_DOUBLE_EQ(*SortKey(1.0, 3), 1.0);
  EXPECT_TRUE(SortKey(kDblMax / 1e4, 3).ok());
}

TEST(RankingSortKeyTest, NonFiniteIsAnErrorNotACrash) {
  absl::StatusOr<double> inf = SortKey(-kInf, 3);
  ASSERT_FALSE(inf.ok());
  EXPECT_EQ(inf.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_NE(inf.status().message().find("OverflowError"),
            absl::string_view::npos);
  EXPECT_EQ(SortKey(kInf, 3).status().code(), absl::StatusCode::kOutOfRange);
  absl::StatusOr<double> nan = SortKey(kNaN, 3);
  ASSERT_FALSE(nan.ok());
  EXPECT_EQ(nan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(nan.status().message().find("ValueError"), absl::string_view::npos);
}

TEST(RankingRankTest, EqualMeansShareARank) {
  const std::vector<CandidateDeltas> c = {
      Deltas({0, 0, 1}, 0.5, 0.0), Deltas({0, 0, 2}, 0.2, 0.0),
      Deltas({0, 0, 3}, 0.5, 0.1), Deltas({0, 0, 4}, 0.2, 0.1)};
  absl::StatusOr<Ranking> r = RankCandidates(c, 3);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->ranks.size(), 4u);
  EXPECT_EQ(r->ranks[0].id, (CandidateId{0, 0, 1}));
  EXPECT_EQ(r->ranks[1].id, (CandidateId{0, 0, 3}));
  EXPECT_EQ(r->ranks[2].id, (CandidateId{0, 0, 2}));
  EXPECT_EQ(r->ranks[3].id, (CandidateId{0, 0, 4}));
  EXPECT_EQ(r->ranks[0].kappa_rank, 0);
  EXPECT_EQ(r->ranks[1].kappa_rank, 0);
  EXPECT_EQ(r->ranks[2].kappa_rank, 1);
  EXPECT_EQ(r->ranks[3].kappa_rank, 1);
  EXPECT_EQ(r->ranks[0].regions_rank, 0);
  EXPECT_EQ(r->ranks[1].regions_rank, 1);
  EXPECT_EQ(r->ranks[2].regions_rank, 0);
  EXPECT_EQ(r->ranks[3].regions_rank, 1);
}

TEST(RankingRankTest, SortIsStableInBothDirections) {
  // Equal keys keep the input (enumeration) order, for the descending Δκ
  // list and the ascending ΔR list alike.
  std::vector<CandidateDeltas> c;
  for (int e = 0; e < 3; ++e) {
    for (int o = 1; o <= 4; ++o) c.push_back(Deltas({0, e, o}, 0.25, -0.5));
  }
  c[5].kappa_delta = 0.75;
  c[7].regions_delta = -0.75;
  absl::StatusOr<Ranking> r = RankCandidates(c, 3);
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<CandidateId> kappa_expected = {c[5].id};
  std::vector<CandidateId> regions_expected = {c[7].id};
  for (size_t i = 0; i < c.size(); ++i) {
    if (i != 5) kappa_expected.push_back(c[i].id);
    if (i != 7) regions_expected.push_back(c[i].id);
  }
  for (size_t i = 0; i < c.size(); ++i) {
    EXPECT_EQ(r->kappa_sorted[i].id, kappa_expected[i]) << i;
    EXPECT_EQ(r->regions_sorted[i].id, regions_expected[i]) << i;
  }
}

TEST(RankingRankTest, DenseRanksUseExactEqualityNotTheSortKey) {
  // 0.1231 and 0.1232 share the 3-significant-digit key 0.123: the sort
  // keeps their input order, but they get different ranks.
  const std::vector<CandidateDeltas> c = {Deltas({0, 0, 1}, 0.1231, 0.0011),
                                          Deltas({0, 0, 2}, 0.1232, 0.0012),
                                          Deltas({0, 0, 3}, 0.1232, 0.0012)};
  ASSERT_EQ(*SortKey(0.1231, 3), *SortKey(0.1232, 3));
  absl::StatusOr<Ranking> r = RankCandidates(c, 3);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kappa_sorted[0].id, (CandidateId{0, 0, 1}));
  EXPECT_EQ(r->ranks[0].kappa_rank, 0);
  EXPECT_EQ(r->ranks[1].kappa_rank, 1);
  EXPECT_EQ(r->ranks[2].kappa_rank, 1);
  EXPECT_EQ(r->ranks[0].regions_rank, 0);
  EXPECT_EQ(r->ranks[1].regions_rank, 1);
  EXPECT_EQ(r->ranks[2].regions_rank, 1);
}

TEST(RankingRankTest, RankSumTiesKeepDeltaKappaSortedOrder) {
  // X is enumerated first but Y is first in the Δκ list; both rank sums
  // are 1, so Y comes first and is the one pruned.
  const AliveMask alive = Nb201Mask({2, 2, 2, 2, 2, 2});
  const CandidateId x{0, 0, 1};
  const CandidateId y{0, 0, 2};
  const std::vector<CandidateDeltas> c = {Deltas(x, 0.1, 0.0),
                                          Deltas(y, 0.2, 0.1)};
  absl::StatusOr<RoundDecision> d = RankAndSelect(c, 1, alive, 3);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->ranking.rank_sum_order.size(), 2u);
  EXPECT_EQ(d->ranking.rank_sum_order[0].id, y);
  EXPECT_EQ(d->ranking.rank_sum_order[1].id, x);
  EXPECT_EQ(d->ranking.rank_sum_order[0].Sum(), 1);
  ASSERT_EQ(d->choices_per_edge.size(), 1u);
  EXPECT_EQ(d->choices_per_edge[0], std::vector<CandidateId>{y});
}

TEST(RankingRankTest, RankSumOrderIsAscending) {
  const std::vector<CandidateDeltas> c = {
      Deltas({0, 0, 1}, 0.3, 0.3), Deltas({0, 0, 2}, 0.2, 0.1),
      Deltas({0, 0, 3}, 0.1, 0.2), Deltas({0, 0, 4}, 0.0, 0.0)};
  // Δκ ranks: 1:0 2:1 3:2 4:3. ΔR ranks: 4:0 2:1 3:2 1:3.
  // Sums: 1:3 2:2 3:4 4:3 -> 2, then 1 and 4 in Δκ order, then 3.
  absl::StatusOr<Ranking> r = RankCandidates(c, 3);
  ASSERT_TRUE(r.ok()) << r.status();
  const std::vector<int> expected_ops = {2, 1, 4, 3};
  for (size_t i = 0; i < expected_ops.size(); ++i) {
    EXPECT_EQ(r->rank_sum_order[i].id.op, expected_ops[i]) << i;
  }
}

TEST(RankingSelectTest, EnumerationSkipsSingleOpEdges) {
  const AliveMask alive = Nb201Mask({3, 1, 2, 1, 1, 4});
  const std::vector<CandidateId> ids = EnumerateCandidates(alive);
  const std::vector<CandidateId> expected = {{0, 0, 1}, {0, 0, 2}, {0, 0, 3},
                                             {0, 2, 1}, {0, 2, 2}, {0, 5, 1},
                                             {0, 5, 2}, {0, 5, 3}, {0, 5, 4}};
  EXPECT_EQ(ids, expected);
}

TEST(RankingSelectTest, PruneNumberIsCappedByEdgeZeroOfCellZero) {
  EXPECT_EQ(EffectivePruneNumber(3, Nb201Mask({2, 4, 4, 4, 4, 4})), 1);
  EXPECT_EQ(EffectivePruneNumber(1, Nb201Mask({4, 4, 4, 4, 4, 4})), 1);
  EXPECT_EQ(EffectivePruneNumber(2, Nb201Mask({4, 2, 2, 2, 2, 2})), 2);
  EXPECT_EQ(EffectivePruneNumber(2, Nb201Mask({1, 3, 3, 3, 3, 3})), 0);
}

TEST(RankingSelectTest, EveryEdgeLosesAtLeastItsFirstCandidate) {
  // Edge 0 has one op left, so the effective prune number is 0; the
  // original still takes the first candidate of every other edge.
  const AliveMask alive = Nb201Mask({1, 3, 3, 1, 1, 1});
  std::vector<CandidateDeltas> c;
  for (const CandidateId& id : EnumerateCandidates(alive)) {
    c.push_back(Deltas(id, 0.01 * id.op, 0.0));
  }
  absl::StatusOr<RoundDecision> d = RankAndSelect(c, 1, alive, 3);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->prune_number, 0);
  ASSERT_EQ(d->choices_per_edge.size(), 2u);
  EXPECT_EQ(d->choices_per_edge[0], (std::vector<CandidateId>{{0, 1, 3}}));
  EXPECT_EQ(d->choices_per_edge[1], (std::vector<CandidateId>{{0, 2, 3}}));
}

TEST(RankingSelectTest, TakesFirstPCandidatesOfEachEdgeInRankSumOrder) {
  const AliveMask alive = Nb201Mask({4, 4, 4, 4, 4, 4});
  std::vector<CandidateDeltas> c;
  for (const CandidateId& id : EnumerateCandidates(alive)) {
    // Larger op -> larger Δκ -> better rank; edge 5 is best overall.
    c.push_back(Deltas(id, 0.01 * id.op + 0.1 * id.edge, 0.0));
  }
  absl::StatusOr<RoundDecision> d = RankAndSelect(c, 2, alive, 3);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->prune_number, 2);
  ASSERT_EQ(d->choices_per_edge.size(), 6u);
  for (int k = 0; k < 6; ++k) {
    const int edge = 5 - k;
    EXPECT_EQ(d->choices_per_edge[k],
              (std::vector<CandidateId>{{0, edge, 4}, {0, edge, 3}}))
        << k;
  }
  AliveMask after = alive;
  ASSERT_TRUE(ApplyChoices(d->choices_per_edge, &after).ok());
  EXPECT_EQ(after, Nb201Mask({2, 2, 2, 2, 2, 2}));
}

TEST(RankingSelectTest, RejectsBadInputs) {
  const AliveMask alive = Nb201Mask({4, 4, 4, 4, 4, 4});
  EXPECT_EQ(
      RankAndSelect({Deltas({0, 0, 0}, 0, 0)}, 1, alive, 3).status().code(),
      absl::StatusCode::kInvalidArgument);  // `none` is masked
  EXPECT_EQ(
      RankAndSelect({Deltas({0, 6, 1}, 0, 0)}, 1, alive, 3).status().code(),
      absl::StatusCode::kInvalidArgument);  // no edge 6
  EXPECT_EQ(RankAndSelect({Deltas({0, 0, 1}, 0, 0), Deltas({0, 0, 1}, 0, 0)}, 1,
                          alive, 3)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);  // listed twice
  EXPECT_EQ(RankCandidates({}, -1).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<RoundDecision> empty = RankAndSelect({}, 1, alive, 3);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->choices_per_edge.empty());

  AliveMask mask = alive;
  EXPECT_FALSE(ApplyChoices({{{0, 0, 1}, {0, 0, 1}}}, &mask).ok());
  EXPECT_EQ(mask, alive);  // unchanged on error
}

TEST(RankingDeltasTest, ComputesRelativeChangesPerRepeat) {
  const std::vector<RepeatMeasurement> repeats = {
      {80.0, 79.0, 2400.0, 2370.0},
      {80.0, 79.0, 2400.0, 2370.0},
      {1000.0, 987.0, 2000.0, 1999.0}};
  absl::StatusOr<CandidateDeltas> d =
      ComputeCandidateDeltas({0, 1, 2}, repeats, {});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->id, (CandidateId{0, 1, 2}));
  // (80-79)/80 = 0.0125 -> numpy 0.012; (2400-2370)/2400 = 0.0125 -> Python
  // 0.013.
  EXPECT_EQ(d->kappa_deltas, (std::vector<double>{0.012, 0.012, 0.013}));
  EXPECT_EQ(d->regions_deltas, (std::vector<double>{0.013, 0.013, 0.001}));
  EXPECT_EQ(Bits(d->kappa_delta), Bits(((0.012 + 0.012) + 0.013) / 3));
  EXPECT_EQ(Bits(d->regions_delta), Bits(((0.013 + 0.013) + 0.001) / 3));
}

TEST(RankingDeltasTest, NanKappaBecomes100000) {
  const std::vector<RepeatMeasurement> repeats = {{25.5, kNaN, 10, 10}};
  absl::StatusOr<CandidateDeltas> d =
      ComputeCandidateDeltas({0, 0, 1}, repeats, {});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->kappa_delta, RoundKappaDelta((25.5 - 1e5) / 25.5, 3));
}

TEST(RankingDeltasTest, InfiniteKappaFailsTheRoundUnlessMappedLikeNan) {
  const AliveMask alive = Nb201Mask({2, 2, 2, 2, 2, 2});
  const std::vector<RepeatMeasurement> bad = {{23.5, kInf, 2979, 2979},
                                              {23.5, 23.0, 2979, 2976}};
  const std::vector<RepeatMeasurement> good = {{23.5, 23.0, 2979, 2976}};
  absl::StatusOr<CandidateDeltas> a =
      ComputeCandidateDeltas({0, 0, 1}, bad, {});
  absl::StatusOr<CandidateDeltas> b =
      ComputeCandidateDeltas({0, 0, 2}, good, {});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->kappa_deltas[0], -kInf);  // DBL_MAX delta * 1000 overflows
  absl::StatusOr<RoundDecision> d = RankAndSelect({*a, *b}, 1, alive, 3);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_NE(d.status().message().find("(cell_type 0, edge 0, op 1)"),
            absl::string_view::npos)
      << d.status();

  DeltaOptions mapped;
  mapped.kappa_inf_as_nan = true;
  a = ComputeCandidateDeltas({0, 0, 1}, bad, mapped);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->kappa_deltas[0], RoundKappaDelta((23.5 - 1e5) / 23.5, 3));
  EXPECT_TRUE(RankAndSelect({*a, *b}, 1, alive, 3).ok());
}

TEST(RankingDeltasTest, RejectsZeroRegionsAndNoRepeats) {
  const std::vector<RepeatMeasurement> zero = {{10, 11, 0, 5}};
  absl::StatusOr<CandidateDeltas> d =
      ComputeCandidateDeltas({0, 0, 1}, zero, {});
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("ZeroDivisionError"),
            absl::string_view::npos);
  EXPECT_FALSE(ComputeCandidateDeltas({0, 0, 1}, {}, {}).ok());
  DeltaOptions negative;
  negative.precision = -1;
  EXPECT_FALSE(ComputeCandidateDeltas({0, 0, 1}, zero, negative).ok());
}

// A DARTS-shaped mask after the op rounds: one alive op per edge.
AliveMask DartsSinglePathMask() {
  AliveMask mask(
      2, std::vector<std::vector<bool>>(14, std::vector<bool>(8, false)));
  for (int ct = 0; ct < 2; ++ct) {
    for (int e = 0; e < 14; ++e) mask[ct][e][1 + (e + ct) % 7] = true;
  }
  return mask;
}

TEST(RankingEdgeStageTest, GroupsAndEnumeration) {
  EXPECT_FALSE(EdgeGroupNeedsPruning(kDartsEdgeGroups[0], 2));
  EXPECT_TRUE(EdgeGroupNeedsPruning(kDartsEdgeGroups[1], 2));
  EXPECT_EQ(kDartsEdgeGroups[3].end, 14);
  const AliveMask alive = DartsSinglePathMask();
  const std::vector<CandidateId> ids =
      EnumerateEdgeGroupCandidates(alive, 1, kDartsEdgeGroups[2]);
  const std::vector<CandidateId> expected = {
      {1, 5, 7}, {1, 6, 1}, {1, 7, 2}, {1, 8, 3}};
  EXPECT_EQ(ids, expected);
}

TEST(RankingEdgeStageTest, KeepsTheTwoEdgesWithTheLargestRankSums) {
  const AliveMask alive = DartsSinglePathMask();
  const std::vector<CandidateId> ids =
      EnumerateEdgeGroupCandidates(alive, 0, kDartsEdgeGroups[3]);
  ASSERT_EQ(ids.size(), 5u);
  // Δκ ranks: e9:4 e10:3 e11:2 e12:1 e13:0; ΔR ranks all 0 except e9:1.
  // Sums: e13:0 e12:1 e11:2 e10:3 e9:5 -> keep e10, e9.
  std::vector<CandidateDeltas> c;
  for (const CandidateId& id : ids) {
    c.push_back(Deltas(id, 0.01 * id.edge, id.edge == 9 ? 0.002 : 0.0));
  }
  absl::StatusOr<EdgeGroupDecision> d =
      RankAndSelectEdgeGroup(c, kDartsEdgesKeptPerNode, 3);
  ASSERT_TRUE(d.ok()) << d.status();
  const std::vector<CandidateId> expected = {ids[4], ids[3], ids[2]};
  EXPECT_EQ(d->pruned, expected);
}

TEST(RankingEdgeStageTest, TiesKeepTheLastTwoInDeltaKappaOrder) {
  const AliveMask alive = DartsSinglePathMask();
  const std::vector<CandidateId> ids =
      EnumerateEdgeGroupCandidates(alive, 0, kDartsEdgeGroups[1]);
  ASSERT_EQ(ids.size(), 3u);
  std::vector<CandidateDeltas> c;
  for (const CandidateId& id : ids) c.push_back(Deltas(id, 0.0, 0.0));
  absl::StatusOr<EdgeGroupDecision> d = RankAndSelectEdgeGroup(c, 2, 3);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->pruned, std::vector<CandidateId>{ids[0]});
  // Fewer candidates than kept edges, or num_keep 0: nothing is pruned.
  d = RankAndSelectEdgeGroup(absl::MakeConstSpan(c).subspan(0, 2), 2, 3);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->pruned.empty());
  d = RankAndSelectEdgeGroup(c, 0, 3);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->pruned.empty());
  EXPECT_FALSE(RankAndSelectEdgeGroup(c, -1, 3).ok());
}

// Proxies rank ascending like ΔR and add to the rank sum; RankedMeasures
// drops κ and R from it.
TEST(RankingProxyTest, ProxyRanksJoinTheRankSum) {
  std::vector<CandidateDeltas> c = {Deltas({0, 0, 1}, 0.3, 0.1),
                                    Deltas({0, 1, 1}, 0.2, 0.2),
                                    Deltas({0, 2, 1}, 0.1, 0.3)};
  c[0].proxy_delta = {0.9};
  c[1].proxy_delta = {0.5};
  c[2].proxy_delta = {-0.2};
  // κ and R alone: candidate 0 first (Δκ highest, ΔR lowest).
  auto tenas = RankCandidates(c, 3);
  ASSERT_TRUE(tenas.ok()) << tenas.status();
  ASSERT_EQ(tenas->proxy_sorted.size(), 1u);
  EXPECT_EQ(tenas->proxy_sorted[0][0].id, (CandidateId{0, 2, 1}));
  // With the proxy added: sums 0+0+2, 1+1+1, 2+2+0: candidate 0 first still,
  // but the proxy ranks are carried.
  EXPECT_EQ(tenas->rank_sum_order[0].id, (CandidateId{0, 0, 1}));
  EXPECT_EQ(tenas->rank_sum_order[0].Sum(), 2);
  // The proxy alone: ascending delta.
  RankedMeasures proxy_only;
  proxy_only.kappa = false;
  proxy_only.regions = false;
  auto only = RankCandidates(c, 3, proxy_only);
  ASSERT_TRUE(only.ok()) << only.status();
  EXPECT_EQ(only->rank_sum_order[0].id, (CandidateId{0, 2, 1}));
  EXPECT_EQ(only->rank_sum_order[2].id, (CandidateId{0, 0, 1}));
  // Mismatched proxy counts are an error, not a crash.
  c[1].proxy_delta.clear();
  EXPECT_EQ(RankCandidates(c, 3).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RankingProxyTest, ProxyDeltasAreRelativeChangesPerRepeat) {
  std::vector<RepeatMeasurement> repeats(2);
  for (RepeatMeasurement& m : repeats) {
    m.kappa_origin = m.kappa_candidate = 10;
    m.regions_origin = m.regions_candidate = 100;
  }
  repeats[0].proxy_origin = {-40.0, 0.0};
  repeats[0].proxy_candidate = {-30.0, 0.5};
  repeats[1].proxy_origin = {-40.0, 0.0};
  repeats[1].proxy_candidate = {-50.0, -0.25};
  auto d = ComputeCandidateDeltas({0, 0, 1}, repeats, DeltaOptions{});
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->proxy_deltas.size(), 2u);
  // (p0 - p) / |p0|: (-40 + 30) / 40 and (-40 + 50) / 40.
  EXPECT_EQ(d->proxy_deltas[0], (std::vector<double>{-0.25, 0.25}));
  // p0 = 0: the plain difference.
  EXPECT_EQ(d->proxy_deltas[1], (std::vector<double>{-0.5, 0.25}));
  EXPECT_EQ(d->proxy_delta, (std::vector<double>{0.0, -0.125}));
  repeats[1].proxy_candidate.pop_back();
  EXPECT_EQ(ComputeCandidateDeltas({0, 0, 1}, repeats, DeltaOptions{})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tenas::search
