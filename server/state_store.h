// Copyright 2026 The tenas Authors.
//
// state_store.h: the server's durable state in one SQLite database,
// `<state-dir>/tenas.db`, in WAL mode with synchronous (fsync'd) commits:
//   - searches: the request, the state, every event, and each completed
//     round with the alpha state after it (enough to resume the search);
//   - the ScoreArchitecture result cache, bounded in bytes, evicting the
//     least recently used entries.
// Databases of older schema versions are migrated when opened.
// Without a state dir the same store lives in memory (nothing survives the
// process). Thread-safe: one connection behind a mutex; every call is one
// short transaction.

#ifndef TENAS_SERVER_STATE_STORE_H_
#define TENAS_SERVER_STATE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
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

class StateStore {
 public:
  /// Default minimum free space on the state dir's filesystem at start-up.
  static constexpr int64_t kDefaultMinFreeBytes = int64_t{64} << 20;

  /// Opens (creating it and `dir` if needed) `dir`/tenas.db and holds the
  /// directory's lock (DirectoryLock) until destroyed. Fails with
  /// FAILED_PRECONDITION, naming --state-dir and the reason, when `dir` is
  /// not a writable directory, when another server holds it (the message
  /// gives that server's PID), when its filesystem has less than
  /// `min_free_bytes` free, or when a probe write fails (e.g. disk full).
  static absl::StatusOr<std::unique_ptr<StateStore>> Open(
      const std::string& dir, int64_t min_free_bytes = kDefaultMinFreeBytes);
  /// A store in memory: the same behaviour, nothing survives the process.
  static absl::StatusOr<std::unique_ptr<StateStore>> OpenInMemory();

  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  /// True for a store on disk.
  bool durable() const { return durable_; }
  /// The database file ("" in memory).
  const std::string& path() const { return path_; }

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
  absl::Status Init();
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
};

}  // namespace tenas::server

#endif  // TENAS_SERVER_STATE_STORE_H_
