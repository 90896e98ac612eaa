// Copyright 2026 The tenas Authors.
//
// The JSON event format of searches is written once
// (tenas/events/search_events.h) and reached on two paths: tenas-bench
// converts the library's events (search::EventRecordOf, ResultRecordOf),
// the tenas client converts the service's tenas.v1 events
// (client::EventRecordOf), which the server made from the same library
// events (server::SearchEventToProto, SearchResultToProto). The same events
// must print the same fields with the same values on both paths; the client
// adds only search_id and sequence.

#include "tenas/events/search_events.h"

#include <gtest/gtest.h>

#include <limits>
#include <set>
#include <string>
#include <vector>

#include "client/event_json.h"
#include "server/proto_convert.h"
#include "tenas/search/event_records.h"

namespace tenas {
namespace {

using search::SpaceKind;

constexpr char kSearchId[] = "s-0123456789abcdef";
constexpr int64_t kSequence = 41;

search::RepeatMeasurement Repeat(double kappa_origin, double kappa_candidate,
                                 double regions_origin,
                                 double regions_candidate) {
  search::RepeatMeasurement r;
  r.kappa_origin = kappa_origin;
  r.kappa_candidate = kappa_candidate;
  r.regions_origin = regions_origin;
  r.regions_candidate = regions_candidate;
  return r;
}

search::CandidateRecord Candidate(int cell_type, int edge, int op,
                                  double scale) {
  search::CandidateRecord c;
  c.deltas.id = {cell_type, edge, op};
  c.deltas.kappa_delta = 0.125 * scale;
  c.deltas.regions_delta = -0.0625 * scale;
  c.repeats.push_back(Repeat(101.5 * scale, 99.25, 812, 790));
  c.repeats.push_back(Repeat(std::numeric_limits<double>::quiet_NaN(),
                             std::numeric_limits<double>::infinity(), 3000, 1));
  return c;
}

// One op round and (DARTS) one edge round with candidates and pruned ops.
std::vector<search::RoundRecord> Rounds(SpaceKind space) {
  const int cell_types = space == SpaceKind::kDarts ? 2 : 1;
  std::vector<search::RoundRecord> rounds;
  search::RoundRecord ops;
  ops.round = 0;
  ops.stage = "ops";
  ops.prune_number = space == SpaceKind::kDarts ? 3 : 1;
  for (int ct = 0; ct < cell_types; ++ct) {
    for (int edge = 0; edge < 3; ++edge) {
      ops.candidates.push_back(Candidate(ct, edge, edge + 1, 1 + edge));
    }
    ops.pruned.push_back({ct, 2, 3});
  }
  ops.seconds = 12.5;
  rounds.push_back(ops);
  if (space == SpaceKind::kDarts) {
    search::RoundRecord edges;
    edges.round = 1;
    edges.stage = "edges";
    edges.cell_type = 1;
    edges.group = 2;
    edges.candidates.push_back(Candidate(1, 5, 4, 2));
    edges.pruned.push_back({1, 5, 4});
    edges.seconds = 3.25;
    rounds.push_back(edges);
  }
  return rounds;
}

// The library events of one round: started, one per candidate, pruned,
// finished.
std::vector<search::SearchEvent> Events(const search::RoundRecord& round,
                                        const search::AliveMask& alive) {
  std::vector<search::SearchEvent> events;
  search::SearchEvent e;
  e.round = round.round;
  e.stage = round.stage;
  e.seconds = 1.5;
  e.type = search::SearchEvent::Type::kRoundStarted;
  e.num_candidates = static_cast<int>(round.candidates.size());
  events.push_back(e);
  for (size_t i = 0; i < round.candidates.size(); ++i) {
    e.type = search::SearchEvent::Type::kCandidateScored;
    e.candidate = &round.candidates[i];
    e.candidate_index = static_cast<int>(i);
    e.seconds += 0.75;
    events.push_back(e);
  }
  e.type = search::SearchEvent::Type::kOpsPruned;
  e.record = &round;
  events.push_back(e);
  e.type = search::SearchEvent::Type::kRoundFinished;
  e.alive = &alive;
  e.seconds += round.seconds;
  events.push_back(e);
  return events;
}

// What tenas-bench prints for `event`.
nlohmann::json BenchJson(SpaceKind space, const search::SearchEvent& event) {
  return events::EventJson(search::EventRecordOf(space, event));
}

// What the tenas client prints for the server's form of `event`, checked
// for the service's search_id and sequence, which are then removed.
nlohmann::json ClientJson(const v1::SearchEvent& proto) {
  v1::SearchEvent sent = proto;
  sent.set_search_id(kSearchId);
  sent.set_sequence(kSequence);
  nlohmann::json j = events::EventJson(client::EventRecordOf(sent));
  EXPECT_EQ(j.value("search_id", ""), kSearchId);
  EXPECT_EQ(j.value("sequence", int64_t{-1}), kSequence);
  j.erase("search_id");
  j.erase("sequence");
  return j;
}

std::set<std::string> Keys(const nlohmann::json& j) {
  std::set<std::string> keys;
  for (const auto& item : j.items()) keys.insert(item.key());
  return keys;
}

class SearchEventsTest : public testing::TestWithParam<SpaceKind> {};

TEST_P(SearchEventsTest, ProgressEventsPrintTheSameOnBothPaths) {
  const SpaceKind space = GetParam();
  const search::AliveMask alive;
  int checked = 0;
  for (const search::RoundRecord& round : Rounds(space)) {
    for (const search::SearchEvent& event : Events(round, alive)) {
      v1::SearchEvent proto;
      server::SearchEventToProto(space, event, &proto);
      const nlohmann::json bench = BenchJson(space, event);
      const nlohmann::json client = ClientJson(proto);
      // As printed (a NaN κ prints as null and differs from itself).
      EXPECT_EQ(Keys(bench), Keys(client)) << bench.dump();
      EXPECT_EQ(bench.dump(), client.dump());
      ++checked;
    }
  }
  EXPECT_GE(checked, 6);
}

TEST_P(SearchEventsTest, ResultPrintsTheSameOnBothPaths) {
  const SpaceKind space = GetParam();
  search::SearchResult result;
  result.space = space;
  result.arch = space == SpaceKind::kNb201
                    ? "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|"
                      "skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|"
                    : "Genotype(normal=[('sep_conv_3x3', 0)], "
                      "normal_concat=[2, 3, 4, 5], reduce=[], "
                      "reduce_concat=[2, 3, 4, 5])";
  result.rounds = Rounds(space);
  result.batch_size = 72;
  result.prune_number = result.rounds[0].prune_number;
  result.ntk_evaluations = 123;
  result.lr_evaluations = 456;
  result.seconds = 78.5;

  const nlohmann::json bench =
      events::ResultJson(search::ResultRecordOf(result, "cifar10"));
  v1::SearchEvent proto;
  server::SearchResultToProto(result, "cifar10", proto.mutable_result());
  const nlohmann::json client = ClientJson(proto);
  EXPECT_EQ(Keys(bench), Keys(client));
  EXPECT_EQ(bench.dump(), client.dump());
  EXPECT_EQ(bench["type"], "result");
  EXPECT_EQ(bench["dataset"], "cifar10");
  ASSERT_EQ(bench["rounds"].size(), result.rounds.size());
  EXPECT_EQ(bench["rounds"][0]["prune_number"], result.rounds[0].prune_number);
  if (space == SpaceKind::kDarts) {
    EXPECT_EQ(bench["rounds"][1]["cell_type"], "reduce");
    EXPECT_EQ(bench["rounds"][1]["group"], 2);
  }
}

INSTANTIATE_TEST_SUITE_P(Spaces, SearchEventsTest,
                         testing::Values(SpaceKind::kNb201, SpaceKind::kDarts),
                         [](const testing::TestParamInfo<SpaceKind>& info) {
                           return std::string(search::SpaceName(info.param));
                         });

TEST(SearchEventsFormatTest, FieldNamesOfEachEventType) {
  const std::vector<search::RoundRecord> rounds = Rounds(SpaceKind::kNb201);
  const search::AliveMask alive;
  const std::vector<search::SearchEvent> events = Events(rounds[0], alive);
  const std::set<std::string> round_started = {"type", "round", "stage",
                                               "num_candidates", "seconds"};
  const std::set<std::string> candidate_scored = {
      "type", "round",       "index",         "edge",    "edge_key",
      "op",   "kappa_delta", "regions_delta", "repeats", "seconds"};
  const std::set<std::string> ops_pruned = {"type", "round", "stage", "pruned",
                                            "seconds"};
  const std::set<std::string> round_finished = {"type", "round", "stage",
                                                "round_seconds", "seconds"};
  EXPECT_EQ(Keys(BenchJson(SpaceKind::kNb201, events.front())), round_started);
  EXPECT_EQ(Keys(BenchJson(SpaceKind::kNb201, events[1])), candidate_scored);
  EXPECT_EQ(Keys(BenchJson(SpaceKind::kNb201, events[events.size() - 2])),
            ops_pruned);
  EXPECT_EQ(Keys(BenchJson(SpaceKind::kNb201, events.back())), round_finished);
  const nlohmann::json scored = BenchJson(SpaceKind::kNb201, events[1]);
  EXPECT_EQ(scored["type"], "candidate_scored");
  EXPECT_EQ(scored["edge_key"], "1<-0");
  EXPECT_EQ(scored["op"], "skip_connect");
  // A NaN κ prints as null.
  EXPECT_NE(scored.dump().find("\"kappa_origin\":null"), std::string::npos);
}

// A search that ranks with zero-cost proxies: the candidates' proxies and
// the result's measures print the same on both paths.
TEST(SearchEventsFormatTest, ProxiesPrintTheSameOnBothPaths) {
  search::CandidateRecord c = Candidate(0, 1, 2, 1);
  c.proxies = {measures::Measure::kParams, measures::Measure::kNwot};
  c.repeats[0].proxy_origin = {0.5, 210.25};
  c.repeats[0].proxy_candidate = {0.375, 200.5};
  c.repeats[1].proxy_origin = {0.5, 212.0};
  c.repeats[1].proxy_candidate = {0.375, 199.75};
  c.deltas.proxy_deltas = {{0.25, 0.25}, {0.046, 0.058}};
  c.deltas.proxy_delta = {0.25, 0.052};
  search::SearchEvent e;
  e.type = search::SearchEvent::Type::kCandidateScored;
  e.round = 0;
  e.candidate = &c;
  e.candidate_index = 4;
  v1::SearchEvent proto;
  server::SearchEventToProto(SpaceKind::kNb201, e, &proto);
  const nlohmann::json bench = BenchJson(SpaceKind::kNb201, e);
  EXPECT_EQ(bench.dump(), ClientJson(proto).dump());
  ASSERT_TRUE(bench.contains("proxies")) << bench.dump();
  ASSERT_EQ(bench["proxies"].size(), 2u);
  EXPECT_EQ(bench["proxies"][1]["measure"], "nwot");
  EXPECT_EQ(bench["proxies"][1]["delta"], 0.052);

  search::SearchResult result;
  result.arch = "|nor_conv_3x3~0|";
  result.measures = {measures::Measure::kRegions, measures::Measure::kParams,
                     measures::Measure::kNwot};
  result.rounds = Rounds(SpaceKind::kNb201);
  result.rounds[0].candidates.push_back(c);
  v1::SearchEvent done;
  server::SearchResultToProto(result, "cifar10", done.mutable_result());
  const nlohmann::json bench_result =
      events::ResultJson(search::ResultRecordOf(result, "cifar10"));
  EXPECT_EQ(bench_result.dump(), ClientJson(done).dump());
  EXPECT_EQ(bench_result["measures"], nlohmann::json({"lr", "params", "nwot"}));
}

TEST(SearchEventsFormatTest, BenchmarkOfTheResult) {
  events::ResultSummary result;
  result.arch = "|nor_conv_3x3~0|";
  EXPECT_FALSE(events::ResultJson(result).contains("benchmark"));
  result.benchmark = nb201::BenchmarkAccuracy{7, 93.5, 70.25, 44.0};
  const nlohmann::json j = events::ResultJson(result);
  EXPECT_EQ(j["benchmark"]["index"], 7);
  EXPECT_EQ(j["benchmark"]["cifar10_test"], 93.5);
  EXPECT_EQ(j["benchmark"]["cifar100_test"], 70.25);
  EXPECT_EQ(j["benchmark"]["imagenet16_test"], 44.0);
  EXPECT_EQ(events::BenchmarkLine(*result.benchmark),
            "NAS-Bench-201 #7 test accuracy: CIFAR-10 93.50 %, CIFAR-100 "
            "70.25 %, ImageNet16-120 44.00 %");
}

}  // namespace
}  // namespace tenas
