// Copyright 2026 The tenas Authors.
//
// result_cache.h: ScoreArchitecture answers kept in the StateStore, so that
// a search controller that sends the same architecture again gets it at
// once. The key holds everything the answer depends on: the code revision,
// the LibTorch version, the device, the NTK implementation and its memory
// budget, the space and canonical architecture, the dataset, and every
// scoring option including the seed, the measures asked for and the proxy
// batch. Bounded in bytes (least recently used
// entries go first); survives restarts with --state-dir. Thread-safe.

#ifndef TENAS_SERVER_RESULT_CACHE_H_
#define TENAS_SERVER_RESULT_CACHE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "server/metrics.h"
#include "server/proto_convert.h"
#include "server/state_store.h"
#include "tenas/measures/score.h"
#include "tenas/v1/scorer.pb.h"

namespace tenas::server {

/// Default bound of the cache: 256 MiB of keys and answers.
inline constexpr int64_t kDefaultCacheMaxBytes = int64_t{256} << 20;

/// The code revision in cache keys: version and git revision of the build.
std::string CodeRevision();

class ResultCache {
 public:
  /// Disabled (every lookup misses, nothing stored, no metrics) when
  /// `store` is null or `max_bytes` <= 0. `store` and `metrics` (may be
  /// null) must outlive the cache.
  ResultCache(StateStore* store, int64_t max_bytes, ServerMetrics* metrics);
  ResultCache(const ResultCache&) = delete;
  ResultCache& operator=(const ResultCache&) = delete;

  bool enabled() const { return store_ != nullptr; }

  /// The key of scoring `arch` on `dataset` with `options` (device and NTK
  /// settings included) by this build.
  static std::string Key(const ParsedArchitecture& arch,
                         const std::string& dataset,
                         const measures::ScoreOptions& options);

  /// The stored answer for `key` (marked `cached`), counting a hit or a
  /// miss. A store error counts as a miss.
  std::optional<v1::ScoreArchitectureResponse> Lookup(const std::string& key);
  /// Stores a fresh answer under `key`; a store error is logged and
  /// counted, never returned (the caller already has its answer).
  void Store(const std::string& key,
             const v1::ScoreArchitectureResponse& response);

 private:
  StateStore* const store_;
  const int64_t max_bytes_;
  ServerMetrics* const metrics_;
};

}  // namespace tenas::server

#endif  // TENAS_SERVER_RESULT_CACHE_H_
