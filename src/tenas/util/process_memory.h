// Copyright 2026 The tenas Authors.
//
// process_memory.h: this process's memory as Linux reports it in
// /proc/self/status (VmRSS, VmHWM, ...), for the memory benchmark and the
// tests that check the memory estimate against a measured peak.

#ifndef TENAS_UTIL_PROCESS_MEMORY_H_
#define TENAS_UTIL_PROCESS_MEMORY_H_

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"

namespace tenas {

/// The value of `field` (with its colon, e.g. "VmHWM:") in
/// /proc/self/status, in bytes; nullopt when the file or the field is
/// missing (not Linux). Reads the file on each call.
std::optional<int64_t> ProcessStatusBytes(absl::string_view field);

}  // namespace tenas

#endif  // TENAS_UTIL_PROCESS_MEMORY_H_
