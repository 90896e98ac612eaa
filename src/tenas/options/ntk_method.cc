// Copyright 2026 The tenas Authors.

#include "tenas/options/ntk_method.h"

#include <limits>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tenas/util/error_text.h"

namespace tenas::measures {

const char* NtkMethodName(NtkMethod method) {
  return method == NtkMethod::kFast ? "fast" : "reference";
}

absl::StatusOr<NtkMethod> ParseNtkMethod(const std::string& text,
                                         const std::string& field) {
  if (text == "fast") return NtkMethod::kFast;
  if (text == "reference") return NtkMethod::kReference;
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": \"", ShortInput(text),
                   "\" is not an NTK method (fast, reference)"));
}

absl::StatusOr<int64_t> ParseByteSize(const std::string& text,
                                      const std::string& field) {
  const auto invalid = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", ShortInput(text),
                     "\" is not a byte size of at least 1M (e.g. 512M, 2G)"));
  };
  if (text.empty()) return invalid();
  int shift = 0;
  std::string digits = text;
  switch (text.back()) {
    case 'K':
    case 'k':
      shift = 10;
      break;
    case 'M':
    case 'm':
      shift = 20;
      break;
    case 'G':
    case 'g':
      shift = 30;
      break;
    default:
      break;
  }
  if (shift > 0) digits.pop_back();
  int64_t value = 0;
  if (!absl::SimpleAtoi(digits, &value) || value <= 0 ||
      value > (std::numeric_limits<int64_t>::max() >> shift)) {
    return invalid();
  }
  value <<= shift;
  if (value < (int64_t{1} << 20)) return invalid();
  return value;
}

}  // namespace tenas::measures
