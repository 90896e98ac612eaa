// Copyright 2026 The tenas Authors.

#include "cli_common.h"

#include <torch/torch.h>

#include <iostream>
#include <thread>

#include "tenas/util/status_macros.h"

namespace tenas::cli {

int ReportError(const std::string& command, const absl::Status& status) {
  std::string message(status.message());
  for (char& c : message) {
    if (c == '\n') c = ' ';
  }
  std::cerr << "tenas-bench " << command << ": " << message << std::endl;
  return status.code() == absl::StatusCode::kInvalidArgument ? kExitUsage
                                                             : kExitFailure;
}

absl::StatusOr<int> ConfigureThreads(const Flags& flags, int workers) {
  const int64_t cores =
      std::max<int64_t>(1, std::thread::hardware_concurrency());
  TENAS_ASSIGN_OR_RETURN(
      int64_t threads,
      flags.GetInt("threads", std::max<int64_t>(1, cores / workers), 1, 1024));
  at::set_num_threads(static_cast<int>(threads));
  return static_cast<int>(threads);
}

absl::Status ReadScoreOptions(const Flags& flags,
                              measures::ScoreOptions* options) {
  TENAS_ASSIGN_OR_RETURN(int64_t seed,
                         flags.GetInt("seed", 0, 0, (int64_t{1} << 62)));
  TENAS_ASSIGN_OR_RETURN(int64_t repeats, flags.GetInt("repeats", 3, 1, 100));
  TENAS_ASSIGN_OR_RETURN(int64_t batch,
                         flags.GetInt("batch-size", 72, 2, 4096));
  TENAS_ASSIGN_OR_RETURN(nn::InitMode init,
                         nn::ParseInitMode(flags.GetString("init", "shipped")));
  options->seed = static_cast<uint64_t>(seed);
  options->repeats = static_cast<int>(repeats);
  options->batch_size = static_cast<int>(batch);
  options->init = init;
  options->fp64 = flags.Has("fp64");
  TENAS_ASSIGN_OR_RETURN(
      options->ntk_method,
      measures::ParseNtkMethod(flags.GetString("ntk", "fast"), "--ntk"));
  if (flags.Has("max-memory")) {
    TENAS_ASSIGN_OR_RETURN(
        options->ntk_max_memory_bytes,
        measures::ParseByteSize(flags.GetString("max-memory", ""),
                                "--max-memory"));
  }
  return absl::OkStatus();
}

}  // namespace tenas::cli
