// Copyright 2026 The tenas Authors.
//
// Durable searches (SearchManager + StateStore): a search interrupted by a
// shutdown resumes on the next start with the same --state-dir, from its
// last completed round, and ends with the uninterrupted run's result; a
// finished search is served again after a restart, and a failed one ends
// with the code it failed with, live and after a restart. (The kill -9 case
// runs the real binaries: search_crash_resume_test.sh.)

#include "server/state_store.h"
#include "server_testing.h"

namespace tenas::server_test {
namespace {

server::ServerOptions DurableOptions(const std::string& dir) {
  server::ServerOptions options = TestServerOptions();
  options.state_dir = dir;
  options.workers = 2;
  return options;
}

// The result without its timings: what must not depend on interruptions.
std::string Comparable(v1::SearchResult result) {
  result.set_seconds(0);
  for (auto& round : *result.mutable_rounds()) round.set_seconds(0);
  return result.SerializeAsString();
}

v1::SearchResult ResultOf(const std::vector<v1::SearchEvent>& events) {
  EXPECT_FALSE(events.empty());
  if (events.empty() || !events.back().has_result()) {
    ADD_FAILURE() << "no result event";
    return {};
  }
  return events.back().result();
}

TEST(SearchDurabilityTest,
     InterruptedSearchResumesAndMatchesAnUninterruptedRun) {
  const v1::RunSearchRequest request = SearchRequest(/*seed=*/7);
  v1::SearchResult uninterrupted;
  {
    auto server = StartServer(DurableOptions(FreshTempDir("straight")));
    ASSERT_NE(server, nullptr);
    auto stub = NewStub(server->port());
    grpc::ClientContext context;
    auto reader = stub->RunSearch(&context, request);
    StreamResult<v1::SearchEvent> all = ReadAll(reader.get());
    ASSERT_TRUE(all.status.ok()) << all.status.error_message();
    uninterrupted = ResultOf(all.messages);
    ASSERT_GE(uninterrupted.rounds_size(), 2);
  }

  const std::string dir = FreshTempDir("interrupted");
  std::string id;
  {
    auto server = StartServer(DurableOptions(dir));
    ASSERT_NE(server, nullptr);
    auto stub = NewStub(server->port());
    grpc::ClientContext context;
    auto reader = stub->RunSearch(&context, request);
    v1::SearchEvent event;
    while (reader->Read(&event) && !event.has_round_finished()) {
    }
    ASSERT_TRUE(event.has_round_finished());
    id = event.search_id();
    server->Shutdown();  // SIGTERM's path: interrupt, do not cancel
    StreamResult<v1::SearchEvent> rest = ReadAll(reader.get());
    EXPECT_EQ(rest.status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << rest.status.error_message();
    EXPECT_TRUE(HasText(rest.status.error_message(), "resumes"));
  }

  server::ServerOptions restart = DurableOptions(dir);
  restart.max_searches_per_client = 1;
  auto server = StartServer(restart);
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());
  v1::SearchInfo info;
  ASSERT_TRUE(GetSearch(*stub, id, &info).ok());  // known after the restart
  {
    // The resumed search still belongs to its client (this test's address).
    grpc::ClientContext context;
    auto reader = stub->RunSearch(&context, SearchRequest(/*seed=*/8));
    StreamResult<v1::SearchEvent> refused = ReadAll(reader.get());
    EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << refused.status.error_message();
  }
  StreamResult<v1::SearchEvent> all = WatchAll(*stub, id, 0);
  ASSERT_TRUE(all.status.ok()) << all.status.error_message();
  ExpectContiguous(all.messages, id, 0);
  EXPECT_EQ(Comparable(ResultOf(all.messages)), Comparable(uninterrupted));
  // Each round's events appear once: the interrupted round's partial
  // events were dropped before it ran again.
  int started = 0, finished = 0;
  for (const auto& e : all.messages) {
    started += e.has_round_started() ? 1 : 0;
    finished += e.has_round_finished() ? 1 : 0;
  }
  EXPECT_EQ(started, uninterrupted.rounds_size());
  EXPECT_EQ(finished, uninterrupted.rounds_size());
  ASSERT_TRUE(GetSearch(*stub, id, &info).ok());
  EXPECT_EQ(info.state(), v1::SEARCH_STATE_SUCCEEDED);
  EXPECT_EQ(Comparable(info.result()), Comparable(uninterrupted));
}

TEST(SearchDurabilityTest, FinishedAndCancelledSearchesAreServedAfterARestart) {
  const std::string dir = FreshTempDir("finished");
  std::string done_id, cancelled_id;
  std::vector<v1::SearchEvent> done_events;
  {
    auto server = StartServer(DurableOptions(dir));
    ASSERT_NE(server, nullptr);
    auto stub = NewStub(server->port());
    grpc::ClientContext context;
    auto reader = stub->RunSearch(&context, SearchRequest(/*seed=*/3));
    StreamResult<v1::SearchEvent> all = ReadAll(reader.get());
    ASSERT_TRUE(all.status.ok());
    done_events = all.messages;
    done_id = all.messages.front().search_id();

    grpc::ClientContext second;
    auto r2 = stub->RunSearch(&second, SearchRequest(/*seed=*/4));
    v1::SearchEvent first;
    ASSERT_TRUE(r2->Read(&first));
    cancelled_id = first.search_id();
    v1::SearchState state;
    ASSERT_TRUE(CancelSearch(*stub, cancelled_id, &state).ok());
    EXPECT_EQ(ReadAll(r2.get()).status.error_code(),
              grpc::StatusCode::CANCELLED);
  }
  auto server = StartServer(DurableOptions(dir));
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());
  StreamResult<v1::SearchEvent> replay = WatchAll(*stub, done_id, 0);
  ASSERT_TRUE(replay.status.ok());
  ASSERT_EQ(replay.messages.size(), done_events.size());
  for (size_t i = 0; i < done_events.size(); ++i) {
    EXPECT_EQ(replay.messages[i].SerializeAsString(),
              done_events[i].SerializeAsString());
  }
  v1::SearchInfo info;
  ASSERT_TRUE(GetSearch(*stub, cancelled_id, &info).ok());
  EXPECT_EQ(info.state(), v1::SEARCH_STATE_CANCELLED);
  EXPECT_EQ(WatchAll(*stub, cancelled_id, 0).status.error_code(),
            grpc::StatusCode::CANCELLED);
  EXPECT_EQ(ServerInfo(*stub).active_searches(), 0);  // nothing resumed
}

// The end of a search watched from its first event: its status and events.
StreamResult<v1::SearchEvent> WatchFromStart(server::TenasServer& server,
                                             const std::string& id) {
  auto stub = NewStub(server.port());
  return WatchAll(*stub, id, 0);
}

TEST(SearchDurabilityTest, FailedSearchKeepsItsStatusCodeAcrossRestarts) {
  const std::string dir = FreshTempDir("failed");
  std::string id;
  {
    // A search interrupted after its first round.
    auto server = StartServer(DurableOptions(dir));
    ASSERT_NE(server, nullptr);
    auto stub = NewStub(server->port());
    grpc::ClientContext context;
    auto reader = stub->RunSearch(&context, SearchRequest(/*seed=*/9));
    v1::SearchEvent event;
    while (reader->Read(&event) && !event.has_round_finished()) {
    }
    ASSERT_TRUE(event.has_round_finished());
    id = event.search_id();
    server->Shutdown();
    ReadAll(reader.get());
  }
  {
    // Its stored first round now prunes `none`, which is never alive: the
    // resumed search fails with INVALID_ARGUMENT.
    auto store = server::StateStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    auto searches = (*store)->LoadSearches();
    ASSERT_TRUE(searches.ok()) << searches.status();
    ASSERT_EQ(searches->size(), 1u);
    ASSERT_GE((*searches)[0].rounds.size(), 1u);
    internal::StoredRound round = (*searches)[0].rounds[0];
    round.clear_pruned();
    internal::StoredOp* none = round.add_pruned();
    none->set_cell_type(0);
    none->set_edge(0);
    none->set_op(0);
    ASSERT_TRUE((*store)->SaveRound(id, round).ok());
  }
  std::string live_message;
  {
    auto server = StartServer(DurableOptions(dir));
    ASSERT_NE(server, nullptr);
    StreamResult<v1::SearchEvent> live = WatchFromStart(*server, id);
    EXPECT_EQ(live.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << live.status.error_message();
    EXPECT_TRUE(HasText(live.status.error_message(), "not alive"));
    live_message = live.status.error_message();
    auto stub = NewStub(server->port());
    v1::SearchInfo info;
    ASSERT_TRUE(GetSearch(*stub, id, &info).ok());
    EXPECT_EQ(info.state(), v1::SEARCH_STATE_FAILED);
    EXPECT_EQ(info.error(), live_message);
  }
  // After another restart the failure reads back with the same code and
  // message (it used to come back as INTERNAL).
  auto server = StartServer(DurableOptions(dir));
  ASSERT_NE(server, nullptr);
  StreamResult<v1::SearchEvent> replay = WatchFromStart(*server, id);
  EXPECT_EQ(replay.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << replay.status.error_message();
  EXPECT_EQ(replay.status.error_message(), live_message);
  auto stub = NewStub(server->port());
  v1::SearchInfo info;
  ASSERT_TRUE(GetSearch(*stub, id, &info).ok());
  EXPECT_EQ(info.state(), v1::SEARCH_STATE_FAILED);
  EXPECT_EQ(info.error(), live_message);
  EXPECT_EQ(ServerInfo(*stub).active_searches(), 0);
}

TEST(SearchDurabilityTest, StoredFailureCodesAreServedAfterARestart) {
  const std::string dir = FreshTempDir("stored_codes");
  const std::vector<absl::Status> failures = {
      absl::ResourceExhaustedError("out of device memory"),
      absl::FailedPreconditionError("dataset 'cifar100' is not loaded"),
      absl::InternalError("search failed in LibTorch: boom"),
  };
  {
    auto store = server::StateStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    for (size_t i = 0; i < failures.size(); ++i) {
      const std::string id = absl::StrCat("s-failed-", i);
      ASSERT_TRUE((*store)->InsertSearch(id, SearchRequest(), "cifar10").ok());
      ASSERT_TRUE((*store)
                      ->SetSearchState(id, v1::SEARCH_STATE_FAILED, failures[i])
                      .ok());
    }
  }
  auto server = StartServer(DurableOptions(dir));
  ASSERT_NE(server, nullptr);
  for (size_t i = 0; i < failures.size(); ++i) {
    SCOPED_TRACE(failures[i].ToString());
    StreamResult<v1::SearchEvent> replay =
        WatchFromStart(*server, absl::StrCat("s-failed-", i));
    EXPECT_EQ(static_cast<int>(replay.status.error_code()),
              static_cast<int>(failures[i].code()));
    EXPECT_EQ(replay.status.error_message(), failures[i].message());
  }
}

}  // namespace
}  // namespace tenas::server_test
