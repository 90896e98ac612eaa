// Copyright 2026 The tenas Authors.
//
// rng.h: a small, fast, fully deterministic random number generator.
//
// tenas needs reproducible random streams that do not depend on the platform's
// standard library (std::uniform_int_distribution is implementation-defined),
// so every draw goes through this class. Streams are derived from a seed and
// a list of "stream ids" (e.g. round, candidate, repeat) with SplitMix64, so
// independent work items get independent, reproducible streams whichever
// thread runs them.

#ifndef TENAS_UTIL_RNG_H_
#define TENAS_UTIL_RNG_H_

#include <cstdint>
#include <initializer_list>

namespace tenas {

/// SplitMix64 finaliser: a bijective 64-bit mixing function.
inline uint64_t MixBits(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// Derives a 64-bit seed from a base seed and a sequence of stream ids.
inline uint64_t DeriveSeed(uint64_t seed, std::initializer_list<uint64_t> ids) {
  uint64_t s = MixBits(seed);
  for (uint64_t id : ids) s = MixBits(s ^ MixBits(id + 0x632be59bd9b4e019ULL));
  return s;
}

/// xoshiro256** generator. Not thread-safe: use one instance per thread.
class Rng {
 public:
  /// Seeds the four state words from `seed` with SplitMix64.
  explicit Rng(uint64_t seed) {
    uint64_t z = seed;
    for (auto& w : s_) {
      z += 0x9e3779b97f4a7c15ULL;
      w = MixBits(z);
    }
  }

  /// Next 64 uniformly distributed bits.
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  /// Uniform integer in [0, n). Precondition: n > 0. Unbiased (Lemire).
  uint64_t Uniform(uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(Next()) * n;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(Next()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

  /// Fair coin.
  bool Bernoulli() { return (Next() >> 63) != 0; }

  /// Uniform double in [0, 1).
  double UniformDouble() { return (Next() >> 11) * 0x1.0p-53; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace tenas

#endif  // TENAS_UTIL_RNG_H_
