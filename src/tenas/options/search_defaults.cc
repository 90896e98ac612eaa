// Copyright 2026 The tenas Authors.
//
// search_defaults.cc: space names and the per-space, per-dataset defaults.

#include "tenas/options/search_defaults.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tenas/util/error_text.h"

namespace tenas::search {

absl::StatusOr<SpaceKind> ParseSpace(absl::string_view text) {
  if (text == "nb201") return SpaceKind::kNb201;
  if (text == "darts") return SpaceKind::kDarts;
  return absl::InvalidArgumentError(
      absl::StrCat("space: unknown search space '", ShortInput(text),
                   "' (expected nb201 or darts)"));
}

absl::string_view SpaceName(SpaceKind space) {
  return space == SpaceKind::kNb201 ? "nb201" : "darts";
}

int DefaultBatchSize(SpaceKind space, const std::string& dataset) {
  if (space == SpaceKind::kNb201) return kNb201DefaultBatchSize;
  if (dataset == "imagenet-1k" || dataset == "ImageNet16-120") return 24;
  return 14;
}

int MaxPruneNumber(SpaceKind space) {
  return space == SpaceKind::kNb201 ? 3 : 6;
}

int DefaultPruneNumber(SpaceKind space, const std::string& dataset) {
  if (space == SpaceKind::kNb201) return 1;
  if (dataset == "imagenet-1k" || dataset == "ImageNet16-120") return 2;
  return 3;
}

}  // namespace tenas::search
