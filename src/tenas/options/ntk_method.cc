// Copyright 2026 The tenas Authors.

#include "tenas/options/ntk_method.h"

#include <algorithm>
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
  const auto error = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", ShortInput(text), "\" ", why));
  };
  constexpr absl::string_view kForm =
      "is not a byte size (a whole number with an optional K, M, G or T "
      "suffix, e.g. 512M, 2G)";
  if (text.empty()) return error(kForm);
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
    case 'T':
    case 't':
      shift = 40;
      break;
    default:
      break;
  }
  if (shift > 0) digits.pop_back();
  if (digits.empty() ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return error(kForm);
  }
  // Compared digit by digit: "99999999999999999999T" is too large, not
  // malformed.
  const std::string trimmed =
      digits.substr(std::min(digits.find_first_not_of('0'), digits.size()));
  const int64_t limit = kMaxByteSize >> shift;
  int64_t value = 0;
  if (trimmed.size() > 19 ||
      !absl::SimpleAtoi(trimmed.empty() ? "0" : trimmed, &value) ||
      value > limit) {
    return error("is too large (at most 1024T)");
  }
  value <<= shift;
  if (value < (int64_t{1} << 20)) return error("is below the minimum 1M");
  return value;
}

}  // namespace tenas::measures
