// Copyright 2026 The tenas Authors.
//
// exception_status.h: the one conversion of exceptions (LibTorch's
// c10::Error above all) into absl::Status, for the boundary where library
// work runs on a worker: whatever a job throws becomes an error status of
// that job instead of unwinding the worker. LibTorch-free header.
//
//   absl::StatusOr<ScoreResult> r = engine::RunGuarded("score", [&] {
//     return measures::ScoreNb201(arch, dataset, options);
//   });

#ifndef TENAS_ENGINE_EXCEPTION_STATUS_H_
#define TENAS_ENGINE_EXCEPTION_STATUS_H_

#include <exception>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace tenas::engine {

/// INTERNAL status for `e` thrown while doing `what` (e.g. "score"):
/// "<what> failed in LibTorch: <message>" for a c10::Error (its message
/// without the C++ backtrace LibTorch appends), "<what> failed: <what()>"
/// for any other exception.
absl::Status StatusFromException(const std::exception& e,
                                 absl::string_view what);

/// INTERNAL status for a thrown value that is not a std::exception.
absl::Status StatusFromUnknownException(absl::string_view what);

/// Runs `fn` (returning absl::Status or absl::StatusOr<T>) and returns its
/// result; an exception escaping it is returned as StatusFromException.
template <typename Fn>
auto RunGuarded(absl::string_view what, Fn&& fn) -> decltype(fn()) {
  try {
    return std::forward<Fn>(fn)();
  } catch (const std::exception& e) {
    return StatusFromException(e, what);
  } catch (...) {
    return StatusFromUnknownException(what);
  }
}

}  // namespace tenas::engine

#endif  // TENAS_ENGINE_EXCEPTION_STATUS_H_
