// Copyright 2026 The tenas Authors.

#include "tenas/options/init_mode.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tenas/util/error_text.h"

namespace tenas::nn {

absl::StatusOr<InitMode> ParseInitMode(absl::string_view text) {
  if (text == "shipped") return InitMode::kShipped;
  if (text == "paper") return InitMode::kPaper;
  return absl::InvalidArgumentError(
      absl::StrCat("init: unknown init mode '", ShortInput(text),
                   "' (expected shipped or paper)"));
}

absl::string_view InitModeName(InitMode mode) {
  return mode == InitMode::kShipped ? "shipped" : "paper";
}

}  // namespace tenas::nn
