// Copyright 2026 The tenas Authors.
//
// The decoded-image cache (image_cache.h): hits return the stored bytes, the
// bound holds, recently used images survive an eviction round, and
// concurrent use from several threads stays consistent.

#include "tenas/data/image_cache.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <vector>

#include "tenas/util/rng.h"

namespace tenas::data {
namespace {

constexpr int64_t kBytes = 12;

std::vector<uint8_t> ImageOf(int64_t key) {
  std::vector<uint8_t> image(kBytes);
  for (int64_t i = 0; i < kBytes; ++i) {
    image[i] = static_cast<uint8_t>(key * 31 + i);
  }
  return image;
}

TEST(ImageCacheTest, LookupReturnsWhatWasInserted) {
  ImageCache cache(10, kBytes);
  std::vector<uint8_t> out(kBytes);
  EXPECT_FALSE(cache.Lookup(3, out.data()));
  EXPECT_FALSE(cache.Insert(3, ImageOf(3).data()));
  ASSERT_TRUE(cache.Lookup(3, out.data()));
  EXPECT_EQ(out, ImageOf(3));
  // A second insert of the same key keeps the first bytes.
  EXPECT_FALSE(cache.Insert(3, ImageOf(4).data()));
  ASSERT_TRUE(cache.Lookup(3, out.data()));
  EXPECT_EQ(out, ImageOf(3));
  EXPECT_EQ(cache.size(), 1);
}

TEST(ImageCacheTest, NeverHoldsMoreThanItsCapacity) {
  for (int64_t capacity : {1, 5, 64, 100}) {
    ImageCache cache(capacity, kBytes);
    const int64_t inserted = 3 * capacity + 7;
    int64_t evictions = 0;
    for (int64_t key = 0; key < inserted; ++key) {
      if (cache.Insert(key, ImageOf(key).data())) ++evictions;
      ASSERT_LE(cache.size(), capacity);
    }
    // Each shard bounds its own share, so a shard may evict before the
    // others fill: every insert either grew the cache or evicted one image.
    EXPECT_GT(cache.size(), 0);
    EXPECT_EQ(evictions, inserted - cache.size());
    // Whatever is still held has the right bytes.
    std::vector<uint8_t> out(kBytes);
    int64_t held = 0;
    for (int64_t key = 0; key < inserted; ++key) {
      if (cache.Lookup(key, out.data())) {
        EXPECT_EQ(out, ImageOf(key));
        ++held;
      }
    }
    EXPECT_EQ(held, cache.size());
  }
}

TEST(ImageCacheTest, RoomForEveryKeyMeansNoEviction) {
  ImageCache cache(1000, kBytes);
  for (int64_t key = 0; key < 10; ++key) {
    EXPECT_FALSE(cache.Insert(key, ImageOf(key).data()));
  }
  EXPECT_EQ(cache.size(), 10);
}

TEST(ImageCacheTest, RecentlyUsedImageSurvivesTheNextEviction) {
  // 128 images: 64 shards (the most) of 2 slots. Three keys of one shard
  // (the cache picks a key's shard by MixBits(key) % shards).
  ImageCache cache(128, kBytes);
  std::vector<int64_t> keys;
  for (int64_t key = 0; keys.size() < 3; ++key) {
    if (MixBits(static_cast<uint64_t>(key)) % 64 == MixBits(uint64_t{0}) % 64) {
      keys.push_back(key);
    }
  }
  std::vector<uint8_t> out(kBytes);
  EXPECT_FALSE(cache.Insert(keys[0], ImageOf(keys[0]).data()));
  EXPECT_FALSE(cache.Insert(keys[1], ImageOf(keys[1]).data()));
  ASSERT_TRUE(cache.Lookup(keys[0], out.data()));  // keys[0] now referenced.
  EXPECT_TRUE(cache.Insert(keys[2], ImageOf(keys[2]).data()));
  // The clock passed over keys[0] (second chance) and evicted keys[1].
  EXPECT_TRUE(cache.Lookup(keys[0], out.data()));
  EXPECT_EQ(out, ImageOf(keys[0]));
  EXPECT_FALSE(cache.Lookup(keys[1], out.data()));
  EXPECT_TRUE(cache.Lookup(keys[2], out.data()));
  EXPECT_EQ(out, ImageOf(keys[2]));
}

TEST(ImageCacheTest, ConcurrentInsertsAndLookupsStayConsistent) {
  ImageCache cache(50, kBytes);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      std::vector<uint8_t> out(kBytes);
      for (int64_t i = 0; i < 2000; ++i) {
        const int64_t key = (i * 7 + t) % 200;
        if (cache.Lookup(key, out.data())) {
          ASSERT_EQ(out, ImageOf(key));
        } else {
          cache.Insert(key, ImageOf(key).data());
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_LE(cache.size(), 50);
}

}  // namespace
}  // namespace tenas::data
