// Copyright 2026 The tenas Authors.
//
// status_macros.h: early-return helpers for absl::Status / absl::StatusOr.
//
//   TENAS_RETURN_IF_ERROR(DoThing());
//   TENAS_ASSIGN_OR_RETURN(auto value, MakeValue());

#ifndef TENAS_UTIL_STATUS_MACROS_H_
#define TENAS_UTIL_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define TENAS_STATUS_CONCAT_INNER_(a, b) a##b
#define TENAS_STATUS_CONCAT_(a, b) TENAS_STATUS_CONCAT_INNER_(a, b)

/// Evaluates `expr` (an absl::Status) and returns it from the enclosing
/// function when it is not OK.
#define TENAS_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::absl::Status tenas_status_ = (expr);         \
    if (!tenas_status_.ok()) return tenas_status_; \
  } while (0)

/// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status,
/// otherwise move-assigns the value to `lhs` (which may be a declaration).
#define TENAS_ASSIGN_OR_RETURN(lhs, rexpr) \
  TENAS_ASSIGN_OR_RETURN_IMPL_(            \
      TENAS_STATUS_CONCAT_(tenas_statusor_, __LINE__), lhs, rexpr)

#define TENAS_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // TENAS_UTIL_STATUS_MACROS_H_
