// Copyright 2026 The tenas Authors.
//
// image_cache.h: a bounded, sharded cache of decoded images (fixed size per
// image), used by the lazily decoded image folder.

#ifndef TENAS_DATA_IMAGE_CACHE_H_
#define TENAS_DATA_IMAGE_CACHE_H_

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace tenas::data {

/// Holds up to `capacity` images of `image_bytes` bytes each, keyed by image
/// index. Split into at most 64 shards, each with its own mutex and a clock
/// (second-chance) eviction hand, so concurrent readers rarely contend.
/// Memory: the shards reserve address space for `capacity` images up front;
/// pages are touched as slots fill. Thread-safe. Not copyable.
class ImageCache {
 public:
  /// Preconditions: capacity >= 1, image_bytes >= 1.
  ImageCache(int64_t capacity, int64_t image_bytes);
  ImageCache(const ImageCache&) = delete;
  ImageCache& operator=(const ImageCache&) = delete;

  /// Copies image `key` to `out` (image_bytes bytes) if it is cached and
  /// marks it recently used. Returns whether it was.
  bool Lookup(int64_t key, uint8_t* out);

  /// Stores image `key` (image_bytes bytes from `image`), evicting another
  /// image of its shard if the shard is full. A key already present is left
  /// as it is. Returns whether an image was evicted.
  bool Insert(int64_t key, const uint8_t* image);

  /// Images now held.
  int64_t size();

 private:
  struct Shard {
    absl::Mutex mu;
    int64_t capacity = 0;
    int64_t hand ABSL_GUARDED_BY(mu) = 0;
    /// Slot s at s * image_bytes_.
    std::vector<uint8_t> data ABSL_GUARDED_BY(mu);
    /// Image index held by each slot.
    std::vector<int64_t> keys ABSL_GUARDED_BY(mu);
    /// Clock bits.
    std::vector<uint8_t> referenced ABSL_GUARDED_BY(mu);
    std::unordered_map<int64_t, int64_t> slot_of ABSL_GUARDED_BY(mu);
  };

  Shard& ShardOf(int64_t key);

  const int64_t image_bytes_;
  std::vector<Shard> shards_;
};

}  // namespace tenas::data

#endif  // TENAS_DATA_IMAGE_CACHE_H_
