// Copyright 2026 The tenas Authors.
//
// StateStore: the SQLite state of tenas-server. Searches, events and rounds
// survive a reopen, with the status code a search ended with; a database of
// the first schema is migrated; a search with damaged rows is quarantined
// while the others load; the result cache evicts least recently used
// entries to its byte bound; an unusable state dir fails at open with a
// clear error; a second store on a directory in use is refused. No silent
// data loss: the database and the directory record its initialisation; a
// damaged database, or a lost one (missing, empty, without its schema) in a
// directory that held one, is refused until --state-reset; checkpoints put
// finished work into tenas.db itself; Backup copies the live database.

#include "server/state_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "server/sqlite_statement.h"
#include "server_testing.h"

namespace tenas::server {
namespace {

using server_test::FreshTempDir;
using server_test::HasText;
namespace fs = std::filesystem;

/// The first column of the first row of `sql` on the database file `path`
/// ("" when no row), read with plain SQLite.
std::string Query(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  std::string value;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) ==
      SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0)) {
      value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return value;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Files of `dir` whose names start with `prefix`.
int CountFiles(const std::string& dir, const std::string& prefix) {
  int n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind(prefix, 0) == 0) ++n;
  }
  return n;
}

bool Has(const absl::Status& status, absl::string_view text) {
  return status.message().find(text) != absl::string_view::npos;
}

v1::SearchEvent Event(int64_t sequence, int round) {
  v1::SearchEvent e;
  e.set_sequence(sequence);
  e.mutable_round_started()->set_round(round);
  return e;
}

TEST(StateStoreTest, SearchesEventsAndRoundsSurviveAReopen) {
  const std::string dir = FreshTempDir("reopen");
  v1::RunSearchRequest request;
  request.set_seed(42);
  request.set_space(v1::SEARCH_SPACE_NB201);
  {
    auto store = StateStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_TRUE((*store)->durable());
    ASSERT_TRUE((*store)
                    ->InsertSearch("s-1", request, "cifar10", "ipv4:10.0.0.7")
                    .ok());
    ASSERT_TRUE((*store)->InsertSearch("s-2", request, "cifar100").ok());
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE((*store)->AppendEvent("s-1", Event(i, i / 2)).ok());
    }
    internal::StoredRound round;
    round.set_round(0);
    round.set_stage("ops");
    round.add_pruned()->set_op(3);
    ASSERT_TRUE((*store)->SaveRound("s-1", round).ok());
    ASSERT_TRUE((*store)->TruncateEvents("s-1", 3).ok());
    ASSERT_TRUE((*store)
                    ->SetSearchState("s-2", v1::SEARCH_STATE_FAILED,
                                     absl::ResourceExhaustedError("boom"))
                    .ok());
    // The same id twice is an error, not a silent overwrite.
    EXPECT_FALSE((*store)->InsertSearch("s-1", request, "cifar10").ok());
  }
  auto store = StateStore::Open(dir);
  ASSERT_TRUE(store.ok()) << store.status();
  auto searches = (*store)->LoadSearches();
  ASSERT_TRUE(searches.ok()) << searches.status();
  ASSERT_EQ(searches->size(), 2u);
  const StoredSearch& s1 = (*searches)[0];
  EXPECT_EQ(s1.id, "s-1");  // creation order
  EXPECT_EQ(s1.request.seed(), 42u);
  EXPECT_EQ(s1.dataset, "cifar10");
  EXPECT_EQ(s1.client, "ipv4:10.0.0.7");
  EXPECT_EQ(s1.state, v1::SEARCH_STATE_QUEUED);
  ASSERT_EQ(s1.events.size(), 3u);  // 3 and 4 truncated
  EXPECT_EQ(s1.events[2].round_started().round(), 1);
  ASSERT_EQ(s1.rounds.size(), 1u);
  EXPECT_EQ(s1.rounds[0].pruned(0).op(), 3);
  EXPECT_EQ((*searches)[1].state, v1::SEARCH_STATE_FAILED);
  EXPECT_EQ((*searches)[1].error, "boom");
  EXPECT_EQ((*searches)[1].code, absl::StatusCode::kResourceExhausted);

  ASSERT_TRUE((*store)->DeleteSearch("s-1").ok());
  searches = (*store)->LoadSearches();
  ASSERT_TRUE(searches.ok());
  ASSERT_EQ(searches->size(), 1u);
  EXPECT_EQ((*searches)[0].id, "s-2");
}

TEST(StateStoreTest,
     SecondStoreOnTheSameDirectoryIsRefusedUntilTheFirstCloses) {
  const std::string dir = FreshTempDir("one_owner");
  auto first = StateStore::Open(dir);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = StateStore::Open(dir);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(
      second.status().message().find(absl::StrCat(
          dir, " is in use by another tenas-server (pid ", getpid(), ")")),
      std::string::npos)
      << second.status();
  first->reset();
  auto third = StateStore::Open(dir);
  EXPECT_TRUE(third.ok()) << third.status();
}

TEST(StateStoreTest, DamagedSearchesAreQuarantinedAndTheOthersLoad) {
  const std::string dir = FreshTempDir("damaged");
  v1::RunSearchRequest request;
  request.set_seed(5);
  {
    auto store = StateStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    for (const char* id : {"good", "bad-event", "bad-state"}) {
      ASSERT_TRUE((*store)->InsertSearch(id, request, "cifar10").ok());
      ASSERT_TRUE((*store)->AppendEvent(id, Event(0, 0)).ok());
      ASSERT_TRUE((*store)->AppendEvent(id, Event(1, 0)).ok());
    }
  }
  {
    // Damage by hand: a blob that is no protobuf, and a state no enum has.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir + "/tenas.db").c_str(), &db), SQLITE_OK);
    absl::Status damaged =
        SqliteExec(db,
                   "UPDATE events SET event = x'ffffffff0f' "
                   "  WHERE search_id = 'bad-event' AND sequence = 1;"
                   "UPDATE searches SET state = 57 WHERE id = 'bad-state';");
    sqlite3_close(db);
    ASSERT_TRUE(damaged.ok()) << damaged;
  }
  for (int start = 0; start < 2; ++start) {  // The verdict is stored.
    auto store = StateStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    auto searches = (*store)->LoadSearches();
    ASSERT_TRUE(searches.ok()) << searches.status();
    ASSERT_EQ(searches->size(), 3u);
    const StoredSearch& good = (*searches)[0];
    EXPECT_FALSE(good.quarantined);
    EXPECT_EQ(good.state, v1::SEARCH_STATE_QUEUED);
    EXPECT_EQ(good.events.size(), 2u);
    EXPECT_EQ(good.request.seed(), 5u);
    const StoredSearch& bad_event = (*searches)[1];
    EXPECT_EQ(bad_event.state, v1::SEARCH_STATE_FAILED);
    EXPECT_EQ(bad_event.code, absl::StatusCode::kDataLoss);
    EXPECT_EQ(bad_event.error,
              "search bad-event is damaged in the state database (event 1 "
              "does not parse): quarantined as FAILED, not resumed");
    EXPECT_EQ(bad_event.events.size(), 1u);  // What precedes the damage.
    const StoredSearch& bad_state = (*searches)[2];
    EXPECT_EQ(bad_state.state, v1::SEARCH_STATE_FAILED);
    EXPECT_EQ(bad_state.code, absl::StatusCode::kDataLoss);
    EXPECT_EQ(bad_state.error,
              "search bad-state is damaged in the state database (unknown "
              "stored state 57): quarantined as FAILED, not resumed");
  }
}

TEST(StateStoreTest, EveryEndingKeepsItsStatusCode) {
  const std::string dir = FreshTempDir("codes");
  const std::vector<std::pair<v1::SearchState, absl::Status>> endings = {
      {v1::SEARCH_STATE_FAILED, absl::InvalidArgumentError("resume_rounds")},
      {v1::SEARCH_STATE_FAILED, absl::ResourceExhaustedError("memory")},
      {v1::SEARCH_STATE_FAILED, absl::InternalError("LibTorch")},
      {v1::SEARCH_STATE_CANCELLED, absl::CancelledError("search cancelled")},
      {v1::SEARCH_STATE_SUCCEEDED, absl::OkStatus()},
  };
  {
    auto store = StateStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    for (size_t i = 0; i < endings.size(); ++i) {
      const std::string id = absl::StrCat("s-", i);
      ASSERT_TRUE((*store)->InsertSearch(id, {}, "cifar10").ok());
      ASSERT_TRUE((*store)
                      ->SetSearchState(id, endings[i].first, endings[i].second)
                      .ok());
    }
  }
  auto store = StateStore::Open(dir);
  ASSERT_TRUE(store.ok()) << store.status();
  auto searches = (*store)->LoadSearches();
  ASSERT_TRUE(searches.ok()) << searches.status();
  ASSERT_EQ(searches->size(), endings.size());
  for (size_t i = 0; i < endings.size(); ++i) {
    SCOPED_TRACE(endings[i].second.ToString());
    EXPECT_EQ((*searches)[i].state, endings[i].first);
    EXPECT_EQ((*searches)[i].code, endings[i].second.code());
    EXPECT_EQ((*searches)[i].error, endings[i].second.message());
  }
}

// The tables of schema version 1, as its servers created them.
constexpr char kSchemaOne[] = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE searches(
  id TEXT PRIMARY KEY,
  created INTEGER NOT NULL,
  request BLOB NOT NULL,
  dataset TEXT NOT NULL,
  client TEXT NOT NULL DEFAULT '',
  state INTEGER NOT NULL,
  error TEXT NOT NULL DEFAULT '');
CREATE TABLE events(
  search_id TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  event BLOB NOT NULL,
  PRIMARY KEY(search_id, sequence));
CREATE TABLE rounds(
  search_id TEXT NOT NULL,
  round INTEGER NOT NULL,
  record BLOB NOT NULL,
  PRIMARY KEY(search_id, round));
CREATE TABLE score_cache(
  key TEXT PRIMARY KEY,
  value BLOB NOT NULL,
  bytes INTEGER NOT NULL,
  last_used INTEGER NOT NULL);
CREATE INDEX score_cache_lru ON score_cache(last_used);
INSERT INTO meta(key, value) VALUES ('schema', '1');
INSERT INTO searches(id, created, request, dataset, state, error)
  VALUES ('s-old', 1, x'', 'cifar10', 4, 'dataset gone');
INSERT INTO searches(id, created, request, dataset, state, error)
  VALUES ('s-done', 2, x'', 'cifar10', 3, '');
)sql";

TEST(StateStoreTest, SchemaOneDatabaseIsMigratedAndReadsCodesAsUnknown) {
  ASSERT_EQ(static_cast<int>(v1::SEARCH_STATE_FAILED), 4);
  ASSERT_EQ(static_cast<int>(v1::SEARCH_STATE_SUCCEEDED), 3);
  const std::string dir = FreshTempDir("schema_one");
  std::filesystem::create_directories(dir);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir + "/tenas.db").c_str(), &db), SQLITE_OK);
    absl::Status created = SqliteExec(db, kSchemaOne);
    sqlite3_close(db);
    ASSERT_TRUE(created.ok()) << created;
  }
  {
    auto store = StateStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    auto searches = (*store)->LoadSearches();
    ASSERT_TRUE(searches.ok()) << searches.status();
    ASSERT_EQ(searches->size(), 2u);
    EXPECT_EQ((*searches)[0].id, "s-old");
    EXPECT_EQ((*searches)[0].state, v1::SEARCH_STATE_FAILED);
    EXPECT_EQ((*searches)[0].error, "dataset gone");
    EXPECT_EQ((*searches)[0].code, absl::StatusCode::kUnknown);
    EXPECT_EQ((*searches)[1].state, v1::SEARCH_STATE_SUCCEEDED);
    // The migrated table stores codes.
    ASSERT_TRUE((*store)
                    ->SetSearchState("s-old", v1::SEARCH_STATE_FAILED,
                                     absl::FailedPreconditionError("gone"))
                    .ok());
  }
  auto store = StateStore::Open(dir);  // opening twice migrates nothing
  ASSERT_TRUE(store.ok()) << store.status();
  auto searches = (*store)->LoadSearches();
  ASSERT_TRUE(searches.ok()) << searches.status();
  EXPECT_EQ((*searches)[0].code, absl::StatusCode::kFailedPrecondition);
}

TEST(StateStoreTest, NewerSchemaIsRefused) {
  const std::string dir = FreshTempDir("schema_newer");
  {
    auto store = StateStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir + "/tenas.db").c_str(), &db), SQLITE_OK);
    absl::Status updated =
        SqliteExec(db, "UPDATE meta SET value = '99' WHERE key = 'schema'");
    sqlite3_close(db);
    ASSERT_TRUE(updated.ok()) << updated;
  }
  auto store = StateStore::Open(dir);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("schema version 99"),
            std::string::npos)
      << store.status();
}

TEST(StateStoreTest, CacheEvictsLeastRecentlyUsedToItsByteBound) {
  auto store = StateStore::Open(FreshTempDir("cache"));
  ASSERT_TRUE(store.ok()) << store.status();
  StateStore& s = **store;
  const std::string value(100, 'v');
  const int64_t bound = 3 * (2 + 100);  // three entries with 2-byte keys
  ASSERT_TRUE(s.CachePut("k1", value, bound).ok());
  ASSERT_TRUE(s.CachePut("k2", value, bound).ok());
  ASSERT_TRUE(s.CachePut("k3", value, bound).ok());
  EXPECT_EQ(s.cache_entries(), 3);
  EXPECT_EQ(s.cache_bytes(), bound);
  // Touch k1: k2 is now the least recently used, and goes first.
  auto hit = s.CacheGet("k1");
  ASSERT_TRUE(hit.ok() && hit->has_value());
  EXPECT_EQ(**hit, value);
  ASSERT_TRUE(s.CachePut("k4", value, bound).ok());
  EXPECT_EQ(s.cache_entries(), 3);
  EXPECT_LE(s.cache_bytes(), bound);
  EXPECT_FALSE(s.CacheGet("k2")->has_value());
  EXPECT_TRUE(s.CacheGet("k1")->has_value());
  EXPECT_TRUE(s.CacheGet("k4")->has_value());
  // Replacing a value keeps the byte count exact; a too-large value is not
  // stored.
  ASSERT_TRUE(s.CachePut("k4", "short", bound).ok());
  EXPECT_EQ(s.cache_bytes(), 2 * (2 + 100) + 2 + 5);
  ASSERT_TRUE(s.CachePut("big", std::string(1000, 'x'), bound).ok());
  EXPECT_FALSE(s.CacheGet("big")->has_value());
}

TEST(StateStoreTest, CacheSurvivesAReopenWithItsSize) {
  const std::string dir = FreshTempDir("cache_reopen");
  {
    auto store = StateStore::Open(dir);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->CachePut("key", "value", 1 << 20).ok());
  }
  auto store = StateStore::Open(dir);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->cache_entries(), 1);
  EXPECT_EQ((*store)->cache_bytes(), 8);
  auto hit = (*store)->CacheGet("key");
  ASSERT_TRUE(hit.ok() && hit->has_value());
  EXPECT_EQ(**hit, "value");
}

TEST(StateStoreTest, UnusableStateDirsFailAtOpenNamingTheFlag) {
  // Not a directory.
  const std::string file = FreshTempDir("a_file");
  {
    FILE* f = fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fclose(f);
  }
  auto not_dir = StateStore::Open(file);
  ASSERT_FALSE(not_dir.ok());
  EXPECT_EQ(not_dir.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(not_dir.status().message().find("--state-dir"), std::string::npos);
  EXPECT_NE(not_dir.status().message().find("not a directory"),
            std::string::npos);

  // Too little free space (a full disk): the check runs before any write.
  auto full = StateStore::Open(FreshTempDir("full"), int64_t{1} << 62);
  ASSERT_FALSE(full.ok());
  EXPECT_NE(full.status().message().find("free"), std::string::npos)
      << full.status();

  // On a filesystem nobody can write (even root).
  auto proc = StateStore::Open("/proc/self/tenas-state");
  ASSERT_FALSE(proc.ok());
  EXPECT_NE(proc.status().message().find("--state-dir"), std::string::npos)
      << proc.status();

  // A read-only directory (root may write anywhere: the case needs a user).
  if (geteuid() != 0) {
    const std::string ro = FreshTempDir("read_only");
    std::filesystem::create_directories(ro);
    chmod(ro.c_str(), 0500);
    auto denied = StateStore::Open(ro);
    ASSERT_FALSE(denied.ok());
    EXPECT_NE(denied.status().message().find("not writable"), std::string::npos)
        << denied.status();
    chmod(ro.c_str(), 0700);
  }
}

// --- no silent data loss ---------------------------------------------------

TEST(StateStoreTest, FreshDirectoryRecordsItsCreationAndStartsAgain) {
  const std::string dir = FreshTempDir("fresh");
  std::string created;
  {
    auto store = StateStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ((*store)->open_report(),
              absl::StrCat("created the state database ", dir, "/tenas.db"));
    // The marker is written once the database is initialised.
    EXPECT_TRUE(fs::exists(dir + "/tenas.marker"));
    // The schema and its meta rows are in tenas.db itself, not only in the
    // write-ahead log: a copy of tenas.db alone is initialised.
    fs::copy_file(dir + "/tenas.db", dir + "/copy.db");
    EXPECT_EQ(Query(dir + "/copy.db",
                    "SELECT value FROM meta WHERE key = "
                    "'schema'"),
              "2");
    created =
        Query(dir + "/copy.db", "SELECT value FROM meta WHERE key = 'created'");
    EXPECT_EQ(created.size(), 20u) << created;  // 2026-01-02T03:04:05Z
    EXPECT_EQ(created.back(), 'Z');
  }
  for (int start = 0; start < 2; ++start) {  // Later starts are plain opens.
    auto store = StateStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ((*store)->open_report(), "");
  }
  EXPECT_EQ(
      Query(dir + "/tenas.db", "SELECT value FROM meta WHERE key = 'created'"),
      created);
}

TEST(StateStoreTest, LockFileAloneIsNoEvidenceOfADatabase) {
  // A first start that failed after taking the lock (here: too little free
  // space) leaves tenas.lock and no database; the next start creates one.
  const std::string dir = FreshTempDir("lock_only");
  ASSERT_FALSE(StateStore::Open(dir, int64_t{1} << 62).ok());
  EXPECT_TRUE(fs::exists(dir + "/tenas.lock"));
  auto store = StateStore::Open(dir);
  ASSERT_TRUE(store.ok()) << store.status();
}

/// A state dir whose database holds one search, closed.
std::string DirWithOneSearch(const std::string& name) {
  const std::string dir = FreshTempDir(name);
  auto store = StateStore::Open(dir);
  EXPECT_TRUE(store.ok()) << store.status();
  if (store.ok()) {
    EXPECT_TRUE((*store)->InsertSearch("s-1", {}, "cifar10").ok());
  }
  return dir;
}

TEST(StateStoreTest, TruncatedDatabaseIsRefusedUntilStateReset) {
  const std::string dir = DirWithOneSearch("truncated");
  fs::resize_file(dir + "/tenas.db", 0);  // truncate -s 0 tenas.db
  auto refused = StateStore::Open(dir);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(refused.status().message(),
            absl::StrCat("--state-dir: ", dir,
                         ": tenas.db is empty (0 bytes) but tenas.marker "
                         "shows it held the state; refusing to start: "
                         "restore a backup, or start once with "
                         "--state-reset to move it aside and begin empty"));
  EXPECT_EQ(fs::file_size(dir + "/tenas.db"), 0u);  // nothing touched

  StateStoreOptions reset;
  reset.reset = true;
  {
    auto store = StateStore::Open(dir, reset);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_TRUE(HasText(
        (*store)->open_report(),
        absl::StrCat("--state-reset: ", dir, ": tenas.db is empty (0 bytes)")))
        << (*store)->open_report();
    EXPECT_TRUE(HasText((*store)->open_report(),
                        "starting with an empty "
                        "database"));
    EXPECT_TRUE((*store)->LoadSearches()->empty());
    ASSERT_TRUE((*store)->InsertSearch("s-2", {}, "cifar10").ok());
  }
  EXPECT_EQ(CountFiles(dir, "tenas.db.reset-"), 1);
  // The reset is done: the next start needs no flag and keeps its state.
  auto store = StateStore::Open(dir);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_EQ((*store)->LoadSearches()->size(), 1u);
}

TEST(StateStoreTest, MissingDatabaseIsRefusedUntilStateReset) {
  const std::string dir = DirWithOneSearch("missing");
  fs::remove(dir + "/tenas.db");
  auto refused = StateStore::Open(dir);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Has(refused.status(), "tenas.db is missing but tenas.marker"))
      << refused.status();
  EXPECT_TRUE(Has(refused.status(), "--state-reset")) << refused.status();
  EXPECT_FALSE(fs::exists(dir + "/tenas.db"));  // not created by the refusal
  StateStoreOptions reset;
  reset.reset = true;
  EXPECT_TRUE(StateStore::Open(dir, reset).ok());
}

TEST(StateStoreTest, EmptyDatabaseWithALeftoverLogIsRefusedWithoutMarker) {
  // tenas.db truncated after a kill -9: its log must not be replayed into
  // a new database, even in a directory of a server without the marker.
  const std::string dir = FreshTempDir("leftover_wal");
  fs::create_directories(dir);
  std::ofstream(dir + "/tenas.db-wal") << std::string(4096, 'w');
  std::ofstream(dir + "/tenas.db");
  auto refused = StateStore::Open(dir);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Has(refused.status(),
                  "tenas.db is empty (0 bytes) but tenas.db-wal holds 4096 "
                  "bytes"))
      << refused.status();
  StateStoreOptions reset;
  reset.reset = true;
  auto store = StateStore::Open(dir, reset);
  ASSERT_TRUE(store.ok()) << store.status();
  // Both moved aside, the log with its database.
  EXPECT_EQ(CountFiles(dir, "tenas.db.reset-"), 2);
}

TEST(StateStoreTest, DatabaseWithoutItsSchemaIsRefused) {
  // What deleting tenas.db-wal after a kill -9 left when nothing had been
  // checkpointed: a valid SQLite file without the tenas tables.
  const std::string dir = DirWithOneSearch("no_schema");
  fs::remove(dir + "/tenas.db");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir + "/tenas.db").c_str(), &db), SQLITE_OK);
    absl::Status made = SqliteExec(db, "PRAGMA journal_mode=WAL");
    sqlite3_close(db);
    ASSERT_TRUE(made.ok()) << made;
  }
  ASSERT_GT(fs::file_size(dir + "/tenas.db"), 0u);
  auto refused = StateStore::Open(dir);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Has(refused.status(),
                  absl::StrCat(dir,
                               ": tenas.db holds no tenas schema but "
                               "tenas.marker shows it held the state")))
      << refused.status();
  EXPECT_TRUE(Has(refused.status(), "--state-reset")) << refused.status();
  StateStoreOptions reset;
  reset.reset = true;
  auto store = StateStore::Open(dir, reset);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE((*store)->LoadSearches()->empty());
}

TEST(StateStoreTest, DamagedDatabaseFailsItsIntegrityCheckNamingTheFile) {
  // A file that is no database at all.
  const std::string garbage = DirWithOneSearch("garbage");
  std::ofstream(garbage + "/tenas.db", std::ios::trunc)
      << std::string(8192, 'x');
  auto refused = StateStore::Open(garbage);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Has(refused.status(),
                  absl::StrCat("--state-dir: ", garbage,
                               ": tenas.db fails its integrity check (")))
      << refused.status();
  EXPECT_TRUE(Has(refused.status(), "--state-reset")) << refused.status();
  EXPECT_EQ(refused.status().message().find('\n'), std::string::npos);

  // A database whose pages are damaged: quick_check finds it.
  const std::string dir = FreshTempDir("corrupt");
  {
    auto store = StateStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE((*store)
                      ->CachePut(absl::StrCat("key-", i),
                                 std::string(300, 'a' + i % 26), 1 << 30)
                      .ok());
    }
  }
  const uintmax_t size = fs::file_size(dir + "/tenas.db");
  ASSERT_GT(size, 8 * 4096u);
  {
    std::fstream f(dir + "/tenas.db",
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    const std::string noise(3 * 4096, '\xa5');
    f.write(noise.data(), static_cast<std::streamsize>(noise.size()));
  }
  const std::string damaged = ReadFile(dir + "/tenas.db");
  refused = StateStore::Open(dir);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Has(refused.status(), "tenas.db fails its integrity check"))
      << refused.status();
  EXPECT_EQ(refused.status().message().find('\n'), std::string::npos);
  // --state-reset moves it aside, byte for byte, and starts empty.
  StateStoreOptions reset;
  reset.reset = true;
  auto store = StateStore::Open(dir, reset);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->cache_entries(), 0);
  ASSERT_EQ(CountFiles(dir, "tenas.db.reset-"), 1);
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind("tenas.db.reset-", 0) == 0) {
      EXPECT_EQ(ReadFile(entry.path().string()), damaged);
    }
  }
}

TEST(StateStoreTest, StateResetKeepsASoundDatabase) {
  const std::string dir = DirWithOneSearch("sound_reset");
  StateStoreOptions reset;
  reset.reset = true;
  auto store = StateStore::Open(dir, reset);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(HasText((*store)->open_report(), "nothing to reset"))
      << (*store)->open_report();
  EXPECT_EQ((*store)->LoadSearches()->size(), 1u);
  EXPECT_EQ(CountFiles(dir, "tenas.db.reset-"), 0);
}

TEST(StateStoreTest, CheckpointPutsFinishedSearchesIntoTheDatabaseFile) {
  // Deleting tenas.db-wal (or backing up tenas.db alone) while the server
  // runs keeps what was checkpointed: every finished search.
  const std::string dir = FreshTempDir("checkpoint");
  StateStoreOptions options;
  options.checkpoint_interval = absl::Hours(1);  // only the explicit one
  auto store = StateStore::Open(dir, options);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->InsertSearch("s-done", {}, "cifar10").ok());
  ASSERT_TRUE((*store)->AppendEvent("s-done", Event(0, 0)).ok());
  ASSERT_TRUE((*store)
                  ->SetSearchState("s-done", v1::SEARCH_STATE_SUCCEEDED,
                                   absl::OkStatus())
                  .ok());
  ASSERT_TRUE((*store)->Checkpoint().ok());

  const std::string copy = FreshTempDir("checkpoint_copy");
  fs::create_directories(copy);
  fs::copy_file(dir + "/tenas.db", copy + "/tenas.db");
  fs::copy_file(dir + "/tenas.marker", copy + "/tenas.marker");
  auto restored = StateStore::Open(copy);
  ASSERT_TRUE(restored.ok()) << restored.status();
  auto searches = (*restored)->LoadSearches();
  ASSERT_TRUE(searches.ok()) << searches.status();
  ASSERT_EQ(searches->size(), 1u);
  EXPECT_EQ((*searches)[0].id, "s-done");
  EXPECT_EQ((*searches)[0].state, v1::SEARCH_STATE_SUCCEEDED);
  EXPECT_EQ((*searches)[0].events.size(), 1u);
}

TEST(StateStoreTest, BackgroundCheckpointReachesTheDatabaseFile) {
  const std::string dir = FreshTempDir("periodic");
  StateStoreOptions options;
  options.checkpoint_interval = absl::Milliseconds(20);
  auto store = StateStore::Open(dir, options);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->InsertSearch("s-1", {}, "cifar10").ok());
  // No explicit checkpoint: the store's thread copies the log in. Waits
  // until it has, bounded only against a hang.
  const std::string copy = dir + "/copy.db";
  const absl::Time give_up = absl::Now() + server_test::kHangGuard;
  std::string count;
  while (count != "1" && absl::Now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    fs::copy_file(dir + "/tenas.db", copy,
                  fs::copy_options::overwrite_existing);
    count = Query(copy, "SELECT COUNT(*) FROM searches");
  }
  EXPECT_EQ(count, "1");
  store->reset();  // the thread stops with the store
}

TEST(StateStoreTest, BackupCopiesTheLiveDatabaseWhileItsOwnerWrites) {
  const std::string dir = FreshTempDir("backup_src");
  const std::string out = FreshTempDir("backup_out");
  fs::create_directories(out);
  const std::string file = out + "/tenas-backup.db";
  auto store = StateStore::Open(dir);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->InsertSearch("s-1", {}, "cifar10").ok());
  ASSERT_TRUE((*store)->InsertSearch("s-2", {}, "cifar10").ok());
  ASSERT_TRUE(
      (*store)
          ->SetSearchState("s-1", v1::SEARCH_STATE_SUCCEEDED, absl::OkStatus())
          .ok());
  ASSERT_TRUE((*store)->CachePut("k", "v", 1 << 20).ok());

  // The owner holds the directory and has not checkpointed: the backup
  // reads through the log.
  auto report = StateStore::Backup(dir, file);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->source, dir + "/tenas.db");
  EXPECT_EQ(report->destination, file);
  EXPECT_EQ(report->searches, 2);
  EXPECT_EQ(report->cache_entries, 1);
  EXPECT_EQ(report->bytes, static_cast<int64_t>(fs::file_size(file)));
  EXPECT_FALSE(fs::exists(file + "-wal"));           // one self-contained file
  EXPECT_EQ(CountFiles(out, "tenas-backup.db"), 1);  // no temporary left
  // The owner goes on.
  ASSERT_TRUE((*store)->InsertSearch("s-3", {}, "cifar10").ok());

  // Restored as the tenas.db of a new state dir, it opens with the state.
  const std::string restored_dir = FreshTempDir("backup_restored");
  fs::create_directories(restored_dir);
  fs::copy_file(file, restored_dir + "/tenas.db");
  {
    auto restored = StateStore::Open(restored_dir);
    ASSERT_TRUE(restored.ok()) << restored.status();
    auto searches = (*restored)->LoadSearches();
    ASSERT_TRUE(searches.ok()) << searches.status();
    ASSERT_EQ(searches->size(), 2u);
    EXPECT_EQ((*searches)[0].id, "s-1");
    EXPECT_EQ((*searches)[0].state, v1::SEARCH_STATE_SUCCEEDED);
    EXPECT_TRUE((*restored)->CacheGet("k")->has_value());
  }

  // A second backup replaces the file whole; with the owner gone (no log
  // left beside the database) it works the same.
  store->reset();
  report = StateStore::Backup(dir, file);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->searches, 3);
  EXPECT_EQ(Query(file, "SELECT COUNT(*) FROM searches"), "3");
}

TEST(StateStoreTest, BackupErrorsNameWhatIsWrong) {
  const std::string empty_dir = FreshTempDir("backup_nothing");
  fs::create_directories(empty_dir);
  auto none = StateStore::Backup(empty_dir, empty_dir + "/b.db");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(
      none.status().message(),
      absl::StrCat("--backup-to: no database at ", empty_dir, "/tenas.db"));
  EXPECT_FALSE(StateStore::Backup("", "/tmp/b.db").ok());

  const std::string dir = DirWithOneSearch("backup_errors");
  auto nowhere = StateStore::Backup(dir, dir + "/no/such/folder/b.db");
  ASSERT_FALSE(nowhere.ok());
  EXPECT_EQ(nowhere.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Has(nowhere.status(), "cannot write")) << nowhere.status();
  auto folder = StateStore::Backup(dir, dir);
  ASSERT_FALSE(folder.ok());
  EXPECT_TRUE(Has(folder.status(), "is a directory")) << folder.status();
}

TEST(StateStoreTest, InMemoryStoreWorksAndIsNotDurable) {
  auto store = StateStore::OpenInMemory();
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE((*store)->durable());
  ASSERT_TRUE((*store)->InsertSearch("s", {}, "cifar10").ok());
  ASSERT_TRUE((*store)->CachePut("k", "v", 100).ok());
  EXPECT_TRUE((*store)->CacheGet("k")->has_value());
  EXPECT_EQ((*store)->LoadSearches()->size(), 1u);
}

}  // namespace
}  // namespace tenas::server
