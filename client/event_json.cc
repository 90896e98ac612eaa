// Copyright 2026 The tenas Authors.

#include "client/event_json.h"

#include <string>

namespace tenas::client {
namespace {

nlohmann::json CandidateJson(const v1::Candidate& c) {
  nlohmann::json j = {
      {"edge", c.edge()}, {"edge_key", c.edge_key()}, {"op", c.op()}};
  if (!c.cell_type().empty()) j["cell_type"] = c.cell_type();
  return j;
}

nlohmann::json ScoredJson(const v1::CandidateScored& c) {
  nlohmann::json j = CandidateJson(c.candidate());
  j["kappa_delta"] = c.kappa_delta();
  j["regions_delta"] = c.regions_delta();
  nlohmann::json repeats = nlohmann::json::array();
  for (const auto& r : c.repeats()) {
    repeats.push_back({{"kappa_origin", r.kappa_origin()},
                       {"kappa_candidate", r.kappa_candidate()},
                       {"regions_origin", r.regions_origin()},
                       {"regions_candidate", r.regions_candidate()}});
  }
  j["repeats"] = repeats;
  return j;
}

nlohmann::json PrunedJson(
    const google::protobuf::RepeatedPtrField<v1::Candidate>& pruned) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : pruned) out.push_back(CandidateJson(c));
  return out;
}

nlohmann::json ResultJson(const v1::SearchResult& r) {
  nlohmann::json rounds = nlohmann::json::array();
  for (const auto& round : r.rounds()) {
    nlohmann::json candidates = nlohmann::json::array();
    for (const auto& c : round.candidates())
      candidates.push_back(ScoredJson(c));
    rounds.push_back({{"round", round.round()},
                      {"stage", round.stage()},
                      {"candidates", candidates},
                      {"pruned", PrunedJson(round.pruned())},
                      {"seconds", round.seconds()}});
  }
  return {{"type", "result"},
          {"space", r.space()},
          {"dataset", r.dataset()},
          {"arch", r.arch()},
          {"rounds", rounds},
          {"batch_size", r.batch_size()},
          {"prune_number", r.prune_number()},
          {"ntk_evaluations", r.ntk_evaluations()},
          {"lr_evaluations", r.lr_evaluations()},
          {"seconds", r.seconds()}};
}

}  // namespace

nlohmann::json ScoreJson(const v1::ScoreArchitectureResponse& r) {
  nlohmann::json repeats = nlohmann::json::array();
  for (const auto& rep : r.repeats()) {
    repeats.push_back({{"repeat", rep.repeat()},
                       {"ntk_condition_number", rep.ntk_condition_number()},
                       {"linear_regions", rep.linear_regions()}});
  }
  return {{"space", r.space()},
          {"arch", r.arch()},
          {"dataset", r.dataset()},
          {"seed", r.seed()},
          {"num_repeats", r.repeats_size()},
          {"batch_size", r.batch_size()},
          {"ntk_condition_number", r.ntk_condition_number()},
          {"linear_regions", r.linear_regions()},
          {"repeats", repeats},
          {"device", r.device()},
          {"cached", r.cached()},
          {"queue_seconds", r.timing().queue_seconds()},
          {"ntk_seconds", r.timing().ntk_seconds()},
          {"linear_regions_seconds", r.timing().linear_regions_seconds()},
          {"seconds", r.timing().total_seconds()}};
}

nlohmann::json SearchEventJson(const v1::SearchEvent& e) {
  nlohmann::json j;
  switch (e.event_case()) {
    case v1::SearchEvent::kRoundStarted:
      j = {{"type", "round_started"},
           {"round", e.round_started().round()},
           {"stage", e.round_started().stage()},
           {"num_candidates", e.round_started().num_candidates()}};
      break;
    case v1::SearchEvent::kCandidateScored:
      j = ScoredJson(e.candidate_scored());
      j["type"] = "candidate_scored";
      j["round"] = e.candidate_scored().round();
      j["index"] = e.candidate_scored().index();
      break;
    case v1::SearchEvent::kOpsPruned:
      j = {{"type", "ops_pruned"},
           {"round", e.ops_pruned().round()},
           {"stage", e.ops_pruned().stage()},
           {"pruned", PrunedJson(e.ops_pruned().pruned())}};
      break;
    case v1::SearchEvent::kRoundFinished:
      j = {{"type", "round_finished"},
           {"round", e.round_finished().round()},
           {"stage", e.round_finished().stage()},
           {"round_seconds", e.round_finished().round_seconds()}};
      break;
    case v1::SearchEvent::kResult:
      j = ResultJson(e.result());
      break;
    case v1::SearchEvent::EVENT_NOT_SET:
      j = {{"type", "unknown"}};
      break;
  }
  if (e.event_case() != v1::SearchEvent::kResult) j["seconds"] = e.seconds();
  j["search_id"] = e.search_id();
  j["sequence"] = e.sequence();
  return j;
}

nlohmann::json SearchInfoJson(const v1::SearchInfo& info) {
  static const char* kStates[] = {"unspecified", "queued", "running",
                                  "succeeded",   "failed", "cancelled"};
  const int state = static_cast<int>(info.state());
  nlohmann::json j = {
      {"search_id", info.search_id()},
      {"state", state >= 0 && state < 6 ? kStates[state] : "unknown"},
      {"space",
       info.request().space() == v1::SEARCH_SPACE_DARTS ? "darts" : "nb201"},
      {"dataset",
       info.request().dataset().empty() ? "cifar10" : info.request().dataset()},
      {"seed", info.request().seed()},
      {"round", info.round()},
      {"events", info.events()},
      {"seconds", info.seconds()}};
  if (!info.error().empty()) j["error"] = info.error();
  if (info.has_result()) j["arch"] = info.result().arch();
  return j;
}

}  // namespace tenas::client
