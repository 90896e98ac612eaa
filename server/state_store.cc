// Copyright 2026 The tenas Authors.

#include "server/state_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <system_error>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
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

/// SQLite's last error on `db`, on one line.
std::string OneLine(std::string text) {
  absl::StrReplaceAll({{"\n", " "}, {"\r", " "}}, &text);
  return text;
}

/// What a database holds before the store uses it.
struct Inspection {
  /// Why it is damaged (its integrity check or a read failed with
  /// SQLITE_CORRUPT / SQLITE_NOTADB); "" when it is sound.
  std::string damage;
  /// Its meta table has the 'schema' row: a tenas database, initialised.
  bool initialised = false;
};

/// Runs `sql` and returns the first column of its first row ("" when none).
/// The SQLite result code of a failure is in `*rc`.
absl::StatusOr<std::string> FirstValue(sqlite3* db, const char* sql, int* rc) {
  sqlite3_stmt* stmt = nullptr;
  *rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
  std::string value;
  if (*rc == SQLITE_OK) {
    *rc = sqlite3_step(stmt);
    if (*rc == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      if (text != nullptr) value = reinterpret_cast<const char*>(text);
      *rc = SQLITE_OK;
    } else if (*rc == SQLITE_DONE) {
      *rc = SQLITE_OK;
    }
  }
  if (*rc != SQLITE_OK) {
    const std::string why = OneLine(sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    return absl::InternalError(why);
  }
  sqlite3_finalize(stmt);
  return value;
}

/// Checks `db`: PRAGMA quick_check, then whether it is initialised. Errors
/// other than damage (I/O, permissions) are returned as such.
absl::StatusOr<Inspection> Inspect(sqlite3* db) {
  sqlite3_busy_timeout(db, 5000);
  Inspection out;
  int rc = SQLITE_OK;
  auto damaged = [&](const absl::Status& s) {
    const int primary = rc & 0xff;
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
      out.damage = std::string(s.message());
      return true;
    }
    return false;
  };
  absl::StatusOr<std::string> check =
      FirstValue(db, "PRAGMA quick_check(1)", &rc);
  if (!check.ok()) {
    if (damaged(check.status())) return out;
    return check.status();
  }
  if (*check != "ok") {
    out.damage = OneLine(*check);
    return out;
  }
  absl::StatusOr<std::string> schema = FirstValue(
      db,
      "SELECT CASE WHEN EXISTS(SELECT 1 FROM sqlite_master WHERE type = "
      "'table' AND name = 'meta') THEN 'meta' ELSE '' END",
      &rc);
  if (!schema.ok()) {
    if (damaged(schema.status())) return out;
    return schema.status();
  }
  if (*schema == "meta") {
    absl::StatusOr<std::string> version =
        FirstValue(db, "SELECT value FROM meta WHERE key = 'schema'", &rc);
    if (!version.ok()) {
      if (damaged(version.status())) return out;
      return version.status();
    }
    out.initialised = !version->empty();
  }
  return out;
}

/// Writes `text` to `path` durably: a temporary file, fsync'd, renamed over
/// `path`, and the directory fsync'd.
absl::Status WriteFileDurably(const std::string& path,
                              const std::string& text) {
  namespace fs = std::filesystem;
  const std::string tmp = absl::StrCat(path, ".tmp-", getpid());
  auto fail = [&](const char* what) {
    const int err = errno;
    std::remove(tmp.c_str());
    return absl::FailedPreconditionError(
        absl::StrCat("cannot ", what, " ", path, ": ", std::strerror(err)));
  };
  const int fd =
      open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail("write");
  const bool written = write(fd, text.data(), text.size()) ==
                           static_cast<ssize_t>(text.size()) &&
                       fsync(fd) == 0;
  close(fd);
  if (!written) return fail("write");
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename into");
  std::string parent = fs::path(path).parent_path().string();
  if (parent.empty()) parent = ".";
  const int dir_fd = open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    (void)fsync(dir_fd);  // best effort: the rename is on disk soon anyway
    close(dir_fd);
  }
  return absl::OkStatus();
}

/// A UTC time for file names and meta rows: 20260102T030405Z.
std::string UtcStamp() {
  return absl::FormatTime("%Y%m%dT%H%M%SZ", absl::Now(), absl::UTCTimeZone());
}

/// --state-reset: moves tenas.db and tenas.db-wal aside (suffix
/// .reset-STAMP), removes tenas.db-shm (derived from the others). Returns
/// what it did, for the log.
absl::StatusOr<std::string> MoveAside(const std::string& db_path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string aside = absl::StrCat(db_path, ".reset-", UtcStamp());
  std::string moved;
  for (const char* suffix : {"", "-wal"}) {
    const std::string from = db_path + suffix;
    if (!fs::exists(from, ec)) continue;
    const std::string to = aside + suffix;
    fs::rename(from, to, ec);
    if (ec) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--state-reset: cannot move ", from, " aside: ", ec.message()));
    }
    absl::StrAppend(&moved, moved.empty() ? "" : ", ", from, " to ", to);
  }
  fs::remove(db_path + "-shm", ec);
  return moved.empty() ? std::string("nothing to move aside")
                       : absl::StrCat("moved ", moved);
}

/// Size of `path`, 0 when it does not exist.
int64_t FileSize(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

}  // namespace

StateStore::StateStore(sqlite3* db, bool durable, std::string path,
                       std::unique_ptr<DirectoryLock> lock)
    : lock_(std::move(lock)),
      durable_(durable),
      path_(std::move(path)),
      db_(db) {}

StateStore::~StateStore() {
  if (checkpointer_.joinable()) {
    {
      absl::MutexLock lock(&checkpoint_mu_);
      stop_ = true;
    }
    checkpointer_.join();
  }
  absl::MutexLock lock(&mu_);
  (void)FlushTouchesLocked();  // best effort: only eviction order is at stake
  sqlite3_close_v2(db_);
}

absl::StatusOr<std::unique_ptr<StateStore>> StateStore::Open(
    const std::string& dir, int64_t min_free_bytes) {
  StateStoreOptions options;
  options.min_free_bytes = min_free_bytes;
  return Open(dir, options);
}

absl::StatusOr<std::unique_ptr<StateStore>> StateStore::Open(
    const std::string& dir, const StateStoreOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (dir.empty()) return StateDirError(dir, "empty path");
  if (options.checkpoint_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("checkpoint_interval must be > 0");
  }
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
    if (free_bytes < options.min_free_bytes) {
      return StateDirError(
          dir,
          absl::StrCat("only ", free_bytes, " bytes free on its filesystem (",
                       options.min_free_bytes, " required)"));
    }
  }
  const std::string path = (fs::path(dir) / kDatabaseFile).string();
  const std::string marker = (fs::path(dir) / kMarkerFile).string();
  // Evidence that the directory held a database: the marker (written once
  // one was initialised), or a write-ahead log with content. The lock file
  // is no evidence: it is created before the database, also by a start
  // that fails before creating it.
  const bool marked = fs::exists(marker, ec);
  const int64_t wal_bytes = FileSize(path + "-wal");
  const bool db_exists = fs::exists(path, ec);
  const int64_t db_bytes = FileSize(path);
  std::string lost;  // What is wrong with the database, for the message.
  if ((marked || wal_bytes > 0) && (!db_exists || db_bytes == 0)) {
    lost = absl::StrCat(kDatabaseFile,
                        db_exists ? " is empty (0 bytes)" : " is missing");
    absl::StrAppend(
        &lost,
        marked ? absl::StrCat(" but ", kMarkerFile, " shows it held the state")
               : absl::StrCat(" but ", kDatabaseFile, "-wal holds ", wal_bytes,
                              " bytes"));
  }

  auto open_db = [&](sqlite3** db) -> absl::Status {
    const int rc = sqlite3_open_v2(
        path.c_str(), db,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
        nullptr);
    if (rc == SQLITE_OK) return absl::OkStatus();
    const std::string why = *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc);
    sqlite3_close_v2(*db);
    *db = nullptr;
    return StateDirError(dir, "cannot open " + path + ": " + why);
  };
  sqlite3* db = nullptr;
  bool initialised = false;
  if (lost.empty()) {
    TENAS_RETURN_IF_ERROR(open_db(&db));
    absl::StatusOr<Inspection> inspection = Inspect(db);
    if (!inspection.ok()) {
      sqlite3_close_v2(db);
      return StateDirError(dir, absl::StrCat("cannot read ", path, ": ",
                                             inspection.status().message()));
    }
    initialised = inspection->initialised;
    if (!inspection->damage.empty()) {
      lost = absl::StrCat(kDatabaseFile, " fails its integrity check (",
                          inspection->damage, ")");
    } else if (marked && !initialised) {
      lost = absl::StrCat(kDatabaseFile, " holds no tenas schema but ",
                          kMarkerFile, " shows it held the state (a lost ",
                          kDatabaseFile, "-wal?)");
    }
    if (!lost.empty()) sqlite3_close_v2(db);
  }
  std::string report;
  if (!lost.empty()) {
    if (!options.reset) {
      return absl::DataLossError(absl::StrCat(
          "--state-dir: ", dir, ": ", lost,
          "; refusing to start: restore a backup, or "
          "start once with --state-reset to move it aside and begin empty"));
    }
    TENAS_ASSIGN_OR_RETURN(std::string moved, MoveAside(path));
    report = absl::StrCat("--state-reset: ", dir, ": ", lost, "; ", moved,
                          "; starting with an empty database");
    TENAS_RETURN_IF_ERROR(open_db(&db));
    initialised = false;
  } else if (options.reset) {
    report = absl::StrCat("--state-reset: ", dir,
                          ": the database is sound, nothing to reset (it is "
                          "kept; drop the flag)");
  }
  std::unique_ptr<StateStore> store(
      new StateStore(db, true, path, std::move(dir_lock)));
  absl::Status init = store->Init(/*create=*/!initialised);
  if (!init.ok()) return StateDirError(dir, std::string(init.message()));
  if (report.empty() && !initialised) {
    report = absl::StrCat("created the state database ", path);
  }
  store->open_report_ = report;
  // The schema and its meta rows into tenas.db, then the marker: from now
  // on a missing, empty or schema-less tenas.db is lost state.
  TENAS_RETURN_IF_ERROR(store->Checkpoint());
  if (!fs::exists(marker, ec)) {
    absl::Status written = WriteFileDurably(
        marker,
        absl::StrCat("tenas-server state directory: ", kDatabaseFile,
                     " was initialised here (marker written ", UtcStamp(),
                     "). While this file exists, a missing or empty ",
                     kDatabaseFile,
                     " stops tenas-server from starting (see --state-reset)."
                     " Do not delete it.\n"));
    if (!written.ok())
      return StateDirError(dir, std::string(written.message()));
  }
  store->StartCheckpoints(options.checkpoint_interval);
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
  TENAS_RETURN_IF_ERROR(store->Init(/*create=*/true));
  return store;
}

absl::StatusOr<BackupReport> StateStore::Backup(const std::string& dir,
                                                const std::string& to) {
  namespace fs = std::filesystem;
  std::error_code ec;
  BackupReport report;
  report.source = (fs::path(dir) / kDatabaseFile).string();
  report.destination = to;
  auto error = [&](const std::string& why) {
    return absl::FailedPreconditionError(absl::StrCat("--backup-to: ", why));
  };
  if (dir.empty()) return error("needs --state-dir");
  if (to.empty()) return error("empty destination path");
  if (!fs::exists(report.source, ec) || FileSize(report.source) == 0) {
    return error(absl::StrCat("no database at ", report.source));
  }
  if (fs::is_directory(to, ec)) {
    return error(absl::StrCat(to, " is a directory; name the file to write"));
  }
  // Read-only, no directory lock: a running server keeps owning `dir`; WAL
  // readers do not block its writes.
  sqlite3* src = nullptr;
  int rc = sqlite3_open_v2(report.source.c_str(), &src,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = src ? sqlite3_errmsg(src) : sqlite3_errstr(rc);
    sqlite3_close_v2(src);
    return error(absl::StrCat("cannot open ", report.source, ": ", why));
  }
  absl::StatusOr<Inspection> source = Inspect(src);
  if (!source.ok() || !source->damage.empty() || !source->initialised) {
    const std::string why = !source.ok()
                                ? std::string(source.status().message())
                            : !source->damage.empty()
                                ? absl::StrCat("it fails its integrity check (",
                                               source->damage, ")")
                                : std::string("it holds no tenas database");
    sqlite3_close_v2(src);
    return error(absl::StrCat("cannot back up ", report.source, ": ", why));
  }
  // Into a temporary file next to `to`, renamed over it once complete.
  const std::string tmp = absl::StrCat(to, ".tmp-", getpid());
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    fs::remove(tmp + suffix, ec);
  }
  auto discard = [&] {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
      fs::remove(tmp + suffix, ec);
    }
  };
  sqlite3* dst = nullptr;
  rc = sqlite3_open_v2(
      tmp.c_str(), &dst,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc);
    sqlite3_close_v2(dst);
    sqlite3_close_v2(src);
    discard();
    return error(absl::StrCat("cannot write ", tmp, ": ", why));
  }
  sqlite3_busy_timeout(dst, 5000);
  std::string failure;
  sqlite3_backup* backup = sqlite3_backup_init(dst, "main", src, "main");
  if (backup == nullptr) {
    failure = sqlite3_errmsg(dst);
  } else {
    // All pages in one step: one read transaction, one consistent snapshot.
    do {
      rc = sqlite3_backup_step(backup, -1);
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(50);
    } while (rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    if (rc != SQLITE_DONE) failure = sqlite3_errstr(rc);
    rc = sqlite3_backup_finish(backup);
    if (failure.empty() && rc != SQLITE_OK) failure = sqlite3_errmsg(dst);
  }
  sqlite3_close_v2(src);
  if (failure.empty()) {
    // A self-contained file: no -wal beside it when it is read or restored.
    int check_rc = SQLITE_OK;
    absl::StatusOr<std::string> mode =
        FirstValue(dst, "PRAGMA journal_mode=DELETE", &check_rc);
    absl::StatusOr<std::string> check =
        FirstValue(dst, "PRAGMA quick_check(1)", &check_rc);
    absl::StatusOr<std::string> searches =
        FirstValue(dst, "SELECT COUNT(*) FROM searches", &check_rc);
    absl::StatusOr<std::string> cached =
        FirstValue(dst, "SELECT COUNT(*) FROM score_cache", &check_rc);
    if (!mode.ok() || !check.ok() || !searches.ok() || !cached.ok()) {
      for (const auto* s : {&mode, &check, &searches, &cached}) {
        if (!s->ok()) {
          failure = std::string(s->status().message());
          break;
        }
      }
    } else if (*check != "ok") {
      failure =
          absl::StrCat("the copy fails its integrity check (", *check, ")");
    } else {
      (void)absl::SimpleAtoi(*searches, &report.searches);
      (void)absl::SimpleAtoi(*cached, &report.cache_entries);
    }
  }
  sqlite3_close_v2(dst);
  if (failure.empty()) {
    // The file's data was synced by its commit; sync it once more after
    // the journal mode change, then publish it whole.
    const int fd = open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) failure = std::strerror(errno);
    if (fd >= 0) close(fd);
  }
  if (failure.empty() && std::rename(tmp.c_str(), to.c_str()) != 0) {
    failure = absl::StrCat("cannot rename ", tmp, " to ", to, ": ",
                           std::strerror(errno));
  }
  if (!failure.empty()) {
    discard();
    return error(absl::StrCat("cannot back up ", report.source, " to ", to,
                              ": ", OneLine(failure)));
  }
  std::string parent = fs::path(to).parent_path().string();
  if (parent.empty()) parent = ".";
  const int dir_fd = open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    (void)fsync(dir_fd);
    close(dir_fd);
  }
  report.bytes = FileSize(to);
  return report;
}

absl::Status StateStore::Exec(const char* sql) { return SqliteExec(db_, sql); }

absl::Status StateStore::Init(bool create) {
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
  if (create) {
    // The schema and the rows that say it is initialised commit together:
    // a database with tables but no 'schema' row never exists.
    TENAS_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    absl::Status created = Exec(kSchema);
    if (created.ok()) {
      created = SqliteStatement(db_,
                                "INSERT OR REPLACE INTO meta(key, value) "
                                "VALUES ('schema', ?1), ('created', "
                                "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))")
                    .Bind(1, std::to_string(kSchemaVersion))
                    .Run();
    }
    if (!created.ok()) {
      (void)Exec("ROLLBACK");
      return created;
    }
    TENAS_RETURN_IF_ERROR(Exec("COMMIT"));
  } else {
    TENAS_RETURN_IF_ERROR(Exec(kSchema));
  }
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
                      "('schema', ?1), "
                      "('opened', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))")
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

absl::Status StateStore::Checkpoint() {
  absl::MutexLock lock(&mu_);
  return CheckpointLocked();
}

absl::Status StateStore::CheckpointLocked() {
  if (!durable_) return absl::OkStatus();
  int log_frames = 0, checkpointed = 0;
  const int rc = sqlite3_wal_checkpoint_v2(
      db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &checkpointed);
  if (rc != SQLITE_OK) {
    return absl::InternalError(
        absl::StrCat("state database: checkpoint: ", sqlite3_errmsg(db_)));
  }
  // Frames a reader (a backup) still needs stay in the log until the next
  // checkpoint: nothing is lost, tenas.db is only behind until then.
  return absl::OkStatus();
}

void StateStore::StartCheckpoints(absl::Duration interval) {
  checkpointer_ = std::thread([this, interval] { CheckpointLoop(interval); });
}

void StateStore::CheckpointLoop(absl::Duration interval) {
  while (true) {
    {
      absl::MutexLock lock(&checkpoint_mu_);
      if (checkpoint_mu_.AwaitWithTimeout(absl::Condition(&stop_), interval)) {
        return;
      }
    }
    absl::Status s = Checkpoint();
    if (!s.ok()) std::cerr << "tenas-server: " << s.message() << std::endl;
  }
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
