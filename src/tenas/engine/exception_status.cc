// Copyright 2026 The tenas Authors.

#include "tenas/engine/exception_status.h"

#include <c10/util/Exception.h>

#include "absl/strings/str_cat.h"

namespace tenas::engine {

absl::Status StatusFromException(const std::exception& e,
                                 absl::string_view what) {
  if (const auto* error = dynamic_cast<const c10::Error*>(&e)) {
    return absl::InternalError(absl::StrCat(
        what, " failed in LibTorch: ", error->what_without_backtrace()));
  }
  return absl::InternalError(absl::StrCat(what, " failed: ", e.what()));
}

absl::Status StatusFromUnknownException(absl::string_view what) {
  return absl::InternalError(
      absl::StrCat(what, " failed: a non-standard exception was thrown"));
}

}  // namespace tenas::engine
