// Copyright 2026 The tenas Authors.

#include "server/stored_round.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/proto_convert.h"
#include "tenas/options/measures.h"

namespace tenas::server {
namespace {

void OpToProto(const search::CandidateId& id, internal::StoredOp* out) {
  out->set_cell_type(id.cell_type);
  out->set_edge(id.edge);
  out->set_op(id.op);
}

search::CandidateId OpFromProto(const internal::StoredOp& op) {
  return {op.cell_type(), op.edge(), op.op()};
}

// The measure whose request name is `name`.
absl::StatusOr<measures::Measure> MeasureOfName(const std::string& name) {
  for (measures::Measure m : measures::AllMeasures()) {
    if (measures::MeasureName(m) == name) return m;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown measure '", name, "'"));
}

}  // namespace

internal::StoredRound StoredRoundFromRecord(const search::RoundRecord& record,
                                            const search::AliveMask& alive) {
  internal::StoredRound out;
  out.set_round(record.round);
  out.set_stage(record.stage);
  out.set_cell_type(record.cell_type);
  out.set_group(record.group);
  out.set_prune_number(record.prune_number);
  out.set_mode(SearchModeToProto(record.mode));
  out.set_seconds(record.seconds);
  for (const search::CandidateRecord& c : record.candidates) {
    internal::StoredCandidate* sc = out.add_candidates();
    OpToProto(c.deltas.id, sc->mutable_id());
    for (const search::RepeatMeasurement& r : c.repeats) {
      v1::CandidateRepeat* rep = sc->add_repeats();
      rep->set_kappa_origin(r.kappa_origin);
      rep->set_kappa_candidate(r.kappa_candidate);
      rep->set_regions_origin(r.regions_origin);
      rep->set_regions_candidate(r.regions_candidate);
    }
    // Zero-cost proxies: only for a search that has them.
    bool proxies = !c.deltas.proxy_deltas.empty();
    for (const search::RepeatMeasurement& r : c.repeats) {
      proxies =
          proxies || !r.proxy_origin.empty() || !r.proxy_candidate.empty();
    }
    if (proxies) {
      for (const search::RepeatMeasurement& r : c.repeats) {
        internal::StoredProxyRepeat* p = sc->add_proxy_repeats();
        for (double v : r.proxy_origin) p->add_origin(v);
        for (double v : r.proxy_candidate) p->add_candidate(v);
      }
    }
    for (const std::vector<double>& deltas : c.deltas.proxy_deltas) {
      internal::StoredProxyDeltas* p = sc->add_proxy_deltas();
      for (double d : deltas) p->add_deltas(d);
    }
    for (double d : c.deltas.proxy_delta) sc->add_proxy_delta(d);
    for (measures::Measure m : c.proxies) {
      sc->add_proxies(std::string(measures::MeasureName(m)));
    }
    for (double d : c.deltas.kappa_deltas) sc->add_kappa_deltas(d);
    for (double d : c.deltas.regions_deltas) sc->add_regions_deltas(d);
    sc->set_kappa_delta(c.deltas.kappa_delta);
    sc->set_regions_delta(c.deltas.regions_delta);
  }
  for (const search::CandidateId& id : record.pruned) {
    OpToProto(id, out.add_pruned());
  }
  for (const auto& cell : alive) {
    internal::AliveCell* ac = out.add_alive();
    for (const auto& edge : cell) {
      internal::AliveEdge* ae = ac->add_edges();
      for (bool a : edge) ae->add_ops(a);
    }
  }
  return out;
}

absl::StatusOr<search::RoundRecord> RecordFromStoredRound(
    const internal::StoredRound& stored) {
  if (stored.stage() != "ops" && stored.stage() != "edges") {
    return absl::DataLossError(absl::StrCat("state database: round ",
                                            stored.round(), " has stage '",
                                            stored.stage(), "'"));
  }
  absl::StatusOr<search::SearchMode> mode =
      SearchModeFromProto(stored.mode(), "mode");
  if (!mode.ok()) {
    return absl::DataLossError(absl::StrCat("state database: round ",
                                            stored.round(), ": ",
                                            mode.status().message()));
  }
  search::RoundRecord record;
  record.mode = *mode;
  record.round = stored.round();
  record.stage = stored.stage();
  record.cell_type = stored.cell_type();
  record.group = stored.group();
  record.prune_number = stored.prune_number();
  record.seconds = stored.seconds();
  for (const internal::StoredCandidate& sc : stored.candidates()) {
    search::CandidateRecord c;
    c.deltas.id = OpFromProto(sc.id());
    if (sc.proxy_repeats_size() != 0 &&
        sc.proxy_repeats_size() != sc.repeats_size()) {
      return absl::DataLossError(
          absl::StrCat("state database: round ", stored.round(),
                       " has a candidate with ", sc.repeats_size(),
                       " repeats but proxies for ", sc.proxy_repeats_size()));
    }
    for (int i = 0; i < sc.repeats_size(); ++i) {
      const v1::CandidateRepeat& r = sc.repeats(i);
      search::RepeatMeasurement m;
      m.kappa_origin = r.kappa_origin();
      m.kappa_candidate = r.kappa_candidate();
      m.regions_origin = r.regions_origin();
      m.regions_candidate = r.regions_candidate();
      if (sc.proxy_repeats_size() != 0) {
        const internal::StoredProxyRepeat& p = sc.proxy_repeats(i);
        m.proxy_origin.assign(p.origin().begin(), p.origin().end());
        m.proxy_candidate.assign(p.candidate().begin(), p.candidate().end());
      }
      c.repeats.push_back(std::move(m));
    }
    for (const internal::StoredProxyDeltas& p : sc.proxy_deltas()) {
      c.deltas.proxy_deltas.emplace_back(p.deltas().begin(), p.deltas().end());
    }
    c.deltas.proxy_delta.assign(sc.proxy_delta().begin(),
                                sc.proxy_delta().end());
    for (const std::string& name : sc.proxies()) {
      absl::StatusOr<measures::Measure> m = MeasureOfName(name);
      if (!m.ok()) {
        return absl::DataLossError(absl::StrCat("state database: round ",
                                                stored.round(), ": ",
                                                m.status().message()));
      }
      c.proxies.push_back(*m);
    }
    c.deltas.kappa_deltas.assign(sc.kappa_deltas().begin(),
                                 sc.kappa_deltas().end());
    c.deltas.regions_deltas.assign(sc.regions_deltas().begin(),
                                   sc.regions_deltas().end());
    c.deltas.kappa_delta = sc.kappa_delta();
    c.deltas.regions_delta = sc.regions_delta();
    record.candidates.push_back(std::move(c));
  }
  for (const internal::StoredOp& op : stored.pruned()) {
    record.pruned.push_back(OpFromProto(op));
  }
  return record;
}

search::AliveMask AliveFromStoredRound(const internal::StoredRound& stored) {
  search::AliveMask alive;
  for (const internal::AliveCell& cell : stored.alive()) {
    alive.emplace_back();
    for (const internal::AliveEdge& edge : cell.edges()) {
      alive.back().emplace_back(edge.ops().begin(), edge.ops().end());
    }
  }
  return alive;
}

}  // namespace tenas::server
