// Copyright 2026 The tenas Authors.

#include "tenas/options/measures.h"

#include <algorithm>
#include <array>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tenas/util/error_text.h"

namespace tenas::measures {
namespace {

constexpr std::array<absl::string_view, kNumMeasures> kNames = {
    "ntk",   "lr",      "params",    "flops",   "synflow", "snip",
    "grasp", "fisher",  "grad_norm", "l2_norm", "plain",   "jacov",
    "nwot",  "epe_nas", "zen",       "zico"};

}  // namespace

const std::vector<Measure>& AllMeasures() {
  static const std::vector<Measure>* all = [] {
    auto* v = new std::vector<Measure>;
    for (int i = 0; i < kNumMeasures; ++i) v->push_back(Measure(i));
    return v;
  }();
  return *all;
}

absl::string_view MeasureName(Measure measure) {
  return kNames[static_cast<int>(measure)];
}

std::vector<std::string> AllMeasureNames() {
  return std::vector<std::string>(kNames.begin(), kNames.end());
}

bool HigherIsBetter(Measure measure) { return measure != Measure::kNtk; }

bool IsZeroCostProxy(Measure measure) {
  return measure != Measure::kNtk && measure != Measure::kRegions;
}

std::vector<Measure> DefaultMeasures() {
  return {Measure::kNtk, Measure::kRegions};
}

absl::StatusOr<std::vector<Measure>> ParseMeasures(
    const std::vector<std::string>& names, absl::string_view field) {
  if (names.empty()) return DefaultMeasures();
  std::array<bool, kNumMeasures> seen{};
  bool all = false;
  for (const std::string& name : names) {
    if (name == "all") {
      all = true;
      continue;
    }
    const auto it = std::find(kNames.begin(), kNames.end(), name);
    if (it == kNames.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": unknown measure '", ShortInput(name),
                       "' (known: ", absl::StrJoin(kNames, ", "), ", or all)"));
    }
    const int index = static_cast<int>(it - kNames.begin());
    if (seen[index]) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": measure '", name, "' listed twice"));
    }
    seen[index] = true;
  }
  if (all) return AllMeasures();
  std::vector<Measure> out;
  for (int i = 0; i < kNumMeasures; ++i) {
    if (seen[i]) out.push_back(Measure(i));
  }
  return out;
}

absl::StatusOr<std::vector<Measure>> ParseMeasureList(absl::string_view text,
                                                      absl::string_view field) {
  std::vector<std::string> names;
  if (!absl::StripAsciiWhitespace(text).empty()) {
    for (absl::string_view part : absl::StrSplit(text, ',')) {
      names.emplace_back(absl::StripAsciiWhitespace(part));
    }
  }
  return ParseMeasures(names, field);
}

std::string JoinMeasureNames(const std::vector<Measure>& measures) {
  std::vector<absl::string_view> names;
  for (Measure m : measures) names.push_back(MeasureName(m));
  return absl::StrJoin(names, ",");
}

}  // namespace tenas::measures
