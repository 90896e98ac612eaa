// Copyright 2026 The tenas Authors.
//
// server_search_test.cc: the search RPCs of the real TenasServer over real
// channels: RunSearch events, GetSearch / WatchSearch / ListSearches /
// CancelSearch, re-attaching after a disconnect, the search limit and
// shutdown during a search.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "integration/server_testing.h"

namespace tenas::server_test {
namespace {

/// Reads a RunSearch stream until `count` events arrived (fewer if it ends).
std::vector<v1::SearchEvent> ReadSome(grpc::ClientReader<v1::SearchEvent>* r,
                                      size_t count) {
  std::vector<v1::SearchEvent> events;
  v1::SearchEvent event;
  while (events.size() < count && r->Read(&event)) events.push_back(event);
  return events;
}

void ExpectSameEvents(const std::vector<v1::SearchEvent>& got,
                      const std::vector<v1::SearchEvent>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].SerializeAsString(), want[i].SerializeAsString())
        << "event " << i << ":\n"
        << got[i].DebugString() << "vs\n"
        << want[i].DebugString();
  }
}

/// Checks a whole NB201 search's events: 3 rounds, 54 candidates, a result.
void ExpectWholeNb201Search(const std::vector<v1::SearchEvent>& events,
                            const std::string& id) {
  ASSERT_FALSE(events.empty());
  ExpectContiguous(events, id, 0);
  EXPECT_TRUE(events.front().has_round_started());
  EXPECT_EQ(CountCandidates(events), 54);
  int rounds_started = 0, rounds_finished = 0, pruned = 0;
  for (const auto& e : events) {
    rounds_started += e.has_round_started() ? 1 : 0;
    rounds_finished += e.has_round_finished() ? 1 : 0;
    pruned += e.has_ops_pruned() ? 1 : 0;
  }
  EXPECT_EQ(rounds_started, 3);
  EXPECT_EQ(rounds_finished, 3);
  EXPECT_EQ(pruned, 3);
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    EXPECT_FALSE(events[i].has_result()) << "result before the end at " << i;
  }
  const v1::SearchEvent& last = events.back();
  ASSERT_TRUE(last.has_result());
  EXPECT_FALSE(last.result().arch().empty());
  EXPECT_FALSE(absl::StrContains(last.result().arch(), "none"))
      << last.result().arch();
  EXPECT_EQ(last.result().space(), "nb201");
  EXPECT_EQ(last.result().dataset(), "cifar10");
  EXPECT_EQ(last.result().rounds_size(), 3);
  EXPECT_EQ(last.result().batch_size(), 4);
}

class SearchServerTest : public ::testing::Test {
 protected:
  struct Finished {
    std::string id;
    std::vector<v1::SearchEvent> events;
    grpc::Status status;
  };

  static void SetUpTestSuite() {
    server::ServerOptions options = TestServerOptions();
    options.workers = 2;  // candidates of a round run in parallel
    server_ = StartServer(options).release();
  }
  static void TearDownTestSuite() {
    delete finished_;
    finished_ = nullptr;
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    stub_ = NewStub(server_->port());
  }

  /// One whole search run through RunSearch, shared by the tests that
  /// only look at a finished search (run by whichever needs it first).
  const Finished& FinishedSearch() {
    if (finished_ == nullptr) {
      finished_ = new Finished();
      grpc::ClientContext context;
      GuardAgainstHangs(&context);
      auto reader = stub_->RunSearch(&context, SearchRequest());
      StreamResult<v1::SearchEvent> got = ReadAll(reader.get());
      finished_->events = std::move(got.messages);
      finished_->status = got.status;
      if (!finished_->events.empty()) {
        finished_->id = finished_->events.front().search_id();
      }
    }
    return *finished_;
  }

  static server::TenasServer* server_;
  static Finished* finished_;
  std::unique_ptr<Stub> stub_;
};

server::TenasServer* SearchServerTest::server_ = nullptr;
SearchServerTest::Finished* SearchServerTest::finished_ = nullptr;

TEST_F(SearchServerTest, RunSearchStreamsEveryEventThenTheResult) {
  const Finished& f = FinishedSearch();
  ASSERT_TRUE(f.status.ok()) << f.status.error_message();
  ASSERT_FALSE(f.events.empty());
  EXPECT_TRUE(absl::StartsWith(f.id, "s-")) << f.id;
  ExpectWholeNb201Search(f.events, f.id);
  // Every candidate of a round is reported once, with one repeat.
  for (const auto& e : f.events) {
    if (!e.has_candidate_scored()) continue;
    EXPECT_EQ(e.candidate_scored().repeats_size(), 1);
    EXPECT_NE(e.candidate_scored().candidate().op(), "none");
  }
}

TEST_F(SearchServerTest, GetSearchReportsTheFinishedSearch) {
  const Finished& f = FinishedSearch();
  ASSERT_TRUE(f.status.ok()) << f.status.error_message();
  v1::SearchInfo info;
  grpc::Status status = GetSearch(*stub_, f.id, &info);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(info.search_id(), f.id);
  EXPECT_EQ(info.state(), v1::SEARCH_STATE_SUCCEEDED);
  EXPECT_EQ(info.events(), static_cast<int64_t>(f.events.size()));
  ASSERT_TRUE(info.has_result());
  EXPECT_EQ(info.result().arch(), f.events.back().result().arch());
  EXPECT_EQ(info.request().space(), v1::SEARCH_SPACE_NB201);
  EXPECT_EQ(info.request().seed(), SearchRequest().seed());
  EXPECT_TRUE(info.error().empty());
  EXPECT_GT(info.seconds(), 0);
}

TEST_F(SearchServerTest, WatchSearchReplaysAFinishedSearch) {
  const Finished& f = FinishedSearch();
  ASSERT_TRUE(f.status.ok()) << f.status.error_message();
  StreamResult<v1::SearchEvent> all = WatchAll(*stub_, f.id, 0);
  EXPECT_TRUE(all.status.ok()) << all.status.error_message();
  ExpectSameEvents(all.messages, f.events);

  const int64_t middle = static_cast<int64_t>(f.events.size()) / 2;
  StreamResult<v1::SearchEvent> tail = WatchAll(*stub_, f.id, middle);
  EXPECT_TRUE(tail.status.ok()) << tail.status.error_message();
  ExpectSameEvents(
      tail.messages,
      std::vector<v1::SearchEvent>(f.events.begin() + middle, f.events.end()));
  ASSERT_FALSE(tail.messages.empty());
  EXPECT_EQ(tail.messages.front().sequence(), middle);

  StreamResult<v1::SearchEvent> past =
      WatchAll(*stub_, f.id, static_cast<int64_t>(f.events.size()) + 10);
  EXPECT_TRUE(past.status.ok()) << past.status.error_message();
  EXPECT_TRUE(past.messages.empty());

  StreamResult<v1::SearchEvent> negative = WatchAll(*stub_, f.id, -1);
  EXPECT_EQ(negative.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(HasText(negative.status.error_message(), "from_sequence"));
}

TEST_F(SearchServerTest, ListSearchesAndCancelOfAFinishedSearch) {
  const Finished& f = FinishedSearch();
  ASSERT_TRUE(f.status.ok()) << f.status.error_message();
  grpc::ClientContext context;
  v1::ListSearchesResponse list;
  grpc::Status status =
      stub_->ListSearches(&context, v1::ListSearchesRequest(), &list);
  ASSERT_TRUE(status.ok()) << status.error_message();
  bool found = false;
  for (const auto& info : list.searches()) {
    if (info.search_id() != f.id) continue;
    found = true;
    EXPECT_EQ(info.state(), v1::SEARCH_STATE_SUCCEEDED);
    EXPECT_EQ(info.events(), static_cast<int64_t>(f.events.size()));
  }
  EXPECT_TRUE(found) << list.DebugString();

  // Cancelling a finished search changes nothing.
  v1::SearchState state = v1::SEARCH_STATE_UNSPECIFIED;
  status = CancelSearch(*stub_, f.id, &state);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(state, v1::SEARCH_STATE_SUCCEEDED);
  v1::SearchInfo info;
  ASSERT_TRUE(GetSearch(*stub_, f.id, &info).ok());
  EXPECT_EQ(info.state(), v1::SEARCH_STATE_SUCCEEDED);
}

TEST_F(SearchServerTest, CancelSearchStopsARunningSearch) {
  grpc::ClientContext context;
  GuardAgainstHangs(&context);
  auto reader = stub_->RunSearch(&context, SearchRequest(/*seed=*/5));
  // Wait for the first candidate: the search is running.
  std::vector<v1::SearchEvent> events;
  v1::SearchEvent event;
  while (reader->Read(&event)) {
    events.push_back(event);
    if (event.has_candidate_scored()) break;
  }
  ASSERT_FALSE(events.empty());
  const std::string id = events.front().search_id();
  ASSERT_FALSE(id.empty());

  v1::SearchState state = v1::SEARCH_STATE_UNSPECIFIED;
  grpc::Status status = CancelSearch(*stub_, id, &state);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(state, v1::SEARCH_STATE_CANCELLING);

  // The search stops instead of running to its end: no result, fewer than
  // its 54 candidates.
  StreamResult<v1::SearchEvent> rest = ReadAll(reader.get());
  EXPECT_EQ(rest.status.error_code(), grpc::StatusCode::CANCELLED)
      << rest.status.error_message();
  events.insert(events.end(), rest.messages.begin(), rest.messages.end());
  ExpectContiguous(events, id, 0);
  for (const auto& e : events) EXPECT_FALSE(e.has_result());
  EXPECT_LT(CountCandidates(events), 54);

  v1::SearchInfo info;
  ASSERT_TRUE(GetSearch(*stub_, id, &info).ok());
  EXPECT_EQ(info.state(), v1::SEARCH_STATE_CANCELLED);
  EXPECT_FALSE(info.has_result());
  EXPECT_EQ(info.events(), static_cast<int64_t>(events.size()));
  // A watcher of a cancelled search gets its events, then CANCELLED.
  StreamResult<v1::SearchEvent> watched = WatchAll(*stub_, id, 0);
  EXPECT_EQ(watched.status.error_code(), grpc::StatusCode::CANCELLED);
  ExpectSameEvents(watched.messages, events);
  // No longer counted once its stream has ended; its last evaluations
  // finish on the workers.
  EXPECT_EQ(ServerInfo(*stub_).active_searches(), 0);
  EXPECT_TRUE(WaitUntilIdle(*server_));
}

TEST_F(SearchServerTest, SearchOutlivesItsClientAndWatchSearchReattaches) {
  const Finished& f = FinishedSearch();  // the same search, seen whole
  ASSERT_TRUE(f.status.ok()) << f.status.error_message();

  auto context = std::make_unique<grpc::ClientContext>();
  auto reader = stub_->RunSearch(context.get(), SearchRequest());
  std::vector<v1::SearchEvent> first = ReadSome(reader.get(), 3);
  ASSERT_EQ(first.size(), 3u);
  const std::string id = first.front().search_id();
  ASSERT_FALSE(id.empty());
  EXPECT_NE(id, f.id);
  context->TryCancel();  // the client goes away
  v1::SearchEvent ignored;
  while (reader->Read(&ignored)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);

  v1::SearchInfo info;
  ASSERT_TRUE(GetSearch(*stub_, id, &info).ok());
  EXPECT_TRUE(info.state() == v1::SEARCH_STATE_RUNNING ||
              info.state() == v1::SEARCH_STATE_SUCCEEDED)
      << v1::SearchState_Name(info.state());

  StreamResult<v1::SearchEvent> watched = WatchAll(*stub_, id, 0);
  ASSERT_TRUE(watched.status.ok()) << watched.status.error_message();
  ExpectWholeNb201Search(watched.messages, id);
  // The replay starts with what the first client saw.
  ASSERT_GE(watched.messages.size(), first.size());
  ExpectSameEvents(
      std::vector<v1::SearchEvent>(watched.messages.begin(),
                                   watched.messages.begin() + first.size()),
      first);
  // Same request, same seed: the same search as the one seen whole.
  EXPECT_EQ(watched.messages.back().result().arch(),
            f.events.back().result().arch());
  ASSERT_TRUE(GetSearch(*stub_, id, &info).ok());
  EXPECT_EQ(info.state(), v1::SEARCH_STATE_SUCCEEDED);
}

TEST_F(SearchServerTest, MalformedSearchRequestsAreInvalidArgument) {
  struct Case {
    std::string name;
    std::function<void(v1::RunSearchRequest*)> mutate;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"space unspecified",
       [](auto* r) { r->set_space(v1::SEARCH_SPACE_UNSPECIFIED); }, "space"},
      {"prune_number too large", [](auto* r) { r->set_prune_number(8); },
       "prune_number"},
      {"prune_number negative", [](auto* r) { r->set_prune_number(-1); },
       "prune_number"},
      {"repeats too large", [](auto* r) { r->set_repeats(1000); }, "repeats"},
      {"repeats negative", [](auto* r) { r->set_repeats(-3); }, "repeats"},
      {"batch_size 1", [](auto* r) { r->set_batch_size(1); }, "batch_size"},
      {"unknown dataset", [](auto* r) { r->set_dataset("svhn"); }, "dataset"},
      {"dataset not loaded", [](auto* r) { r->set_dataset("cifar100"); },
       "dataset"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    v1::RunSearchRequest request = SearchRequest();
    c.mutate(&request);
    grpc::ClientContext context;
    auto reader = stub_->RunSearch(&context, request);
    StreamResult<v1::SearchEvent> got = ReadAll(reader.get());
    EXPECT_EQ(got.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << got.status.error_message();
    EXPECT_TRUE(HasText(got.status.error_message(), c.field + ":"));
    EXPECT_TRUE(got.messages.empty());
  }
  EXPECT_EQ(ServerInfo(*stub_).active_searches(), 0);
}

TEST_F(SearchServerTest, UnknownSearchIdIsNotFound) {
  const std::string id = "s-does-not-exist";
  v1::SearchInfo info;
  grpc::Status status = GetSearch(*stub_, id, &info);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(HasText(status.error_message(), id));
  v1::SearchState state;
  status = CancelSearch(*stub_, id, &state);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(HasText(status.error_message(), id));
  StreamResult<v1::SearchEvent> watched = WatchAll(*stub_, id, 0);
  EXPECT_EQ(watched.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(HasText(watched.status.error_message(), id));
  EXPECT_TRUE(watched.messages.empty());
  watched = WatchAll(*stub_, "", 0);
  EXPECT_EQ(watched.status.error_code(), grpc::StatusCode::NOT_FOUND);
}

// --- Limits and shutdown ----------------------------------------------------

TEST(SearchLimitTest, SearchPastMaxSearchesIsResourceExhausted) {
  server::ServerOptions options = TestServerOptions();
  options.max_searches = 1;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());

  grpc::ClientContext context;
  auto reader = stub->RunSearch(&context, SearchRequest());
  std::vector<v1::SearchEvent> first = ReadSome(reader.get(), 1);
  ASSERT_EQ(first.size(), 1u);
  const std::string id = first[0].search_id();
  EXPECT_EQ(ServerInfo(*stub).active_searches(), 1);

  {
    grpc::ClientContext second;
    auto r2 = stub->RunSearch(&second, SearchRequest(/*seed=*/2));
    StreamResult<v1::SearchEvent> got = ReadAll(r2.get());
    EXPECT_EQ(got.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << got.status.error_message();
    EXPECT_TRUE(HasText(got.status.error_message(), "searches"));
    EXPECT_TRUE(got.messages.empty());
  }

  v1::SearchState state;
  ASSERT_TRUE(CancelSearch(*stub, id, &state).ok());
  StreamResult<v1::SearchEvent> rest = ReadAll(reader.get());
  EXPECT_EQ(rest.status.error_code(), grpc::StatusCode::CANCELLED);
  // A search is no longer counted once its stream has ended.
  ASSERT_EQ(ServerInfo(*stub).active_searches(), 0);

  // The slot is free again.
  grpc::ClientContext third;
  auto r3 = stub->RunSearch(&third, SearchRequest(/*seed=*/3));
  std::vector<v1::SearchEvent> got3 = ReadSome(r3.get(), 1);
  ASSERT_EQ(got3.size(), 1u);
  ASSERT_TRUE(CancelSearch(*stub, got3[0].search_id(), &state).ok());
  StreamResult<v1::SearchEvent> rest3 = ReadAll(r3.get());
  EXPECT_EQ(rest3.status.error_code(), grpc::StatusCode::CANCELLED);
}

TEST(ServerShutdownTest, ShutdownDuringASearchInterruptsIt) {
  auto server = StartServer(TestServerOptions());
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());
  grpc::ClientContext context;
  auto reader = stub->RunSearch(&context, SearchRequest());
  std::vector<v1::SearchEvent> first = ReadSome(reader.get(), 2);
  ASSERT_EQ(first.size(), 2u);

  std::thread stopper([&] { server->Shutdown(); });
  StreamResult<v1::SearchEvent> rest = ReadAll(reader.get());
  stopper.join();
  // Interrupted, not run to its end: the stream ends without a result.
  EXPECT_TRUE(rest.status.error_code() == grpc::StatusCode::CANCELLED ||
              rest.status.error_code() == grpc::StatusCode::UNAVAILABLE)
      << rest.status.error_code() << ": " << rest.status.error_message();
  for (const auto& e : rest.messages) EXPECT_FALSE(e.has_result());
  EXPECT_LT(CountCandidates(first) + CountCandidates(rest.messages), 54);

  // Shutdown is idempotent, and the server refuses new calls.
  server->Shutdown();
  grpc::ClientContext late;
  GuardAgainstHangs(&late);
  v1::GetServerInfoResponse info;
  grpc::Status status =
      stub->GetServerInfo(&late, v1::GetServerInfoRequest(), &info);
  EXPECT_FALSE(status.ok());
}

}  // namespace
}  // namespace tenas::server_test
