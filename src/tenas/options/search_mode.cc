// Copyright 2026 The tenas Authors.

#include "tenas/options/search_mode.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tenas/util/error_text.h"

namespace tenas::search {

absl::StatusOr<SearchMode> ParseSearchMode(absl::string_view text) {
  if (text == "faithful") return SearchMode::kFaithful;
  if (text == "robust") return SearchMode::kRobust;
  return absl::InvalidArgumentError(
      absl::StrCat("mode: unknown search mode '", ShortInput(text),
                   "' (expected faithful or robust)"));
}

absl::string_view SearchModeName(SearchMode mode) {
  return mode == SearchMode::kFaithful ? "faithful" : "robust";
}

int DefaultSearchRepeats(SearchMode mode) {
  return mode == SearchMode::kFaithful ? kFaithfulDefaultRepeats
                                       : kRobustDefaultRepeats;
}

nn::InitMode DefaultSearchInit(SearchMode mode) {
  return mode == SearchMode::kFaithful ? nn::InitMode::kShipped
                                       : kRobustDefaultInit;
}

}  // namespace tenas::search
