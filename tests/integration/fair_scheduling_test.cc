// Copyright 2026 The tenas Authors.
//
// Fair scheduling under shared use (docs/RELIABILITY.md §6.7): scores and
// searches queue apart, so a running search never makes a score fail, and a
// ScoreArchitectures call with more items than the queue has slots is paced
// instead of failing its overflow. The worker is held (WorkerHold) while the
// queues fill, so every state the tests check is brought about, not timed.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "server_testing.h"

namespace tenas::server_test {
namespace {

using engine::EngineStats;
using engine::JobClass;

const v1::QueueInfo* FindQueue(const v1::GetServerInfoResponse& info,
                               const std::string& job_class) {
  for (const v1::QueueInfo& q : info.queues()) {
    if (q.job_class() == job_class) return &q;
  }
  return nullptr;
}

// Two searches fill the search queue while the only worker is held; scores
// still get in, up to their own queue's capacity, and are answered.
TEST(FairSchedulingTest, RunningSearchesNeverMakeAScoreFail) {
  server::ServerOptions options = TestServerOptions();
  options.workers = 1;
  options.max_queue = 2;
  options.max_searches = 2;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());

  WorkerHold hold(server->engine());
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::SearchEvent>>> readers;
  for (uint64_t seed : {11, 12}) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    GuardAgainstHangs(contexts.back().get());
    readers.push_back(
        stub->RunSearch(contexts.back().get(), SearchRequest(seed)));
  }
  // Both searches have queued their first round (a queue entry each).
  ASSERT_TRUE(server->engine().AwaitStats(
      [](const EngineStats& s) {
        return s.of(JobClass::kSearch).queued_requests == 2;
      },
      kHangGuard));

  // Two scores from other clients queue behind them ...
  std::vector<grpc::Status> answers(2);
  std::vector<std::thread> scorers;
  for (int i = 0; i < 2; ++i) {
    scorers.emplace_back([&, i] {
      v1::ScoreArchitectureResponse r;
      answers[i] = Score(*stub, ScoreRequest(kSkipArch, 400 + i), &r);
    });
  }
  ASSERT_TRUE(server->engine().AwaitStats(
      [](const EngineStats& s) {
        return s.of(JobClass::kScore).queued_requests == 2;
      },
      kHangGuard));
  v1::GetServerInfoResponse info = ServerInfo(*stub);
  const v1::QueueInfo* score = FindQueue(info, "score");
  const v1::QueueInfo* search = FindQueue(info, "search");
  ASSERT_NE(score, nullptr);
  ASSERT_NE(search, nullptr);
  EXPECT_EQ(score->queued_requests(), 2);
  EXPECT_EQ(score->capacity(), 2);
  EXPECT_EQ(search->queued_requests(), 2);
  EXPECT_EQ(search->capacity(), 2);
  EXPECT_GT(search->queued_jobs(), 2);  // a round is many evaluations
  EXPECT_EQ(search->clients(), 1);      // both searches are this client's
  EXPECT_EQ(info.queue_depth(), 4);
  // ... and only a third score, past the score queue's own capacity, is
  // refused.
  v1::ScoreArchitectureResponse r;
  grpc::Status third = Score(*stub, ScoreRequest(kSkipArch, 402), &r);
  EXPECT_EQ(third.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(HasText(third.error_message(), "score"));

  hold.Release();
  for (auto& t : scorers) t.join();
  for (const grpc::Status& s : answers) {
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
  // The searches were not disturbed: cancel them and see them end.
  for (auto& reader : readers) {
    v1::SearchEvent first;
    ASSERT_TRUE(reader->Read(&first));
    v1::SearchState state;
    EXPECT_TRUE(CancelSearch(*stub, first.search_id(), &state).ok());
    StreamResult<v1::SearchEvent> rest = ReadAll(reader.get());
    EXPECT_TRUE(rest.status.error_code() == grpc::StatusCode::CANCELLED ||
                rest.status.ok())
        << rest.status.error_message();
  }
  ASSERT_TRUE(WaitUntilIdle(*server));
  // Per-class counters reach GetServerInfo and /metrics.
  info = ServerInfo(*stub);
  EXPECT_GE(FindQueue(info, "search")->started_jobs(), 1);
  EXPECT_GE(FindQueue(info, "score")->started_jobs(), 3);  // hold + 2 scores
  EXPECT_EQ(FindQueue(info, "score")->rejected_requests(), 1);
  const std::string text = HttpGet(server->metrics_port(), "/metrics");
  EXPECT_EQ(FindSample(text, "tenas_queue_depth", {{"class", "score"}}), 0.0);
  EXPECT_EQ(FindSample(text, "tenas_queue_depth", {{"class", "search"}}), 0.0);
  EXPECT_GE(
      FindSample(text, "tenas_queue_wait_seconds_count", {{"class", "search"}})
          .value_or(0.0),
      1.0);
  EXPECT_GE(
      FindSample(text, "tenas_queue_wait_seconds_count", {{"class", "score"}})
          .value_or(0.0),
      3.0);
}

// 100 items against a queue of 4 on an idle server: every item is scored.
TEST(FairSchedulingTest, ScoreArchitecturesPacesMoreItemsThanTheQueueHolds) {
  server::ServerOptions options = TestServerOptions();
  options.workers = 1;
  options.max_queue = 4;
  options.cache_max_bytes = 0;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());

  v1::ScoreArchitecturesRequest request;
  request.set_dataset("cifar10");
  request.mutable_options()->set_batch_size(4);
  request.mutable_options()->set_repeats(1);
  const char* archs[] = {kSkipArch, kPoolArch};
  for (int i = 0; i < 100; ++i) {
    request.add_architectures()->set_nb201_arch(archs[i % 2]);
  }
  grpc::ClientContext context;
  GuardAgainstHangs(&context);
  auto reader = stub->ScoreArchitectures(&context, request);
  StreamResult<v1::ScoreArchitecturesResponse> got = ReadAll(reader.get());
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  ASSERT_EQ(got.messages.size(), 100u);
  std::vector<int> seen(100, 0);
  for (const auto& item : got.messages) {
    ASSERT_GE(item.index(), 0);
    ASSERT_LT(item.index(), 100);
    ++seen[item.index()];
    EXPECT_TRUE(item.has_result())
        << item.index() << ": " << item.error().message();
  }
  for (int n : seen) EXPECT_EQ(n, 1);
  v1::GetServerInfoResponse info = ServerInfo(*stub);
  EXPECT_EQ(FindQueue(info, "score")->rejected_requests(), 0);
  EXPECT_EQ(FindQueue(info, "score")->started_jobs(), 100);
}

}  // namespace
}  // namespace tenas::server_test
