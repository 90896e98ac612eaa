// Copyright 2026 The tenas Authors.

#include "client/event_json.h"

#include <string>
#include <utility>
#include <vector>

namespace tenas::client {
namespace {

events::CandidateRef CandidateOf(const v1::Candidate& c) {
  events::CandidateRef out;
  out.cell_type = c.cell_type();
  out.edge = c.edge();
  out.edge_key = c.edge_key();
  out.op = c.op();
  return out;
}

std::vector<events::CandidateRef> CandidatesOf(
    const google::protobuf::RepeatedPtrField<v1::Candidate>& candidates) {
  std::vector<events::CandidateRef> out;
  for (const v1::Candidate& c : candidates) out.push_back(CandidateOf(c));
  return out;
}

events::ScoredCandidate ScoredOf(const v1::CandidateScored& c) {
  events::ScoredCandidate out;
  out.candidate = CandidateOf(c.candidate());
  out.kappa_delta = c.kappa_delta();
  out.regions_delta = c.regions_delta();
  for (const v1::CandidateRepeat& r : c.repeats()) {
    out.repeats.push_back({r.kappa_origin(), r.kappa_candidate(),
                           r.regions_origin(), r.regions_candidate()});
  }
  for (const v1::ProxyDelta& p : c.proxies()) {
    events::ProxyDeltaRecord proxy;
    proxy.measure = p.measure();
    proxy.delta = p.delta();
    proxy.origin.assign(p.origin().begin(), p.origin().end());
    proxy.candidate.assign(p.candidate().begin(), p.candidate().end());
    out.proxies.push_back(std::move(proxy));
  }
  return out;
}

}  // namespace

events::ResultSummary ResultSummaryOf(const v1::SearchResult& r) {
  events::ResultSummary out;
  out.space = r.space();
  out.dataset = r.dataset();
  out.mode = r.mode() == v1::SEARCH_MODE_ROBUST ? "robust" : "faithful";
  out.repeats = r.repeats();
  out.measures.assign(r.measures().begin(), r.measures().end());
  out.arch = r.arch();
  for (const v1::RoundSummary& round : r.rounds()) {
    events::RoundSummary summary;
    summary.round = round.round();
    summary.stage = round.stage();
    for (const v1::CandidateScored& c : round.candidates()) {
      summary.candidates.push_back(ScoredOf(c));
    }
    summary.pruned = CandidatesOf(round.pruned());
    summary.seconds = round.seconds();
    summary.prune_number = round.prune_number();
    summary.cell_type = round.cell_type();
    summary.group = round.group();
    out.rounds.push_back(std::move(summary));
  }
  out.batch_size = r.batch_size();
  out.prune_number = r.prune_number();
  out.ntk_evaluations = r.ntk_evaluations();
  out.lr_evaluations = r.lr_evaluations();
  out.seconds = r.seconds();
  return out;
}

events::EventRecord EventRecordOf(const v1::SearchEvent& e) {
  using Type = events::EventRecord::Type;
  events::EventRecord out;
  out.seconds = e.seconds();
  out.search_id = e.search_id();
  out.sequence = e.sequence();
  switch (e.event_case()) {
    case v1::SearchEvent::kRoundStarted:
      out.type = Type::kRoundStarted;
      out.round = e.round_started().round();
      out.stage = e.round_started().stage();
      out.num_candidates = e.round_started().num_candidates();
      break;
    case v1::SearchEvent::kCandidateScored:
      out.type = Type::kCandidateScored;
      out.round = e.candidate_scored().round();
      out.candidate = ScoredOf(e.candidate_scored());
      out.index = e.candidate_scored().index();
      break;
    case v1::SearchEvent::kOpsPruned:
      out.type = Type::kOpsPruned;
      out.round = e.ops_pruned().round();
      out.stage = e.ops_pruned().stage();
      out.pruned = CandidatesOf(e.ops_pruned().pruned());
      break;
    case v1::SearchEvent::kRoundFinished:
      out.type = Type::kRoundFinished;
      out.round = e.round_finished().round();
      out.stage = e.round_finished().stage();
      out.round_seconds = e.round_finished().round_seconds();
      break;
    case v1::SearchEvent::kResult:
      out.type = Type::kResult;
      out.result = ResultSummaryOf(e.result());
      break;
    case v1::SearchEvent::EVENT_NOT_SET:
      out.type = Type::kUnknown;
      break;
  }
  return out;
}

nlohmann::json ScoreJson(const v1::ScoreArchitectureResponse& r) {
  nlohmann::json repeats = nlohmann::json::array();
  for (int i = 0; i < r.repeats_size(); ++i) {
    const v1::RepeatScore& rep = r.repeats(i);
    nlohmann::json one = {{"repeat", rep.repeat()},
                          {"ntk_condition_number", rep.ntk_condition_number()},
                          {"linear_regions", rep.linear_regions()}};
    // Each zero-cost proxy's value of the repeat, by name (as tenas-bench).
    for (const v1::MeasureValue& m : r.measures()) {
      if (m.name() == "ntk" || m.name() == "lr") continue;
      if (i < m.values_size()) one[m.name()] = m.values(i);
    }
    repeats.push_back(one);
  }
  // Every measure computed: mean, standard error, per-repeat values.
  nlohmann::json by_measure = nlohmann::json::object();
  for (const v1::MeasureValue& m : r.measures()) {
    by_measure[m.name()] = {
        {"mean", m.mean()},
        {"sem", m.sem()},
        {"values", std::vector<double>(m.values().begin(), m.values().end())}};
  }
  return {{"space", r.space()},
          {"arch", r.arch()},
          {"dataset", r.dataset()},
          {"seed", r.seed()},
          {"num_repeats", r.repeats_size()},
          {"batch_size", r.batch_size()},
          {"ntk_condition_number", r.ntk_condition_number()},
          {"linear_regions", r.linear_regions()},
          {"ntk_condition_number_sem", r.ntk_condition_number_sem()},
          {"linear_regions_sem", r.linear_regions_sem()},
          {"repeats", repeats},
          {"measures", by_measure},
          {"proxy_batch_size", r.proxy_batch_size()},
          {"device", r.device()},
          {"cached", r.cached()},
          {"queue_seconds", r.timing().queue_seconds()},
          {"ntk_seconds", r.timing().ntk_seconds()},
          {"linear_regions_seconds", r.timing().linear_regions_seconds()},
          {"proxies_seconds", r.timing().proxies_seconds()},
          {"seconds", r.timing().total_seconds()}};
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
      {"measures", std::vector<std::string>(info.measures().begin(),
                                            info.measures().end())},
      {"round", info.round()},
      {"events", info.events()},
      {"seconds", info.seconds()}};
  if (!info.error().empty()) j["error"] = info.error();
  if (info.has_result()) j["arch"] = info.result().arch();
  return j;
}

}  // namespace tenas::client
