// Copyright 2026 The tenas Authors.

#include "search_json.h"

#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"

namespace tenas::cli {

std::string OpName(search::SpaceKind space, int op) {
  return std::string(space == search::SpaceKind::kNb201 ? nb201::kOpNames[op]
                                                        : darts::kOpNames[op]);
}

std::string EdgeName(search::SpaceKind space, int edge) {
  return space == search::SpaceKind::kNb201 ? nb201::EdgeKey(edge)
                                            : darts::EdgeKey(edge);
}

nlohmann::json CandidateJson(search::SpaceKind space,
                             const search::CandidateId& id) {
  nlohmann::json j = {{"edge", id.edge},
                      {"edge_key", EdgeName(space, id.edge)},
                      {"op", OpName(space, id.op)}};
  if (space == search::SpaceKind::kDarts) {
    j["cell_type"] = id.cell_type == 0 ? "normal" : "reduce";
  }
  return j;
}

namespace {

nlohmann::json CandidateRecordJson(search::SpaceKind space,
                                   const search::CandidateRecord& c) {
  nlohmann::json j = CandidateJson(space, c.deltas.id);
  j["kappa_delta"] = c.deltas.kappa_delta;
  j["regions_delta"] = c.deltas.regions_delta;
  nlohmann::json repeats = nlohmann::json::array();
  for (const auto& r : c.repeats) {
    repeats.push_back({{"kappa_origin", r.kappa_origin},
                       {"kappa_candidate", r.kappa_candidate},
                       {"regions_origin", r.regions_origin},
                       {"regions_candidate", r.regions_candidate}});
  }
  j["repeats"] = repeats;
  return j;
}

nlohmann::json PrunedJson(search::SpaceKind space,
                          const search::RoundRecord& round) {
  nlohmann::json pruned = nlohmann::json::array();
  for (const auto& id : round.pruned)
    pruned.push_back(CandidateJson(space, id));
  return pruned;
}

}  // namespace

nlohmann::json RoundJson(search::SpaceKind space,
                         const search::RoundRecord& round) {
  nlohmann::json candidates = nlohmann::json::array();
  for (const auto& c : round.candidates) {
    candidates.push_back(CandidateRecordJson(space, c));
  }
  nlohmann::json j = {{"round", round.round},
                      {"stage", round.stage},
                      {"candidates", candidates},
                      {"pruned", PrunedJson(space, round)},
                      {"seconds", round.seconds}};
  if (round.stage == "ops") {
    j["prune_number"] = round.prune_number;
  } else {
    j["cell_type"] = round.cell_type == 0 ? "normal" : "reduce";
    j["group"] = round.group;
  }
  return j;
}

nlohmann::json EventJson(search::SpaceKind space,
                         const search::SearchEvent& e) {
  using Type = search::SearchEvent::Type;
  nlohmann::json j;
  switch (e.type) {
    case Type::kRoundStarted:
      j = {{"type", "round_started"},
           {"round", e.round},
           {"stage", e.stage},
           {"num_candidates", e.num_candidates}};
      break;
    case Type::kCandidateScored:
      j = CandidateRecordJson(space, *e.candidate);
      j["type"] = "candidate_scored";
      j["round"] = e.round;
      j["index"] = e.candidate_index;
      break;
    case Type::kOpsPruned:
      j = {{"type", "ops_pruned"},
           {"round", e.round},
           {"stage", e.stage},
           {"pruned", PrunedJson(space, *e.record)}};
      break;
    case Type::kRoundFinished:
      j = {{"type", "round_finished"},
           {"round", e.round},
           {"stage", e.stage},
           {"round_seconds", e.record->seconds}};
      break;
    case Type::kResult:
      j = {{"type", "result"}, {"arch", e.arch}};
      break;
  }
  j["seconds"] = e.seconds;
  return j;
}

nlohmann::json ResultJson(const search::SearchResult& result) {
  nlohmann::json rounds = nlohmann::json::array();
  for (const auto& r : result.rounds)
    rounds.push_back(RoundJson(result.space, r));
  return {{"type", "result"},
          {"space", std::string(search::SpaceName(result.space))},
          {"arch", result.arch},
          {"rounds", rounds},
          {"batch_size", result.batch_size},
          {"prune_number", result.prune_number},
          {"ntk_evaluations", result.ntk_evaluations},
          {"lr_evaluations", result.lr_evaluations},
          {"seconds", result.seconds}};
}

}  // namespace tenas::cli
