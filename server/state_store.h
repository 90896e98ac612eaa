// Copyright 2026 The tenas Authors.
//
// state_store.h: the server's durable state in one SQLite database,
// `<state-dir>/tenas.db`, in WAL mode with synchronous (fsync'd) commits:
//   - searches: the request, the state, every event, and each completed
//     round with the alpha state after it (enough to resume the search);
//   - the ScoreArchitecture result cache, bounded in bytes, evicting the
//     least recently used entries.
// Databases of older schema versions are migrated when opened.
// No silent data loss: the database records its initialisation (meta rows
// 'schema' and 'created', written with the schema in one transaction), the
// directory records it too (`tenas.marker`, written once the database is
// initialised and checkpointed), and every open runs PRAGMA quick_check. A
// damaged database, or an empty or missing one in a directory whose marker
// shows it held one, is refused unless the caller asks for a reset
// (--state-reset). The write-ahead log is checkpointed into tenas.db after
// every finished search and at a regular interval, so that tenas.db alone is
// a consistent copy; Backup() copies the live database with SQLite's online
// backup API.
// Without a state dir the same store lives in memory (nothing survives the
// process). Thread-safe: one connection behind a mutex; every call is one
// short transaction.

#ifndef TENAS_SERVER_STATE_STORE_H_
#define TENAS_SERVER_STATE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/directory_lock.h"
#include "tenas/internal/state.pb.h"
#include "tenas/v1/scorer.pb.h"

struct sqlite3;

namespace tenas::server {

/// A search as stored: everything needed to serve it again or resume it.
struct StoredSearch {
  std::string id;
  v1::RunSearchRequest request;
  std::string dataset;
  std::string client;  ///< Who started it (per-client limits).
  v1::SearchState state = v1::SEARCH_STATE_QUEUED;
  /// How it ended: the code and message of its final status (the error of
  /// a FAILED search). A search stored before codes were (schema 1) reads
  /// as kUnknown.
  absl::StatusCode code = absl::StatusCode::kUnknown;
  std::string error;
  std::vector<v1::SearchEvent> events;        ///< By sequence, 0, 1, ...
  std::vector<internal::StoredRound> rounds;  ///< By round, 0, 1, ...
  /// True when its rows were damaged (a blob that does not parse, an
  /// unknown state): it is then FAILED with DATA_LOSS and an error naming
  /// the search and the damage, holds what could be read before it, and is
  /// never resumed. LoadSearches stores that verdict.
  bool quarantined = false;
};

/// How StateStore::Open treats its directory.
struct StateStoreOptions {
  /// Default minimum free space on the state dir's filesystem at start-up.
  static constexpr int64_t kDefaultMinFreeBytes = int64_t{64} << 20;
  /// Open fails when the state dir's filesystem has less free space.
  int64_t min_free_bytes = kDefaultMinFreeBytes;
  /// --state-reset: start with an empty database where the state was lost
  /// (the marker shows a database, tenas.db is missing, empty or holds no
  /// tenas schema) or is damaged (fails its integrity check; the damaged
  /// files are moved aside, never deleted). A healthy database is kept.
  bool reset = false;
  /// Interval of the background WAL checkpoint (> 0).
  absl::Duration checkpoint_interval = absl::Minutes(1);
};

/// What StateStore::Backup wrote.
struct BackupReport {
  std::string source;         ///< The database copied (`dir`/tenas.db).
  std::string destination;    ///< The file written.
  int64_t bytes = 0;          ///< Size of the destination file.
  int64_t searches = 0;       ///< Searches in the copy.
  int64_t cache_entries = 0;  ///< Result cache entries in the copy.
};

class StateStore {
 public:
  /// Default minimum free space on the state dir's filesystem at start-up.
  static constexpr int64_t kDefaultMinFreeBytes =
      StateStoreOptions::kDefaultMinFreeBytes;
  /// The database file and the initialisation marker inside the state dir.
  static constexpr char kDatabaseFile[] = "tenas.db";
  static constexpr char kMarkerFile[] = "tenas.marker";

  /// Opens (creating it and `dir` if needed) `dir`/tenas.db and holds the
  /// directory's lock (DirectoryLock) until destroyed. Fails with
  /// FAILED_PRECONDITION, naming --state-dir and the reason, when `dir` is
  /// not a writable directory, when another server holds it (the message
  /// gives that server's PID), when its filesystem has less than
  /// `min_free_bytes` free, or when a probe write fails (e.g. disk full).
  /// Fails with DATA_LOSS, in one line naming the directory, what is wrong
  /// and --state-reset, when the database fails its integrity check, or
  /// when the directory's marker (kMarkerFile) shows it held a database
  /// and tenas.db is missing, empty or holds no tenas schema; unless
  /// `options.reset` (see StateStoreOptions::reset and reset_report()).
  static absl::StatusOr<std::unique_ptr<StateStore>> Open(
      const std::string& dir, const StateStoreOptions& options);
  /// Open with default options but `min_free_bytes`.
  static absl::StatusOr<std::unique_ptr<StateStore>> Open(
      const std::string& dir, int64_t min_free_bytes = kDefaultMinFreeBytes);
  /// A store in memory: the same behaviour, nothing survives the process.
  static absl::StatusOr<std::unique_ptr<StateStore>> OpenInMemory();

  /// Copies the database of state dir `dir` into the file `to` with
  /// SQLite's online backup API, from one read snapshot: consistent while
  /// a server owns `dir` and keeps writing (it takes neither the directory
  /// lock nor a write lock; the source is opened read-only). The copy is a
  /// self-contained database (rollback journal, no -wal file) that passes
  /// its integrity check, written to a temporary file next to `to` and
  /// renamed over it, so `to` is replaced whole or left as it was. A
  /// directory holding the copy as tenas.db is a state dir. FAILED_-
  /// PRECONDITION naming the file when `dir` holds no tenas database or
  /// `to` cannot be written.
  static absl::StatusOr<BackupReport> Backup(const std::string& dir,
                                             const std::string& to);

  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  /// True for a store on disk.
  bool durable() const { return durable_; }
  /// The database file ("" in memory).
  const std::string& path() const { return path_; }
  /// What Open did beyond opening, in one line for the log: that it
  /// created the database, or what a reset found and did; "" otherwise.
  const std::string& open_report() const { return open_report_; }

  /// Copies the write-ahead log into tenas.db (a passive checkpoint: it
  /// waits for no reader), so that tenas.db alone holds every committed
  /// change. Called after each finished search and, on a durable store,
  /// every StateStoreOptions::checkpoint_interval by a background thread.
  /// OK and nothing to do in memory.
  absl::Status Checkpoint();

  // --- searches -----------------------------------------------------------

  /// Records a new search of `client` (state QUEUED, no events).
  absl::Status InsertSearch(const std::string& id,
                            const v1::RunSearchRequest& request,
                            const std::string& dataset,
                            const std::string& client = "");
  /// Records the state of a search with the status it ended with (OK
  /// while it runs or after success), code and message.
  absl::Status SetSearchState(const std::string& id, v1::SearchState state,
                              const absl::Status& status);
  /// Stores `event` under its sequence number (replacing one stored there).
  absl::Status AppendEvent(const std::string& id, const v1::SearchEvent& event);
  /// Stores a completed round (replacing one with the same number).
  absl::Status SaveRound(const std::string& id,
                         const internal::StoredRound& round);
  /// Deletes the events with sequence >= `first_dropped` (the part of an
  /// interrupted round that will run again).
  absl::Status TruncateEvents(const std::string& id, int64_t first_dropped);
  /// Deletes a search with its events and rounds.
  absl::Status DeleteSearch(const std::string& id);
  /// Every stored search, oldest first. A search with damaged rows does not
  /// stop the others from loading: it is quarantined (see
  /// StoredSearch::quarantined) and the verdict written back.
  absl::StatusOr<std::vector<StoredSearch>> LoadSearches();

  // --- result cache -------------------------------------------------------

  /// The value stored under `key`, marking it most recently used. A read
  /// only: the recency is written with the next CachePut (a lost recency
  /// only changes what is evicted first), so a hit costs no disk sync.
  absl::StatusOr<std::optional<std::string>> CacheGet(const std::string& key);
  /// Stores `value` under `key`, then evicts least recently used entries
  /// until the cache holds at most `max_bytes` (keys + values).
  absl::Status CachePut(const std::string& key, const std::string& value,
                        int64_t max_bytes);
  /// Entries and bytes (keys + values) in the cache.
  int64_t cache_entries() const;
  int64_t cache_bytes() const;

 private:
  StateStore(sqlite3* db, bool durable, std::string path,
             std::unique_ptr<DirectoryLock> lock);
  // Creates the schema (with its meta rows, in one transaction) or checks
  // and migrates the one there; `create` when the database holds none.
  absl::Status Init(bool create);
  // Starts the background checkpoint thread.
  void StartCheckpoints(absl::Duration interval);
  void CheckpointLoop(absl::Duration interval);
  absl::Status CheckpointLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Brings a database of an older schema version up to this one.
  absl::Status MigrateLocked(int from_version)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Exec(const char* sql) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status EvictLocked(int64_t max_bytes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writes the recencies CacheGet recorded.
  absl::Status FlushTouchesLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Held for the store's life (null in memory); released after db_ closes.
  const std::unique_ptr<DirectoryLock> lock_;
  const bool durable_;
  const std::string path_;
  mutable absl::Mutex mu_;
  sqlite3* const db_ ABSL_PT_GUARDED_BY(mu_);
  int64_t cache_clock_ ABSL_GUARDED_BY(mu_) = 0;  // last_used of the newest
  int64_t cache_entries_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t cache_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  // Recency of cache hits not yet written: key -> last_used.
  std::unordered_map<std::string, int64_t> pending_touches_
      ABSL_GUARDED_BY(mu_);
  std::string open_report_;  // Set by Open, then read only.
  // The background checkpoint: stop_ ends it; the thread is joined first
  // thing in the destructor.
  absl::Mutex checkpoint_mu_;
  bool stop_ ABSL_GUARDED_BY(checkpoint_mu_) = false;
  std::thread checkpointer_;
};

}  // namespace tenas::server

#endif  // TENAS_SERVER_STATE_STORE_H_
