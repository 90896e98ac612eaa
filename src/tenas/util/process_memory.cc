// Copyright 2026 The tenas Authors.

#include "tenas/util/process_memory.h"

#include <fstream>
#include <string>

namespace tenas {

std::optional<int64_t> ProcessStatusBytes(absl::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == field) {
      int64_t kib = 0;
      if (!(status >> kib)) return std::nullopt;
      return kib * 1024;  // the kernel reports kB (KiB)
    }
  }
  return std::nullopt;
}

}  // namespace tenas
