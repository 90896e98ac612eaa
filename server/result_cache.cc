// Copyright 2026 The tenas Authors.

#include "server/result_cache.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "tenas/engine/device.h"
#include "tenas/options/init_mode.h"
#include "tenas/options/measures.h"
#include "tenas/options/ntk_method.h"

#ifndef TENAS_VERSION
#define TENAS_VERSION "0.1.0"
#endif
#ifndef TENAS_GIT_REVISION
#define TENAS_GIT_REVISION "unknown"
#endif

namespace tenas::server {
namespace {

// The layout of the cached answers: bumped when ScoreArchitectureResponse
// gains a computed field, so that a cache written by a build without it
// (same TENAS_GIT_REVISION, e.g. "unknown" outside git) is not served.
// 2: ntk_condition_number_sem and linear_regions_sem.
// 3: measures (every measure's mean, sem and values), proxy_batch_size,
//    timing.proxies_seconds.
constexpr int kAnswerLayout = 3;

}  // namespace

std::string CodeRevision() {
  return absl::StrCat(TENAS_VERSION, "+", TENAS_GIT_REVISION);
}

ResultCache::ResultCache(StateStore* store, int64_t max_bytes,
                         ServerMetrics* metrics)
    : store_(max_bytes > 0 ? store : nullptr),
      max_bytes_(max_bytes),
      metrics_(metrics) {
  if (store_ != nullptr && metrics_ != nullptr) {
    metrics_->SetCacheSize(store_->cache_entries(), store_->cache_bytes());
  }
}

std::string ResultCache::Key(const ParsedArchitecture& arch,
                             const std::string& dataset,
                             const measures::ScoreOptions& o) {
  // One field per line, named: adding a field changes every key.
  return absl::StrCat(
      "code=", CodeRevision(), "\nanswer_layout=", kAnswerLayout,
      "\ntorch=", engine::TorchVersion(), "\ndevice=", o.device,
      "\nntk=", measures::NtkMethodName(o.ntk_method),
      "\nntk_max_memory=", o.ntk_max_memory_bytes,
      "\nspace=", search::SpaceName(arch.space), "\narch=", arch.canonical,
      "\ndataset=", dataset, "\nseed=", o.seed, "\nrepeats=", o.repeats,
      "\nbatch_size=", o.batch_size, "\ninit=", nn::InitModeName(o.init),
      "\nfp64=", o.fp64, "\nntk_on=", o.compute_ntk,
      "\nregions_on=", o.compute_regions, "\nlr_batch_size=", o.lr_batch_size,
      "\nlr_num_batches=", o.lr_num_batches,
      "\nmeasures=", measures::JoinMeasureNames(measures::RequestedMeasures(o)),
      // Only a proxy depends on it.
      "\nproxy_batch_size=", o.proxies.empty() ? 0 : o.proxy_batch_size);
}

std::optional<v1::ScoreArchitectureResponse> ResultCache::Lookup(
    const std::string& key) {
  if (store_ == nullptr) return std::nullopt;
  absl::StatusOr<std::optional<std::string>> value = store_->CacheGet(key);
  std::optional<v1::ScoreArchitectureResponse> out;
  if (value.ok() && value->has_value()) {
    v1::ScoreArchitectureResponse response;
    if (response.ParseFromString(**value)) {
      response.set_cached(true);
      out = std::move(response);
    }
  } else if (!value.ok()) {
    std::cerr << "tenas-server: result cache lookup failed: "
              << value.status().message() << std::endl;
    if (metrics_) metrics_->RecordStateError();
  }
  if (metrics_) metrics_->RecordCacheLookup(out.has_value());
  return out;
}

void ResultCache::Store(const std::string& key,
                        const v1::ScoreArchitectureResponse& response) {
  if (store_ == nullptr) return;
  absl::Status s =
      store_->CachePut(key, response.SerializeAsString(), max_bytes_);
  if (!s.ok()) {
    std::cerr << "tenas-server: result cache write failed: " << s.message()
              << std::endl;
    if (metrics_) metrics_->RecordStateError();
    return;
  }
  if (metrics_) {
    metrics_->SetCacheSize(store_->cache_entries(), store_->cache_bytes());
  }
}

}  // namespace tenas::server
