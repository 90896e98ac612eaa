// Copyright 2026 The tenas Authors.
//
// The server's checkpoint policy (SearchManager + StateStore): once a
// client sees a search end, tenas.db itself holds it, so a copy of
// tenas.db alone taken while the server runs (a backup that forgets
// tenas.db-wal, or a log deleted after kill -9) keeps every finished
// search. (The real binaries' kill -9 and --backup-to cases run in
// state_data_loss_test.sh.)

#include <filesystem>
#include <string>

#include "server/state_store.h"
#include "server_testing.h"

namespace tenas::server_test {
namespace {

TEST(StateCheckpointTest, FinishedSearchIsInTheDatabaseFileWhileServerRuns) {
  const std::string dir = FreshTempDir("checkpointed_server");
  server::ServerOptions options = TestServerOptions();
  options.state_dir = dir;
  options.workers = 2;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());
  grpc::ClientContext context;
  GuardAgainstHangs(&context);
  auto reader = stub->RunSearch(&context, SearchRequest(/*seed=*/5));
  StreamResult<v1::SearchEvent> all = ReadAll(reader.get());
  ASSERT_TRUE(all.status.ok()) << all.status.error_message();
  ASSERT_FALSE(all.messages.empty());
  ASSERT_TRUE(all.messages.back().has_result());
  const std::string id = all.messages.front().search_id();

  // The server still runs and owns `dir`: copy its database file alone.
  const std::string copy = FreshTempDir("checkpointed_copy");
  std::filesystem::create_directories(copy);
  std::filesystem::copy_file(dir + "/tenas.db", copy + "/tenas.db");
  auto store = server::StateStore::Open(copy);
  ASSERT_TRUE(store.ok()) << store.status();
  auto searches = (*store)->LoadSearches();
  ASSERT_TRUE(searches.ok()) << searches.status();
  ASSERT_EQ(searches->size(), 1u);
  const server::StoredSearch& s = (*searches)[0];
  EXPECT_EQ(s.id, id);
  EXPECT_EQ(s.state, v1::SEARCH_STATE_SUCCEEDED);
  ASSERT_EQ(s.events.size(), all.messages.size());
  EXPECT_EQ(s.events.back().SerializeAsString(),
            all.messages.back().SerializeAsString());
}

}  // namespace
}  // namespace tenas::server_test
