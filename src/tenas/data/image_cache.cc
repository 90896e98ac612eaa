// Copyright 2026 The tenas Authors.

#include "tenas/data/image_cache.h"

#include <algorithm>
#include <cstring>

#include "tenas/util/rng.h"

namespace tenas::data {
namespace {

/// Most cache shards (each with its own mutex).
constexpr int64_t kMaxShards = 64;

}  // namespace

ImageCache::ImageCache(int64_t capacity, int64_t image_bytes)
    : image_bytes_(image_bytes),
      shards_(static_cast<size_t>(std::min(capacity, kMaxShards))) {
  const int64_t n = static_cast<int64_t>(shards_.size());
  for (int64_t s = 0; s < n; ++s) {
    Shard& shard = shards_[static_cast<size_t>(s)];
    absl::MutexLock lock(&shard.mu);
    shard.capacity = capacity / n + (s < capacity % n ? 1 : 0);
    // Address space only: pages are touched as slots fill.
    shard.data.reserve(static_cast<size_t>(shard.capacity * image_bytes));
  }
}

bool ImageCache::Lookup(int64_t key, uint8_t* out) {
  Shard& shard = ShardOf(key);
  absl::MutexLock lock(&shard.mu);
  const auto it = shard.slot_of.find(key);
  if (it == shard.slot_of.end()) return false;
  const int64_t slot = it->second;
  shard.referenced[static_cast<size_t>(slot)] = 1;
  std::memcpy(out, shard.data.data() + slot * image_bytes_,
              static_cast<size_t>(image_bytes_));
  return true;
}

bool ImageCache::Insert(int64_t key, const uint8_t* image) {
  Shard& shard = ShardOf(key);
  absl::MutexLock lock(&shard.mu);
  if (shard.slot_of.count(key) != 0) return false;  // Raced: already in.
  int64_t slot;
  bool evicted = false;
  if (static_cast<int64_t>(shard.keys.size()) < shard.capacity) {
    slot = static_cast<int64_t>(shard.keys.size());
    shard.keys.push_back(key);
    shard.referenced.push_back(0);
    shard.data.resize(shard.data.size() + static_cast<size_t>(image_bytes_));
  } else {
    // Clock: skip (and clear) recently used slots.
    while (shard.referenced[static_cast<size_t>(shard.hand)] != 0) {
      shard.referenced[static_cast<size_t>(shard.hand)] = 0;
      shard.hand = (shard.hand + 1) % shard.capacity;
    }
    slot = shard.hand;
    shard.hand = (shard.hand + 1) % shard.capacity;
    shard.slot_of.erase(shard.keys[static_cast<size_t>(slot)]);
    shard.keys[static_cast<size_t>(slot)] = key;
    evicted = true;
  }
  shard.slot_of.emplace(key, slot);
  std::memcpy(shard.data.data() + slot * image_bytes_, image,
              static_cast<size_t>(image_bytes_));
  return evicted;
}

int64_t ImageCache::size() {
  int64_t total = 0;
  for (Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    total += static_cast<int64_t>(shard.keys.size());
  }
  return total;
}

ImageCache::Shard& ImageCache::ShardOf(int64_t key) {
  return shards_[static_cast<size_t>(MixBits(static_cast<uint64_t>(key)) %
                                     shards_.size())];
}

}  // namespace tenas::data
