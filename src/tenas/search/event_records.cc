// Copyright 2026 The tenas Authors.

#include "tenas/search/event_records.h"

#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"

namespace tenas::search {
namespace {

events::ScoredCandidate ScoredOf(SpaceKind space,
                                 const CandidateRecord& record) {
  events::ScoredCandidate out;
  out.candidate = CandidateRefOf(space, record.deltas.id);
  out.kappa_delta = record.deltas.kappa_delta;
  out.regions_delta = record.deltas.regions_delta;
  for (const RepeatMeasurement& r : record.repeats) {
    out.repeats.push_back({r.kappa_origin, r.kappa_candidate, r.regions_origin,
                           r.regions_candidate});
  }
  for (size_t p = 0; p < record.proxies.size(); ++p) {
    events::ProxyDeltaRecord proxy;
    proxy.measure = std::string(measures::MeasureName(record.proxies[p]));
    if (p < record.deltas.proxy_delta.size()) {
      proxy.delta = record.deltas.proxy_delta[p];
    }
    for (const RepeatMeasurement& r : record.repeats) {
      if (p < r.proxy_origin.size()) proxy.origin.push_back(r.proxy_origin[p]);
      if (p < r.proxy_candidate.size()) {
        proxy.candidate.push_back(r.proxy_candidate[p]);
      }
    }
    out.proxies.push_back(std::move(proxy));
  }
  return out;
}

std::vector<events::CandidateRef> PrunedOf(SpaceKind space,
                                           const RoundRecord& round) {
  std::vector<events::CandidateRef> out;
  for (const CandidateId& id : round.pruned) {
    out.push_back(CandidateRefOf(space, id));
  }
  return out;
}

}  // namespace

events::CandidateRef CandidateRefOf(SpaceKind space, const CandidateId& id) {
  events::CandidateRef out;
  out.edge = id.edge;
  if (space == SpaceKind::kDarts) {
    out.cell_type = id.cell_type == 0 ? "normal" : "reduce";
    out.edge_key = darts::EdgeKey(id.edge);
    out.op = std::string(darts::kOpNames[id.op]);
  } else {
    out.edge_key = nb201::EdgeKey(id.edge);
    out.op = std::string(nb201::kOpNames[id.op]);
  }
  return out;
}

events::EventRecord EventRecordOf(SpaceKind space, const SearchEvent& e) {
  using Type = SearchEvent::Type;
  events::EventRecord out;
  out.round = e.round;
  out.stage = e.stage;
  out.seconds = e.seconds;
  switch (e.type) {
    case Type::kRoundStarted:
      out.type = events::EventRecord::Type::kRoundStarted;
      out.num_candidates = e.num_candidates;
      break;
    case Type::kCandidateScored:
      out.type = events::EventRecord::Type::kCandidateScored;
      out.candidate = ScoredOf(space, *e.candidate);
      out.index = e.candidate_index;
      break;
    case Type::kOpsPruned:
      out.type = events::EventRecord::Type::kOpsPruned;
      out.pruned = PrunedOf(space, *e.record);
      break;
    case Type::kRoundFinished:
      out.type = events::EventRecord::Type::kRoundFinished;
      out.round_seconds = e.record->seconds;
      break;
    case Type::kResult:
      out.type = events::EventRecord::Type::kResult;
      out.result.space = std::string(SpaceName(space));
      out.result.arch = e.arch;
      out.result.seconds = e.seconds;
      break;
  }
  return out;
}

events::ResultSummary ResultRecordOf(const SearchResult& result,
                                     const std::string& dataset) {
  events::ResultSummary out;
  out.space = std::string(SpaceName(result.space));
  out.dataset = dataset;
  out.mode = std::string(SearchModeName(result.mode));
  out.repeats = result.repeats;
  for (measures::Measure m : result.measures) {
    out.measures.emplace_back(measures::MeasureName(m));
  }
  out.arch = result.arch;
  for (const RoundRecord& round : result.rounds) {
    events::RoundSummary r;
    r.round = round.round;
    r.stage = round.stage;
    for (const CandidateRecord& c : round.candidates) {
      r.candidates.push_back(ScoredOf(result.space, c));
    }
    r.pruned = PrunedOf(result.space, round);
    r.seconds = round.seconds;
    r.prune_number = round.prune_number;
    if (round.stage == "edges") {
      r.cell_type = round.cell_type == 0 ? "normal" : "reduce";
      r.group = round.group;
    }
    out.rounds.push_back(std::move(r));
  }
  out.batch_size = result.batch_size;
  out.prune_number = result.prune_number;
  out.ntk_evaluations = result.ntk_evaluations;
  out.lr_evaluations = result.lr_evaluations;
  out.seconds = result.seconds;
  return out;
}

}  // namespace tenas::search
