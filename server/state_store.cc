// Copyright 2026 The tenas Authors.

#include "server/state_store.h"

#include <sqlite3.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/sqlite_statement.h"
#include "tenas/util/status_macros.h"

namespace tenas::server {
namespace {

// Schema versions: 1, the first; 2 adds searches.code, the absl::StatusCode
// a search ended with (NULL in rows written by version 1).
constexpr int kSchemaVersion = 2;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS meta(
  key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS searches(
  id TEXT PRIMARY KEY,
  created INTEGER NOT NULL,
  request BLOB NOT NULL,
  dataset TEXT NOT NULL,
  client TEXT NOT NULL DEFAULT '',
  state INTEGER NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  code INTEGER);
CREATE TABLE IF NOT EXISTS events(
  search_id TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  event BLOB NOT NULL,
  PRIMARY KEY(search_id, sequence));
CREATE TABLE IF NOT EXISTS rounds(
  search_id TEXT NOT NULL,
  round INTEGER NOT NULL,
  record BLOB NOT NULL,
  PRIMARY KEY(search_id, round));
CREATE TABLE IF NOT EXISTS score_cache(
  key TEXT PRIMARY KEY,
  value BLOB NOT NULL,
  bytes INTEGER NOT NULL,
  last_used INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS score_cache_lru ON score_cache(last_used);
)sql";

absl::Status StateDirError(const std::string& dir, const std::string& why) {
  return absl::FailedPreconditionError(
      absl::StrCat("--state-dir: ", dir, ": ", why));
}

/// Marks `s` damaged: FAILED with DATA_LOSS, the error naming the search and
/// `why`. Keeps what was read before the damage.
void Quarantine(StoredSearch* s, absl::string_view why) {
  if (s->quarantined) return;  // The first damage found is reported.
  s->quarantined = true;
  s->state = v1::SEARCH_STATE_FAILED;
  s->code = absl::StatusCode::kDataLoss;
  s->error =
      absl::StrCat("search ", s->id, " is damaged in the state database (", why,
                   "): quarantined as FAILED, not resumed");
}

}  // namespace

StateStore::StateStore(sqlite3* db, bool durable, std::string path,
                       std::unique_ptr<DirectoryLock> lock)
    : lock_(std::move(lock)),
      durable_(durable),
      path_(std::move(path)),
      db_(db) {}

StateStore::~StateStore() {
  absl::MutexLock lock(&mu_);
  (void)FlushTouchesLocked();  // best effort: only eviction order is at stake
  sqlite3_close_v2(db_);
}

absl::StatusOr<std::unique_ptr<StateStore>> StateStore::Open(
    const std::string& dir, int64_t min_free_bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (dir.empty()) return StateDirError(dir, "empty path");
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    return StateDirError(dir, "not a directory");
  }
  fs::create_directories(dir, ec);
  if (ec) return StateDirError(dir, "cannot create it: " + ec.message());
  if (!fs::is_directory(dir, ec)) return StateDirError(dir, "not a directory");
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    return StateDirError(dir, "not writable by this user");
  }
  // One server per directory: before anything reads or writes the database.
  TENAS_ASSIGN_OR_RETURN(std::unique_ptr<DirectoryLock> dir_lock,
                         DirectoryLock::Acquire(dir));
  struct statvfs fsinfo {};
  if (statvfs(dir.c_str(), &fsinfo) == 0) {
    const int64_t free_bytes = static_cast<int64_t>(fsinfo.f_bavail) *
                               static_cast<int64_t>(fsinfo.f_frsize);
    if (free_bytes < min_free_bytes) {
      return StateDirError(dir, absl::StrCat("only ", free_bytes,
                                             " bytes free on its filesystem (",
                                             min_free_bytes, " required)"));
    }
  }
  const std::string path = (fs::path(dir) / "tenas.db").string();
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return StateDirError(dir, "cannot open " + path + ": " + why);
  }
  std::unique_ptr<StateStore> store(
      new StateStore(db, true, path, std::move(dir_lock)));
  absl::Status init = store->Init();
  if (!init.ok()) return StateDirError(dir, std::string(init.message()));
  return store;
}

absl::StatusOr<std::unique_ptr<StateStore>> StateStore::OpenInMemory() {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(
          ":memory:", &db,
          SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
          nullptr) != SQLITE_OK) {
    sqlite3_close_v2(db);
    return absl::InternalError("cannot open an in-memory SQLite database");
  }
  std::unique_ptr<StateStore> store(new StateStore(db, false, "", nullptr));
  TENAS_RETURN_IF_ERROR(store->Init());
  return store;
}

absl::Status StateStore::Exec(const char* sql) { return SqliteExec(db_, sql); }

absl::Status StateStore::Init() {
  absl::MutexLock lock(&mu_);
  sqlite3_busy_timeout(db_, 5000);
  // WAL: readers never block the writer; FULL: every commit is fsync'd, so
  // a completed round survives kill -9 and power loss.
  if (durable_) {
    SqliteStatement wal(db_, "PRAGMA journal_mode=WAL");
    TENAS_ASSIGN_OR_RETURN(bool row, wal.Step());
    if (!row || wal.Text(0) != "wal") {
      return absl::InternalError("state database: cannot enable WAL mode");
    }
  }
  TENAS_RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL"));
  TENAS_RETURN_IF_ERROR(Exec(kSchema));
  {
    SqliteStatement version(db_, "SELECT value FROM meta WHERE key = 'schema'");
    TENAS_ASSIGN_OR_RETURN(bool row, version.Step());
    if (row) {
      int stored = 0;
      if (!absl::SimpleAtoi(version.Text(0), &stored) || stored < 1 ||
          stored > kSchemaVersion) {
        return absl::FailedPreconditionError(
            absl::StrCat("state database has schema version ", version.Text(0),
                         ", this server uses ", kSchemaVersion));
      }
      if (stored < kSchemaVersion) TENAS_RETURN_IF_ERROR(MigrateLocked(stored));
    }
  }
  // A probe write: a full disk or a read-only file fails here, at start-up.
  TENAS_RETURN_IF_ERROR(
      SqliteStatement(db_,
                      "INSERT OR REPLACE INTO meta(key, value) VALUES "
                      "('schema', ?1), ('opened', datetime('now'))")
          .Bind(1, std::to_string(kSchemaVersion))
          .Run());
  SqliteStatement stats(db_,
                        "SELECT COUNT(*), COALESCE(SUM(bytes), 0), "
                        "COALESCE(MAX(last_used), 0) FROM score_cache");
  TENAS_ASSIGN_OR_RETURN(bool row, stats.Step());
  if (row) {
    cache_entries_ = stats.Int(0);
    cache_bytes_ = stats.Int(1);
    cache_clock_ = stats.Int(2);
  }
  return absl::OkStatus();
}

absl::Status StateStore::MigrateLocked(int from_version) {
  if (from_version < 2) {
    // Version 2: searches.code. CREATE TABLE IF NOT EXISTS left a version 1
    // table as it was.
    bool has_code = false;
    SqliteStatement columns(db_, "PRAGMA table_info(searches)");
    while (true) {
      TENAS_ASSIGN_OR_RETURN(bool row, columns.Step());
      if (!row) break;
      if (columns.Text(1) == "code") has_code = true;
    }
    if (!has_code) {
      TENAS_RETURN_IF_ERROR(
          Exec("ALTER TABLE searches ADD COLUMN code INTEGER"));
    }
  }
  return absl::OkStatus();
}

absl::Status StateStore::InsertSearch(const std::string& id,
                                      const v1::RunSearchRequest& request,
                                      const std::string& dataset,
                                      const std::string& client) {
  absl::MutexLock lock(&mu_);
  return SqliteStatement(
             db_,
             "INSERT INTO searches(id, created, request, dataset, "
             "client, state) VALUES (?1, (SELECT COALESCE(MAX(created), "
             "0) + 1 FROM searches), ?2, ?3, ?4, ?5)")
      .Bind(1, id)
      .BindBlob(2, request.SerializeAsString())
      .Bind(3, dataset)
      .Bind(4, client)
      .Bind(5, int64_t{v1::SEARCH_STATE_QUEUED})
      .Run();
}

absl::Status StateStore::SetSearchState(const std::string& id,
                                        v1::SearchState state,
                                        const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  return SqliteStatement(db_,
                         "UPDATE searches SET state = ?2, error = ?3, "
                         "code = ?4 WHERE id = ?1")
      .Bind(1, id)
      .Bind(2, int64_t{state})
      .Bind(3, std::string(status.message()))
      .Bind(4, static_cast<int64_t>(status.code()))
      .Run();
}

absl::Status StateStore::AppendEvent(const std::string& id,
                                     const v1::SearchEvent& event) {
  absl::MutexLock lock(&mu_);
  return SqliteStatement(
             db_,
             "INSERT OR REPLACE INTO events(search_id, sequence, event) "
             "VALUES (?1, ?2, ?3)")
      .Bind(1, id)
      .Bind(2, event.sequence())
      .BindBlob(3, event.SerializeAsString())
      .Run();
}

absl::Status StateStore::SaveRound(const std::string& id,
                                   const internal::StoredRound& round) {
  absl::MutexLock lock(&mu_);
  return SqliteStatement(
             db_,
             "INSERT OR REPLACE INTO rounds(search_id, round, record) "
             "VALUES (?1, ?2, ?3)")
      .Bind(1, id)
      .Bind(2, int64_t{round.round()})
      .BindBlob(3, round.SerializeAsString())
      .Run();
}

absl::Status StateStore::TruncateEvents(const std::string& id,
                                        int64_t first_dropped) {
  absl::MutexLock lock(&mu_);
  return SqliteStatement(
             db_, "DELETE FROM events WHERE search_id = ?1 AND sequence >= ?2")
      .Bind(1, id)
      .Bind(2, first_dropped)
      .Run();
}

absl::Status StateStore::DeleteSearch(const std::string& id) {
  absl::MutexLock lock(&mu_);
  TENAS_RETURN_IF_ERROR(Exec("BEGIN"));
  absl::Status s =
      SqliteStatement(db_, "DELETE FROM events WHERE search_id = ?1")
          .Bind(1, id)
          .Run();
  if (s.ok()) {
    s = SqliteStatement(db_, "DELETE FROM rounds WHERE search_id = ?1")
            .Bind(1, id)
            .Run();
  }
  if (s.ok()) {
    s = SqliteStatement(db_, "DELETE FROM searches WHERE id = ?1")
            .Bind(1, id)
            .Run();
  }
  if (!s.ok()) {
    (void)Exec("ROLLBACK");
    return s;
  }
  return Exec("COMMIT");
}

absl::StatusOr<std::vector<StoredSearch>> StateStore::LoadSearches() {
  absl::MutexLock lock(&mu_);
  std::vector<StoredSearch> out;
  SqliteStatement searches(
      db_,
      "SELECT id, request, dataset, state, error, client, code FROM "
      "searches "
      "ORDER BY created");
  while (true) {
    TENAS_ASSIGN_OR_RETURN(bool row, searches.Step());
    if (!row) break;
    StoredSearch s;
    s.id = searches.Text(0);
    s.dataset = searches.Text(2);
    const int64_t state = searches.Int(3);
    s.state = v1::SearchState_IsValid(static_cast<int>(state))
                  ? static_cast<v1::SearchState>(state)
                  : v1::SEARCH_STATE_FAILED;
    s.error = searches.Text(4);
    s.client = searches.Text(5);
    // NULL: written before codes were stored (schema 1).
    const int64_t code = searches.IsNull(6) ? -1 : searches.Int(6);
    s.code = code >= 0 && code <= static_cast<int64_t>(
                                      absl::StatusCode::kUnauthenticated)
                 ? static_cast<absl::StatusCode>(code)
                 : absl::StatusCode::kUnknown;
    if (!s.request.ParseFromString(searches.Text(1))) {
      Quarantine(&s, "its request does not parse");
    }
    if (!v1::SearchState_IsValid(static_cast<int>(state)) ||
        state == v1::SEARCH_STATE_UNSPECIFIED) {
      Quarantine(&s, absl::StrCat("unknown stored state ", state));
    }
    out.push_back(std::move(s));
  }
  for (StoredSearch& s : out) {
    SqliteStatement events(
        db_,
        "SELECT sequence, event FROM events WHERE search_id = ?1 "
        "ORDER BY sequence");
    events.Bind(1, s.id);
    while (true) {
      TENAS_ASSIGN_OR_RETURN(bool row, events.Step());
      if (!row) break;
      if (events.Int(0) != static_cast<int64_t>(s.events.size())) break;
      v1::SearchEvent e;
      if (!e.ParseFromString(events.Text(1))) {
        Quarantine(&s,
                   absl::StrCat("event ", events.Int(0), " does not parse"));
        break;
      }
      s.events.push_back(std::move(e));
    }
    SqliteStatement rounds(
        db_,
        "SELECT round, record FROM rounds WHERE search_id = ?1 "
        "ORDER BY round");
    rounds.Bind(1, s.id);
    while (true) {
      TENAS_ASSIGN_OR_RETURN(bool row, rounds.Step());
      if (!row) break;
      if (rounds.Int(0) != static_cast<int64_t>(s.rounds.size())) break;
      internal::StoredRound r;
      if (!r.ParseFromString(rounds.Text(1))) {
        Quarantine(&s,
                   absl::StrCat("round ", rounds.Int(0), " does not parse"));
        break;
      }
      s.rounds.push_back(std::move(r));
    }
    if (s.quarantined) {
      // The verdict is kept: later starts serve the same failure.
      SqliteStatement update(
          db_,
          "UPDATE searches SET state = ?2, code = ?3, error = ?4 "
          "WHERE id = ?1");
      update.Bind(1, s.id);
      update.Bind(2, static_cast<int64_t>(s.state));
      update.Bind(3, static_cast<int64_t>(s.code));
      update.Bind(4, s.error);
      TENAS_RETURN_IF_ERROR(update.Run());
    }
  }
  return out;
}

absl::StatusOr<std::optional<std::string>> StateStore::CacheGet(
    const std::string& key) {
  absl::MutexLock lock(&mu_);
  SqliteStatement get(db_, "SELECT value FROM score_cache WHERE key = ?1");
  get.Bind(1, key);
  TENAS_ASSIGN_OR_RETURN(bool row, get.Step());
  if (!row) return std::optional<std::string>();
  std::string value = get.Text(0);
  pending_touches_[key] = ++cache_clock_;
  if (pending_touches_.size() > 4096) {
    TENAS_RETURN_IF_ERROR(FlushTouchesLocked());
  }
  return std::optional<std::string>(std::move(value));
}

absl::Status StateStore::FlushTouchesLocked() {
  if (pending_touches_.empty()) return absl::OkStatus();
  TENAS_RETURN_IF_ERROR(Exec("BEGIN"));
  absl::Status s = absl::OkStatus();
  for (const auto& [key, clock] : pending_touches_) {
    s = SqliteStatement(db_,
                        "UPDATE score_cache SET last_used = ?2 WHERE key = ?1")
            .Bind(1, key)
            .Bind(2, clock)
            .Run();
    if (!s.ok()) break;
  }
  if (!s.ok()) {
    (void)Exec("ROLLBACK");
    return s;
  }
  pending_touches_.clear();
  return Exec("COMMIT");
}

absl::Status StateStore::CachePut(const std::string& key,
                                  const std::string& value, int64_t max_bytes) {
  absl::MutexLock lock(&mu_);
  const int64_t bytes = static_cast<int64_t>(key.size() + value.size());
  if (bytes > max_bytes) return absl::OkStatus();  // never fits
  TENAS_RETURN_IF_ERROR(FlushTouchesLocked());
  SqliteStatement old(db_, "SELECT bytes FROM score_cache WHERE key = ?1");
  old.Bind(1, key);
  TENAS_ASSIGN_OR_RETURN(bool existed, old.Step());
  const int64_t old_bytes = existed ? old.Int(0) : 0;
  TENAS_RETURN_IF_ERROR(
      SqliteStatement(db_,
                      "INSERT OR REPLACE INTO score_cache(key, value, bytes, "
                      "last_used) VALUES (?1, ?2, ?3, ?4)")
          .Bind(1, key)
          .BindBlob(2, value)
          .Bind(3, bytes)
          .Bind(4, ++cache_clock_)
          .Run());
  cache_bytes_ += bytes - old_bytes;
  if (!existed) ++cache_entries_;
  return EvictLocked(max_bytes);
}

absl::Status StateStore::EvictLocked(int64_t max_bytes) {
  while (cache_bytes_ > max_bytes && cache_entries_ > 0) {
    SqliteStatement oldest(
        db_,
        "SELECT key, bytes FROM score_cache ORDER BY last_used "
        "LIMIT 1");
    TENAS_ASSIGN_OR_RETURN(bool row, oldest.Step());
    if (!row) break;
    const std::string key = oldest.Text(0);
    const int64_t bytes = oldest.Int(1);
    TENAS_RETURN_IF_ERROR(
        SqliteStatement(db_, "DELETE FROM score_cache WHERE key = ?1")
            .Bind(1, key)
            .Run());
    cache_bytes_ -= bytes;
    --cache_entries_;
  }
  return absl::OkStatus();
}

int64_t StateStore::cache_entries() const {
  absl::MutexLock lock(&mu_);
  return cache_entries_;
}

int64_t StateStore::cache_bytes() const {
  absl::MutexLock lock(&mu_);
  return cache_bytes_;
}

}  // namespace tenas::server
