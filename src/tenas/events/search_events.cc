// Copyright 2026 The tenas Authors.

#include "tenas/events/search_events.h"

#include "absl/strings/str_format.h"
#include "tenas/space/nb201.h"

namespace tenas::events {
namespace {

nlohmann::json CandidateJson(const CandidateRef& c) {
  nlohmann::json j = {{"edge", c.edge}, {"edge_key", c.edge_key}, {"op", c.op}};
  if (!c.cell_type.empty()) j["cell_type"] = c.cell_type;
  return j;
}

nlohmann::json CandidatesJson(const std::vector<CandidateRef>& candidates) {
  nlohmann::json out = nlohmann::json::array();
  for (const CandidateRef& c : candidates) out.push_back(CandidateJson(c));
  return out;
}

nlohmann::json ScoredJson(const ScoredCandidate& c) {
  nlohmann::json j = CandidateJson(c.candidate);
  j["kappa_delta"] = c.kappa_delta;
  j["regions_delta"] = c.regions_delta;
  nlohmann::json repeats = nlohmann::json::array();
  for (const RepeatRecord& r : c.repeats) {
    repeats.push_back({{"kappa_origin", r.kappa_origin},
                       {"kappa_candidate", r.kappa_candidate},
                       {"regions_origin", r.regions_origin},
                       {"regions_candidate", r.regions_candidate}});
  }
  j["repeats"] = repeats;
  if (!c.proxies.empty()) {
    nlohmann::json proxies = nlohmann::json::array();
    for (const ProxyDeltaRecord& p : c.proxies) {
      proxies.push_back({{"measure", p.measure},
                         {"delta", p.delta},
                         {"origin", p.origin},
                         {"candidate", p.candidate}});
    }
    j["proxies"] = proxies;
  }
  return j;
}

nlohmann::json RoundJson(const RoundSummary& round) {
  nlohmann::json candidates = nlohmann::json::array();
  for (const ScoredCandidate& c : round.candidates) {
    candidates.push_back(ScoredJson(c));
  }
  nlohmann::json j = {{"round", round.round},
                      {"stage", round.stage},
                      {"candidates", candidates},
                      {"pruned", CandidatesJson(round.pruned)},
                      {"seconds", round.seconds}};
  if (round.stage == "ops") {
    j["prune_number"] = round.prune_number;
  } else {
    j["cell_type"] = round.cell_type;
    j["group"] = round.group;
  }
  return j;
}

}  // namespace

nlohmann::json ResultJson(const ResultSummary& result) {
  nlohmann::json rounds = nlohmann::json::array();
  for (const RoundSummary& r : result.rounds) rounds.push_back(RoundJson(r));
  nlohmann::json j = {{"type", "result"},
                      {"space", result.space},
                      {"dataset", result.dataset},
                      {"arch", result.arch},
                      {"rounds", rounds},
                      {"batch_size", result.batch_size},
                      {"prune_number", result.prune_number},
                      {"ntk_evaluations", result.ntk_evaluations},
                      {"lr_evaluations", result.lr_evaluations},
                      {"seconds", result.seconds}};
  if (!result.mode.empty()) j["mode"] = result.mode;
  if (result.repeats > 0) j["repeats"] = result.repeats;
  if (!result.measures.empty()) j["measures"] = result.measures;
  if (result.benchmark) {
    j["benchmark"] = {{"index", result.benchmark->index},
                      {"cifar10_test", result.benchmark->cifar10_test},
                      {"cifar100_test", result.benchmark->cifar100_test},
                      {"imagenet16_test", result.benchmark->imagenet16_test}};
  }
  return j;
}

nlohmann::json EventJson(const EventRecord& e) {
  using Type = EventRecord::Type;
  nlohmann::json j;
  switch (e.type) {
    case Type::kRoundStarted:
      j = {{"type", "round_started"},
           {"round", e.round},
           {"stage", e.stage},
           {"num_candidates", e.num_candidates}};
      break;
    case Type::kCandidateScored:
      j = ScoredJson(e.candidate);
      j["type"] = "candidate_scored";
      j["round"] = e.round;
      j["index"] = e.index;
      break;
    case Type::kOpsPruned:
      j = {{"type", "ops_pruned"},
           {"round", e.round},
           {"stage", e.stage},
           {"pruned", CandidatesJson(e.pruned)}};
      break;
    case Type::kRoundFinished:
      j = {{"type", "round_finished"},
           {"round", e.round},
           {"stage", e.stage},
           {"round_seconds", e.round_seconds}};
      break;
    case Type::kResult:
      j = ResultJson(e.result);
      break;
    case Type::kUnknown:
      j = {{"type", "unknown"}};
      break;
  }
  if (e.type != Type::kResult) j["seconds"] = e.seconds;
  if (e.search_id) j["search_id"] = *e.search_id;
  if (e.sequence) j["sequence"] = *e.sequence;
  return j;
}

std::optional<nb201::BenchmarkAccuracy> FindBenchmark(
    const nb201::AccuracyTable& table, const std::string& arch) {
  auto parsed = nb201::ParseArchitecture(arch);
  if (!parsed.ok()) return std::nullopt;
  const nb201::BenchmarkAccuracy* accuracy = table.Find(*parsed);
  if (accuracy == nullptr) return std::nullopt;
  return *accuracy;
}

std::string BenchmarkLine(const nb201::BenchmarkAccuracy& accuracy) {
  return absl::StrFormat(
      "NAS-Bench-201 #%d test accuracy: CIFAR-10 %.2f %%, CIFAR-100 %.2f %%, "
      "ImageNet16-120 %.2f %%",
      accuracy.index, accuracy.cifar10_test, accuracy.cifar100_test,
      accuracy.imagenet16_test);
}

}  // namespace tenas::events
