// Copyright 2026 The tenas Authors.
//
// One API for all measures: ScoreOptions.measure_names picks κ, R and the
// zero-cost proxies, every answer lists each measure computed with its
// mean, standard error and per-repeat values, unknown names are
// INVALID_ARGUMENT naming them, GetServerInfo lists every measure, the
// result cache keys on the measures, and a search's proxies survive the
// state database, and /metrics counts each proxy. The real TenasServer on port
// 0; cheap proxies only (params, flops, nwot, synflow) with small batches.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "integration/server_testing.h"
#include "server/proto_convert.h"
#include "server/result_cache.h"
#include "server/stored_round.h"
#include "tenas/options/measures.h"

namespace tenas::server_test {
namespace {

std::vector<std::string> Names(const v1::ScoreArchitectureResponse& r) {
  std::vector<std::string> names;
  for (const v1::MeasureValue& m : r.measures()) names.push_back(m.name());
  return names;
}

const v1::MeasureValue* Find(const v1::ScoreArchitectureResponse& r,
                             const std::string& name) {
  for (const v1::MeasureValue& m : r.measures()) {
    if (m.name() == name) return &m;
  }
  return nullptr;
}

// A cheap search (SearchRequest) pruning on `measures`, proxy batch 8, read
// to its end.
StreamResult<v1::SearchEvent> RunSearchWith(
    Stub& stub, uint64_t seed, const std::vector<std::string>& measures) {
  v1::RunSearchRequest request = SearchRequest(seed);
  for (const std::string& m : measures) request.add_measures(m);
  request.set_proxy_batch_size(8);
  grpc::ClientContext context;
  GuardAgainstHangs(&context);
  auto reader = stub.RunSearch(&context, request);
  return ReadAll(reader.get());
}

class MeasuresApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = StartServer(TestServerOptions()).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    stub_ = NewStub(server_->port());
  }

  static server::TenasServer* server_;
  std::unique_ptr<Stub> stub_;
};

server::TenasServer* MeasuresApiTest::server_ = nullptr;

TEST_F(MeasuresApiTest, DefaultRequestReturnsKappaAndRegionsAsMeasures) {
  v1::ScoreArchitectureResponse r;
  grpc::Status status = Score(*stub_, ScoreRequest(kMixedArch, 3, 4, 2), &r);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Names(r), (std::vector<std::string>{"ntk", "lr"}));
  ASSERT_EQ(r.repeats_size(), 2);
  const v1::MeasureValue& ntk = r.measures(0);
  const v1::MeasureValue& lr = r.measures(1);
  // The κ and R fields are filled as before, and agree with the list.
  EXPECT_GE(r.ntk_condition_number(), 1.0);
  EXPECT_GE(r.linear_regions(), 1.0);
  EXPECT_EQ(ntk.mean(), r.ntk_condition_number());
  EXPECT_EQ(ntk.sem(), r.ntk_condition_number_sem());
  EXPECT_EQ(lr.mean(), r.linear_regions());
  EXPECT_EQ(lr.sem(), r.linear_regions_sem());
  ASSERT_EQ(ntk.values_size(), 2);
  ASSERT_EQ(lr.values_size(), 2);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(ntk.values(i), r.repeats(i).ntk_condition_number());
    EXPECT_EQ(lr.values(i), r.repeats(i).linear_regions());
  }
  EXPECT_EQ(r.proxy_batch_size(), 0);  // no proxy

  // Naming the two measures is the same request (and answer).
  v1::ScoreArchitectureRequest named = ScoreRequest(kMixedArch, 3, 4, 2);
  named.mutable_options()->add_measure_names("lr");
  named.mutable_options()->add_measure_names("ntk");
  v1::ScoreArchitectureResponse again;
  status = Score(*stub_, named, &again);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Names(again), (std::vector<std::string>{"ntk", "lr"}));
  EXPECT_EQ(again.ntk_condition_number(), r.ntk_condition_number());
  EXPECT_EQ(again.linear_regions(), r.linear_regions());
}

TEST_F(MeasuresApiTest, ProxiesComeWithPerRepeatValuesAndStandardErrors) {
  v1::ScoreArchitectureRequest request = ScoreRequest(kMixedArch, 5, 4, 2);
  // Any order: the answer is in canonical order.
  for (const char* name : {"nwot", "lr", "params"}) {
    request.mutable_options()->add_measure_names(name);
  }
  request.mutable_options()->set_proxy_batch_size(8);
  v1::ScoreArchitectureResponse r;
  grpc::Status status = Score(*stub_, request, &r);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Names(r), (std::vector<std::string>{"lr", "params", "nwot"}));
  EXPECT_EQ(r.proxy_batch_size(), 8);
  for (const v1::MeasureValue& m : r.measures()) {
    SCOPED_TRACE(m.name());
    ASSERT_EQ(m.values_size(), 2);
    EXPECT_TRUE(std::isfinite(m.values(0)) && std::isfinite(m.values(1)));
    EXPECT_DOUBLE_EQ(m.mean(), (m.values(0) + m.values(1)) / 2);
    // Two values: sd = |a - b| / sqrt(2), so sem = |a - b| / 2.
    EXPECT_NEAR(m.sem(), std::abs(m.values(0) - m.values(1)) / 2,
                1e-12 * (1 + std::abs(m.mean())));
  }
  // The parameter count does not depend on the weights or the data.
  const v1::MeasureValue* params = Find(r, "params");
  ASSERT_NE(params, nullptr);
  EXPECT_GT(params->mean(), 0.0);
  EXPECT_EQ(params->values(0), params->values(1));
  EXPECT_EQ(params->sem(), 0.0);
  // κ was not asked for: its fields stay 0, R's are filled.
  EXPECT_EQ(r.ntk_condition_number(), 0.0);
  EXPECT_EQ(r.repeats(0).ntk_condition_number(), 0.0);
  EXPECT_GE(r.linear_regions(), 1.0);
  EXPECT_EQ(Find(r, "lr")->mean(), r.linear_regions());
  EXPECT_GE(r.timing().proxies_seconds(), 0.0);
}

TEST_F(MeasuresApiTest, StreamingCallTakesTheSameMeasures) {
  v1::ScoreArchitecturesRequest request;
  request.set_dataset("cifar10");
  request.add_architectures()->set_nb201_arch(kSkipArch);
  request.add_architectures()->set_nb201_arch(kPoolArch);
  request.mutable_options()->set_repeats(1);
  request.mutable_options()->add_measure_names("flops");
  request.mutable_options()->add_measure_names("params");
  grpc::ClientContext context;
  GuardAgainstHangs(&context);
  auto reader = stub_->ScoreArchitectures(&context, request);
  StreamResult<v1::ScoreArchitecturesResponse> got = ReadAll(reader.get());
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  ASSERT_EQ(got.messages.size(), 2u);
  for (const auto& item : got.messages) {
    ASSERT_TRUE(item.has_result()) << item.error().message();
    EXPECT_EQ(Names(item.result()),
              (std::vector<std::string>{"params", "flops"}));
    EXPECT_GT(item.result().measures(1).mean(), 0.0);
  }
}

TEST_F(MeasuresApiTest, UnknownOrConflictingMeasuresAreInvalidArgument) {
  struct Case {
    const char* name;
    std::function<void(v1::ScoreOptions*)> mutate;
    std::string field;
    std::string text;
  };
  const std::vector<Case> cases = {
      {"unknown name",
       [](auto* o) {
         o->add_measure_names("lr");
         o->add_measure_names("bogus_proxy");
       },
       "options.measure_names", "'bogus_proxy'"},
      {"listed twice",
       [](auto* o) {
         o->add_measure_names("nwot");
         o->add_measure_names("nwot");
       },
       "options.measure_names", "twice"},
      {"not UTF-8", [](auto* o) { o->add_measure_names("nw\xffot"); },
       "options.measure_names[0]", "UTF-8"},
      {"names and the enum",
       [](auto* o) {
         o->add_measure_names("params");
         o->set_measures(v1::MEASURES_NTK_ONLY);
       },
       "options.measure_names", "options.measures"},
      {"proxy batch of 1",
       [](auto* o) {
         o->add_measure_names("params");
         o->set_proxy_batch_size(1);
       },
       "options.proxy_batch_size", "1"},
      {"proxy batch above the cap (the library's 256 here, below the "
       "server's --max-batch-size 512)",
       [](auto* o) {
         o->add_measure_names("params");
         o->set_proxy_batch_size(100000);
       },
       "options.proxy_batch_size", "[2, 256]"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    v1::ScoreArchitectureRequest request = ScoreRequest(kSkipArch);
    c.mutate(request.mutable_options());
    v1::ScoreArchitectureResponse response;
    grpc::Status status = Score(*stub_, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << status.error_message();
    EXPECT_TRUE(HasText(status.error_message(), c.field + ":"));
    EXPECT_TRUE(HasText(status.error_message(), c.text));
  }
  // A search names its own field.
  v1::RunSearchRequest search = SearchRequest();
  search.add_measures("ntk");
  search.add_measures("no_such_measure");
  grpc::ClientContext context;
  GuardAgainstHangs(&context);
  auto reader = stub_->RunSearch(&context, search);
  StreamResult<v1::SearchEvent> got = ReadAll(reader.get());
  EXPECT_TRUE(got.messages.empty());
  EXPECT_EQ(got.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(HasText(got.status.error_message(), "measures: unknown measure"));
  EXPECT_TRUE(HasText(got.status.error_message(), "'no_such_measure'"));
  EXPECT_EQ(ServerInfo(*stub_).queue_depth(), 0);
}

TEST_F(MeasuresApiTest, SearchReportsItsMeasuresAndProxies) {
  // Any order: the search lists them in canonical order.
  StreamResult<v1::SearchEvent> got =
      RunSearchWith(*stub_, /*seed=*/3, {"params", "lr"});
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  ASSERT_FALSE(got.messages.empty());
  ASSERT_TRUE(got.messages.back().has_result());
  const std::vector<std::string> expected = {"lr", "params"};
  const v1::SearchResult& result = got.messages.back().result();
  EXPECT_EQ(std::vector<std::string>(result.measures().begin(),
                                     result.measures().end()),
            expected);
  int scored = 0;
  for (const v1::SearchEvent& e : got.messages) {
    if (!e.has_candidate_scored()) continue;
    ++scored;
    const v1::CandidateScored& c = e.candidate_scored();
    ASSERT_EQ(c.proxies_size(), 1);
    EXPECT_EQ(c.proxies(0).measure(), "params");
    ASSERT_EQ(c.proxies(0).origin_size(), 1);
    ASSERT_EQ(c.proxies(0).candidate_size(), 1);
    ASSERT_EQ(c.proxies(0).deltas_size(), 1);
    // Removing an op never adds parameters.
    EXPECT_GT(c.proxies(0).origin(0), 0.0);
    EXPECT_LE(c.proxies(0).candidate(0), c.proxies(0).origin(0));
    EXPECT_EQ(c.proxies(0).delta(), c.proxies(0).deltas(0));
  }
  EXPECT_GT(scored, 0);
  ASSERT_FALSE(result.rounds().empty());
  ASSERT_FALSE(result.rounds(0).candidates().empty());
  EXPECT_EQ(result.rounds(0).candidates(0).proxies_size(), 1);

  v1::SearchInfo info;
  ASSERT_TRUE(GetSearch(*stub_, got.messages.front().search_id(), &info).ok());
  EXPECT_EQ(
      std::vector<std::string>(info.measures().begin(), info.measures().end()),
      expected);
  EXPECT_EQ(info.request().proxy_batch_size(), 8);
}

TEST_F(MeasuresApiTest, ServerInfoListsEveryMeasure) {
  const v1::GetServerInfoResponse info = ServerInfo(*stub_);
  const std::vector<std::string> listed(info.measures().begin(),
                                        info.measures().end());
  EXPECT_EQ(listed, measures::AllMeasureNames());
  ASSERT_EQ(listed.size(), 16u);
  EXPECT_EQ(listed.front(), "ntk");
  EXPECT_EQ(listed[1], "lr");
}

// tenas_evaluations_total counts each proxy by name, one per network it ran
// on; their joint pass is timed as metric "proxies". A server of its own:
// the counters start at zero.
TEST(MeasuresMetricsTest, ProxyEvaluationsAreCountedPerProxy) {
  auto server = StartServer(TestServerOptions());
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());
  v1::ScoreArchitectureRequest request = ScoreRequest(kMixedArch, 7, 4, 2);
  for (const char* name : {"params", "nwot"}) {
    request.mutable_options()->add_measure_names(name);
  }
  request.mutable_options()->set_proxy_batch_size(8);
  v1::ScoreArchitectureResponse r;
  grpc::Status status = Score(*stub, request, &r);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const auto sample = [&](const std::string& name, const std::string& metric) {
    return FindSample(HttpGet(server->metrics_port(), "/metrics"), name,
                      {{"metric", metric}, {"space", "nb201"}})
        .value_or(0.0);
  };
  // Two repeats: two networks for each proxy; κ and R were not asked for.
  EXPECT_EQ(sample("tenas_evaluations_total", "params"), 2.0);
  EXPECT_EQ(sample("tenas_evaluations_total", "nwot"), 2.0);
  EXPECT_EQ(sample("tenas_evaluations_total", "synflow"), 0.0);
  EXPECT_EQ(sample("tenas_evaluations_total", "ntk"), 0.0);
  EXPECT_EQ(sample("tenas_evaluation_duration_seconds_count", "proxies"), 2.0);

  // A search pruning on lr + params measures params on the origin and the
  // candidate of every (candidate, repeat).
  StreamResult<v1::SearchEvent> got =
      RunSearchWith(*stub, /*seed=*/5, {"lr", "params"});
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  int scored = 0;
  for (const v1::SearchEvent& e : got.messages)
    scored += e.has_candidate_scored();
  ASSERT_GT(scored, 0);
  EXPECT_EQ(sample("tenas_evaluations_total", "params"), 2.0 + 2 * scored);
  EXPECT_EQ(sample("tenas_evaluations_total", "nwot"), 2.0);
  EXPECT_EQ(sample("tenas_evaluations_total", "ntk"), 2.0 * scored);
}

TEST(MeasuresCacheTest, DifferentMeasuresAreDifferentEntries) {
  server::ServerOptions options = TestServerOptions();
  options.state_dir = FreshTempDir("measures_cache");  // the cache's store
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());
  const v1::ScoreArchitectureRequest plain = ScoreRequest(kPoolArch, 2);
  v1::ScoreArchitectureRequest proxies = plain;
  proxies.mutable_options()->add_measure_names("params");
  proxies.mutable_options()->add_measure_names("synflow");
  proxies.mutable_options()->set_proxy_batch_size(8);

  v1::ScoreArchitectureResponse a, b, c, d;
  ASSERT_TRUE(Score(*stub, plain, &a).ok());
  EXPECT_FALSE(a.cached());
  EXPECT_EQ(Names(a), (std::vector<std::string>{"ntk", "lr"}));
  grpc::Status status = Score(*stub, proxies, &b);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(b.cached());
  EXPECT_EQ(Names(b), (std::vector<std::string>{"params", "synflow"}));
  ASSERT_TRUE(Score(*stub, proxies, &c).ok());
  EXPECT_TRUE(c.cached());
  EXPECT_EQ(Names(c), (std::vector<std::string>{"params", "synflow"}));
  EXPECT_EQ(c.measures(1).values(0), b.measures(1).values(0));
  ASSERT_TRUE(Score(*stub, plain, &d).ok());
  EXPECT_TRUE(d.cached());
  EXPECT_EQ(Names(d), (std::vector<std::string>{"ntk", "lr"}));
  EXPECT_EQ(d.ntk_condition_number(), a.ntk_condition_number());
}

TEST(MeasuresCacheTest, KeyCoversMeasuresAndProxyBatch) {
  auto arch = server::ParseArchitectureProto(
      ScoreRequest(kMixedArch).architecture(), "architecture");
  ASSERT_TRUE(arch.ok());
  measures::ScoreOptions o;
  const std::string base = server::ResultCache::Key(*arch, "cifar10", o);
  measures::ScoreOptions nwot = o;
  measures::SetMeasures({measures::Measure::kNtk, measures::Measure::kRegions,
                         measures::Measure::kNwot},
                        nwot);
  const std::string with_nwot =
      server::ResultCache::Key(*arch, "cifar10", nwot);
  EXPECT_NE(with_nwot, base);
  measures::ScoreOptions snip = nwot;
  snip.proxies = {measures::Measure::kSnip};
  EXPECT_NE(server::ResultCache::Key(*arch, "cifar10", snip), with_nwot);
  nwot.proxy_batch_size = 8;
  EXPECT_NE(server::ResultCache::Key(*arch, "cifar10", nwot), with_nwot);
  // Without a proxy the proxy batch changes nothing.
  measures::ScoreOptions plain = o;
  plain.proxy_batch_size = 8;
  EXPECT_EQ(server::ResultCache::Key(*arch, "cifar10", plain), base);
}

TEST(MeasuresStoreTest, StoredRoundKeepsTheProxies) {
  search::RoundRecord record;
  record.round = 2;
  record.stage = "ops";
  record.prune_number = 1;
  search::CandidateRecord c;
  c.deltas.id = {0, 3, 2};
  c.proxies = {measures::Measure::kParams, measures::Measure::kNwot};
  search::RepeatMeasurement r;
  r.kappa_origin = 10;
  r.kappa_candidate = 9;
  r.regions_origin = 800;
  r.regions_candidate = 700;
  r.proxy_origin = {1.5, 250.25};
  r.proxy_candidate = {1.25, 240.5};
  c.repeats = {r, r};
  c.repeats[1].proxy_origin[1] = 251.0;
  c.deltas.proxy_deltas = {{0.167, 0.167}, {0.039, 0.042}};
  c.deltas.proxy_delta = {0.167, 0.0405};
  record.candidates.push_back(c);
  record.candidates.push_back(search::CandidateRecord{});  // no proxies
  const search::AliveMask alive = {{{false, true, true}}};

  auto back = server::RecordFromStoredRound(
      server::StoredRoundFromRecord(record, alive));
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->candidates.size(), 2u);
  const search::CandidateRecord& got = back->candidates[0];
  EXPECT_EQ(got.proxies, c.proxies);
  ASSERT_EQ(got.repeats.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(got.repeats[i].proxy_origin, c.repeats[i].proxy_origin);
    EXPECT_EQ(got.repeats[i].proxy_candidate, c.repeats[i].proxy_candidate);
    EXPECT_EQ(got.repeats[i].kappa_origin, c.repeats[i].kappa_origin);
  }
  EXPECT_EQ(got.deltas.proxy_deltas, c.deltas.proxy_deltas);
  EXPECT_EQ(got.deltas.proxy_delta, c.deltas.proxy_delta);
  EXPECT_TRUE(back->candidates[1].proxies.empty());
  EXPECT_TRUE(back->candidates[1].repeats.empty());

  // The events name each proxy with its per-repeat values and deltas.
  v1::SearchEvent event;
  search::SearchEvent e;
  e.type = search::SearchEvent::Type::kCandidateScored;
  e.candidate = &c;
  server::SearchEventToProto(search::SpaceKind::kNb201, e, &event);
  const v1::CandidateScored& scored = event.candidate_scored();
  ASSERT_EQ(scored.proxies_size(), 2);
  EXPECT_EQ(scored.proxies(0).measure(), "params");
  EXPECT_EQ(scored.proxies(1).measure(), "nwot");
  EXPECT_EQ(scored.proxies(1).delta(), 0.0405);
  ASSERT_EQ(scored.proxies(1).origin_size(), 2);
  EXPECT_EQ(scored.proxies(1).origin(1), 251.0);
  EXPECT_EQ(scored.proxies(1).candidate(0), 240.5);
  ASSERT_EQ(scored.proxies(1).deltas_size(), 2);
  EXPECT_EQ(scored.proxies(1).deltas(1), 0.042);
}

}  // namespace
}  // namespace tenas::server_test
