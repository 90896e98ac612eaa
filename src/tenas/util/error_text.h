// Copyright 2026 The tenas Authors.
//
// error_text.h: user input quoted in error messages, cut to a short prefix,
// so that a huge request cannot make a huge status message (clients reject
// a status message over their metadata limit as RESOURCE_EXHAUSTED).

#ifndef TENAS_UTIL_ERROR_TEXT_H_
#define TENAS_UTIL_ERROR_TEXT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace tenas {

/// The most bytes of one piece of user input an error message quotes.
inline constexpr size_t kMaxQuotedInputBytes = 64;
/// The same for a token inside it (an op name, a field name): real ones are
/// shorter than 16 bytes.
inline constexpr size_t kMaxQuotedTokenBytes = 24;

/// `text` as an error message quotes it: whole when it has at most
/// `max_bytes` bytes, else its first `max_bytes` bytes (never ending inside
/// a UTF-8 character) and "... (N bytes)", N being text's size.
std::string ShortInput(absl::string_view text,
                       size_t max_bytes = kMaxQuotedInputBytes);

}  // namespace tenas

#endif  // TENAS_UTIL_ERROR_TEXT_H_
