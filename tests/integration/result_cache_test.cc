// Copyright 2026 The tenas Authors.
//
// The ScoreArchitecture result cache: a repeated request is answered from
// the store (marked cached, same values, counted as a hit), also after a
// restart with the same --state-dir; any option that changes the result
// misses; --no-cache turns it off; the key covers what the answer depends on.

#include "server/result_cache.h"

#include "server_testing.h"

namespace tenas::server_test {
namespace {

// The value of the metric line starting with `prefix` in /metrics (-1 when
// absent).
double Metric(server::TenasServer& server, const std::string& prefix) {
  const std::string body = HttpGet(server.metrics_port(), "/metrics");
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    if (absl::StartsWith(line, prefix)) {
      double v = -1;
      if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &v)) return v;
    }
  }
  return -1;
}

TEST(ResultCacheTest, RepeatedRequestIsAHitAlsoAfterARestart) {
  const std::string dir = FreshTempDir("cache");
  server::ServerOptions options = TestServerOptions();
  options.state_dir = dir;
  const auto request = ScoreRequest(kMixedArch, /*seed=*/5);
  v1::ScoreArchitectureResponse first;
  {
    auto server = StartServer(options);
    ASSERT_NE(server, nullptr);
    auto stub = NewStub(server->port());
    ASSERT_TRUE(Score(*stub, request, &first).ok());
    EXPECT_FALSE(first.cached());
    v1::ScoreArchitectureResponse again;
    ASSERT_TRUE(Score(*stub, request, &again).ok());
    EXPECT_TRUE(again.cached());
    EXPECT_EQ(again.ntk_condition_number(), first.ntk_condition_number());
    EXPECT_EQ(again.linear_regions(), first.linear_regions());
    EXPECT_EQ(again.repeats_size(), first.repeats_size());
    EXPECT_EQ(Metric(*server, "tenas_cache_lookups_total{result=\"hit\"}"), 1);
    EXPECT_EQ(Metric(*server, "tenas_cache_lookups_total{result=\"miss\"}"), 1);
    EXPECT_EQ(Metric(*server, "tenas_cache_size{unit=\"entries\"}"), 1);

    // Another seed or batch is another result.
    v1::ScoreArchitectureResponse other;
    ASSERT_TRUE(Score(*stub, ScoreRequest(kMixedArch, 6), &other).ok());
    EXPECT_FALSE(other.cached());
    ASSERT_TRUE(Score(*stub, ScoreRequest(kMixedArch, 5, 6), &other).ok());
    EXPECT_FALSE(other.cached());
  }
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());
  v1::ScoreArchitectureResponse after;
  ASSERT_TRUE(Score(*stub, request, &after).ok());
  EXPECT_TRUE(after.cached());
  EXPECT_EQ(after.ntk_condition_number(), first.ntk_condition_number());
  EXPECT_EQ(Metric(*server, "tenas_cache_size{unit=\"entries\"}"), 3);

  // The streaming call uses the same cache.
  grpc::ClientContext context;
  v1::ScoreArchitecturesRequest batch;
  *batch.add_architectures() = request.architecture();
  batch.set_dataset("cifar10");
  *batch.mutable_options() = request.options();
  auto reader = stub->ScoreArchitectures(&context, batch);
  v1::ScoreArchitecturesResponse item;
  ASSERT_TRUE(reader->Read(&item));
  EXPECT_TRUE(item.result().cached());
  EXPECT_TRUE(reader->Finish().ok());
}

TEST(ResultCacheTest, NoCacheComputesEveryTime) {
  server::ServerOptions options = TestServerOptions();
  options.cache_max_bytes = 0;  // --no-cache
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());
  const auto request = ScoreRequest(kSkipArch, 1);
  v1::ScoreArchitectureResponse a, b;
  ASSERT_TRUE(Score(*stub, request, &a).ok());
  ASSERT_TRUE(Score(*stub, request, &b).ok());
  EXPECT_FALSE(a.cached());
  EXPECT_FALSE(b.cached());
  EXPECT_EQ(a.ntk_condition_number(), b.ntk_condition_number());
  EXPECT_EQ(Metric(*server, "tenas_cache_lookups_total{result=\"hit\"}"), 0);
}

TEST(ResultCacheTest, KeyCoversEveryInputOfTheAnswer) {
  auto arch = server::ParseArchitectureProto(
      ScoreRequest(kMixedArch).architecture(), "architecture");
  ASSERT_TRUE(arch.ok());
  measures::ScoreOptions o;
  const std::string base = server::ResultCache::Key(*arch, "cifar10", o);
  EXPECT_NE(base.find(server::CodeRevision()), std::string::npos);
  std::vector<std::function<void(measures::ScoreOptions&)>> changes = {
      [](auto& x) { x.seed = 1; },
      [](auto& x) { x.repeats = 2; },
      [](auto& x) { x.batch_size = 8; },
      [](auto& x) { x.init = nn::InitMode::kPaper; },
      [](auto& x) { x.fp64 = true; },
      [](auto& x) { x.compute_regions = false; },
      [](auto& x) { x.compute_ntk = false; },
      [](auto& x) { x.lr_batch_size = 10; },
      [](auto& x) { x.lr_num_batches = 1; },
      [](auto& x) { x.ntk_method = measures::NtkMethod::kReference; },
      [](auto& x) { x.ntk_max_memory_bytes = 1 << 20; },
      [](auto& x) { x.device = "cuda:0"; },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    measures::ScoreOptions changed;
    changes[i](changed);
    EXPECT_NE(server::ResultCache::Key(*arch, "cifar10", changed), base)
        << "change " << i;
  }
  EXPECT_NE(server::ResultCache::Key(*arch, "cifar100", o), base);
  auto other = server::ParseArchitectureProto(
      ScoreRequest(kSkipArch).architecture(), "architecture");
  EXPECT_NE(server::ResultCache::Key(*other, "cifar10", o), base);
}

}  // namespace
}  // namespace tenas::server_test
