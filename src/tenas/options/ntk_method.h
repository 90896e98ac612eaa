// Copyright 2026 The tenas Authors.
//
// ntk_method.h: the choice of NTK implementation and its memory budget, in a
// header without LibTorch so options structs can carry them cheaply
// (tenas_options).

#ifndef TENAS_OPTIONS_NTK_METHOD_H_
#define TENAS_OPTIONS_NTK_METHOD_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace tenas::measures {

/// Which implementation computes the per-sample gradient rows of the NTK.
enum class NtkMethod {
  kReference,  ///< B sequential backward passes (the original code's way).
  kFast,       ///< ceil(B / R) vmap-batched backward passes of R rows each.
};

/// "fast" / "reference" (the spelling of flags and JSON).
const char* NtkMethodName(NtkMethod method);

/// Parses "fast" or "reference"; InvalidArgument names `field` otherwise.
absl::StatusOr<NtkMethod> ParseNtkMethod(const std::string& text,
                                         const std::string& field);

/// Default memory bound of one evaluation (--max-memory): 2 GiB.
inline constexpr int64_t kDefaultNtkMaxMemoryBytes = int64_t{2} << 30;

/// The largest byte size ParseByteSize accepts: 1 PiB ("1024T").
inline constexpr int64_t kMaxByteSize = int64_t{1} << 50;

/// Parses a byte count with an optional K, M, G or T suffix (powers of
/// 1024), e.g. "512M", in [1 MiB, kMaxByteSize]. InvalidArgument names
/// `field` and says which: not a byte size, below 1M, or too large.
absl::StatusOr<int64_t> ParseByteSize(const std::string& text,
                                      const std::string& field);

}  // namespace tenas::measures

#endif  // TENAS_OPTIONS_NTK_METHOD_H_
