// Copyright 2026 The tenas Authors.

#include "server/proto_convert.h"

#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tenas/options/datasets.h"
#include "tenas/util/status_macros.h"

namespace tenas::server {
namespace {

absl::Status Invalid(const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

std::string OpName(search::SpaceKind space, int op) {
  return std::string(space == search::SpaceKind::kNb201 ? nb201::kOpNames[op]
                                                        : darts::kOpNames[op]);
}

void CandidateToProto(search::SpaceKind space, const search::CandidateId& id,
                      v1::Candidate* out) {
  if (space == search::SpaceKind::kDarts) {
    out->set_cell_type(id.cell_type == 0 ? "normal" : "reduce");
    out->set_edge_key(darts::EdgeKey(id.edge));
  } else {
    out->set_edge_key(nb201::EdgeKey(id.edge));
  }
  out->set_edge(id.edge);
  out->set_op(OpName(space, id.op));
}

void CandidateRecordToProto(search::SpaceKind space, int round, int index,
                            const search::CandidateRecord& record,
                            v1::CandidateScored* out) {
  out->set_round(round);
  out->set_index(index);
  CandidateToProto(space, record.deltas.id, out->mutable_candidate());
  out->set_kappa_delta(record.deltas.kappa_delta);
  out->set_regions_delta(record.deltas.regions_delta);
  for (const auto& r : record.repeats) {
    v1::CandidateRepeat* rep = out->add_repeats();
    rep->set_kappa_origin(r.kappa_origin);
    rep->set_kappa_candidate(r.kappa_candidate);
    rep->set_regions_origin(r.regions_origin);
    rep->set_regions_candidate(r.regions_candidate);
  }
  // The zero-cost proxies, in record.proxies order (the values of each
  // repeat and the deltas are in that order too).
  const search::CandidateDeltas& d = record.deltas;
  for (size_t p = 0; p < record.proxies.size(); ++p) {
    v1::ProxyDelta* proxy = out->add_proxies();
    proxy->set_measure(std::string(measures::MeasureName(record.proxies[p])));
    if (p < d.proxy_delta.size()) proxy->set_delta(d.proxy_delta[p]);
    for (const auto& r : record.repeats) {
      if (p < r.proxy_origin.size()) proxy->add_origin(r.proxy_origin[p]);
      if (p < r.proxy_candidate.size()) {
        proxy->add_candidate(r.proxy_candidate[p]);
      }
    }
    if (p < d.proxy_deltas.size()) {
      for (double delta : d.proxy_deltas[p]) proxy->add_deltas(delta);
    }
  }
}

// The length of the UTF-8 sequence led by byte `c` (0: not a lead byte).
int Utf8SequenceLength(unsigned char c) {
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return 2;
  if (c >= 0xE0 && c <= 0xEF) return 3;
  if (c >= 0xF0 && c <= 0xF4) return 4;
  return 0;
}

// The concat `name` of a DARTS genotype checked for scoring
// (darts::CheckScoredConcat); `field` is the genotype's field name.
absl::Status CheckConcat(const std::vector<int>& concat,
                         const std::string& field, const char* name) {
  absl::Status s = darts::CheckScoredConcat(concat);
  if (s.ok()) return s;
  return Invalid(absl::StrCat(field, ".", name), std::string(s.message()));
}

// The measures named by `names` (request text: UTF-8, each checked as
// `field`[i]), parsed by measures::ParseMeasures; empty: the defaults.
absl::StatusOr<std::vector<measures::Measure>> MeasuresFromProto(
    const google::protobuf::RepeatedPtrField<std::string>& names,
    const std::string& field) {
  std::vector<std::string> list;
  list.reserve(names.size());
  for (int i = 0; i < names.size(); ++i) {
    TENAS_RETURN_IF_ERROR(
        CheckUtf8(names[i], absl::StrCat(field, "[", i, "]")));
    list.push_back(names[i]);
  }
  return measures::ParseMeasures(list, field);
}

absl::StatusOr<nn::InitMode> InitFromProto(int init, const std::string& field) {
  switch (init) {
    case v1::INIT_MODE_SHIPPED:
      return nn::InitMode::kShipped;
    case v1::INIT_MODE_PAPER:
      return nn::InitMode::kPaper;
    default:
      return Invalid(field, absl::StrCat("unknown value ", init));
  }
}

}  // namespace

absl::Status CheckUtf8(absl::string_view text, const std::string& field) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    const int n = Utf8SequenceLength(c);
    bool ok = n > 0 && i + n <= text.size();
    for (int k = 1; ok && k < n; ++k) {
      const auto d = static_cast<unsigned char>(text[i + k]);
      ok = (d & 0xC0) == 0x80;
    }
    if (ok && n >= 3) {
      // No overlong forms, no UTF-16 surrogates, nothing above U+10FFFF.
      const auto d = static_cast<unsigned char>(text[i + 1]);
      if (c == 0xE0) ok = d >= 0xA0;
      if (c == 0xED) ok = d < 0xA0;
      if (c == 0xF0) ok = d >= 0x90;
      if (c == 0xF4) ok = d < 0x90;
    }
    if (!ok) {
      return Invalid(field, absl::StrCat("not valid UTF-8 (byte ", i, " of ",
                                         text.size(), ")"));
    }
    i += n;
  }
  return absl::OkStatus();
}

absl::StatusOr<ParsedArchitecture> ParseArchitectureProto(
    const v1::Architecture& arch, const std::string& field) {
  ParsedArchitecture parsed;
  switch (arch.arch_case()) {
    case v1::Architecture::kNb201Arch: {
      TENAS_RETURN_IF_ERROR(
          CheckUtf8(arch.nb201_arch(), field + ".nb201_arch"));
      auto a = nb201::ParseArchitecture(arch.nb201_arch());
      if (!a.ok())
        return Invalid(field + ".nb201_arch",
                       std::string(a.status().message()));
      parsed.space = search::SpaceKind::kNb201;
      parsed.nb201 = *a;
      parsed.canonical = nb201::FormatArchitecture(*a);
      return parsed;
    }
    case v1::Architecture::kDartsGenotypeText: {
      const std::string text_field = field + ".darts_genotype_text";
      TENAS_RETURN_IF_ERROR(CheckUtf8(arch.darts_genotype_text(), text_field));
      auto g = darts::ParseGenotype(arch.darts_genotype_text());
      if (!g.ok()) {
        return Invalid(text_field, std::string(g.status().message()));
      }
      TENAS_RETURN_IF_ERROR(
          CheckConcat(g->normal_concat, text_field, "normal_concat"));
      TENAS_RETURN_IF_ERROR(
          CheckConcat(g->reduce_concat, text_field, "reduce_concat"));
      parsed.space = search::SpaceKind::kDarts;
      parsed.darts = *g;
      parsed.canonical = darts::FormatGenotype(*g);
      return parsed;
    }
    case v1::Architecture::kDartsGenotype: {
      const v1::DartsGenotype& g = arch.darts_genotype();
      darts::Genotype genotype;
      auto fill = [&](const auto& items, auto* cell,
                      const std::string& name) -> absl::Status {
        if (items.size() != darts::kGenotypeItems) {
          return Invalid(absl::StrCat(field, ".darts_genotype.", name),
                         absl::StrCat("needs ", darts::kGenotypeItems,
                                      " items, got ", items.size()));
        }
        for (int i = 0; i < items.size(); ++i) {
          const std::string item =
              absl::StrCat(field, ".darts_genotype.", name, "[", i, "]");
          TENAS_RETURN_IF_ERROR(CheckUtf8(items[i].op(), item + ".op"));
          auto op = darts::ParseOp(items[i].op());
          if (!op.ok())
            return Invalid(item + ".op", std::string(op.status().message()));
          const int node = i / 2;
          if (items[i].input() < 0 || items[i].input() > node + 1) {
            return Invalid(
                item + ".input",
                absl::StrCat(items[i].input(), " is out of range [0, ",
                             node + 1, "]"));
          }
          (*cell)[i] = darts::GenotypeItem{*op, items[i].input()};
        }
        return absl::OkStatus();
      };
      TENAS_RETURN_IF_ERROR(fill(g.normal(), &genotype.normal, "normal"));
      TENAS_RETURN_IF_ERROR(fill(g.reduce(), &genotype.reduce, "reduce"));
      // Empty: the default. Checked before copying: a list of millions of
      // entries is refused after looking at five.
      const std::string genotype_field = field + ".darts_genotype";
      for (auto [list, out, name] :
           {std::make_tuple(&g.normal_concat(), &genotype.normal_concat,
                            "normal_concat"),
            std::make_tuple(&g.reduce_concat(), &genotype.reduce_concat,
                            "reduce_concat")}) {
        if (list->empty()) continue;
        absl::Status s = darts::CheckScoredConcat(list->data(), list->size());
        if (!s.ok()) {
          return Invalid(absl::StrCat(genotype_field, ".", name),
                         std::string(s.message()));
        }
        out->assign(list->begin(), list->end());
      }
      // Round-trip through the text form to apply every parser check.
      auto reparsed = darts::ParseGenotype(darts::FormatGenotype(genotype));
      if (!reparsed.ok()) {
        return Invalid(field + ".darts_genotype",
                       std::string(reparsed.status().message()));
      }
      parsed.space = search::SpaceKind::kDarts;
      parsed.darts = *reparsed;
      parsed.canonical = darts::FormatGenotype(*reparsed);
      return parsed;
    }
    case v1::Architecture::ARCH_NOT_SET:
      break;
  }
  return Invalid(field,
                 "no architecture given (set nb201_arch, "
                 "darts_genotype or darts_genotype_text)");
}

absl::StatusOr<std::string> DatasetFromProto(const std::string& dataset) {
  TENAS_RETURN_IF_ERROR(CheckUtf8(dataset, "dataset"));
  return data::ResolveDatasetName(dataset, "dataset");
}

absl::StatusOr<measures::ScoreOptions> ScoreOptionsFromProto(
    const v1::ScoreOptions& o, search::SpaceKind space,
    const std::string& dataset, const RequestLimits& limits,
    int64_t dataset_images) {
  measures::ScoreOptions requested;
  requested.seed = o.seed();
  requested.repeats = o.repeats();        // 0: the default
  requested.batch_size = o.batch_size();  // 0: the default
  TENAS_ASSIGN_OR_RETURN(requested.init,
                         InitFromProto(o.init(), "options.init"));
  requested.fp64 = o.fp64();
  if (o.measure_names_size() > 0 && o.measures() != v1::MEASURES_BOTH) {
    const std::string& name = v1::Measures_Name(o.measures());
    return Invalid(
        "options.measure_names",
        absl::StrCat("cannot be combined with options.measures ",
                     name.empty() ? absl::StrCat(o.measures()) : name,
                     " (leave options.measures unset and list "
                     "every measure here)"));
  }
  switch (o.measures()) {
    case v1::MEASURES_BOTH:
      break;
    case v1::MEASURES_NTK_ONLY:
      requested.compute_regions = false;
      break;
    case v1::MEASURES_LINEAR_REGIONS_ONLY:
      requested.compute_ntk = false;
      break;
    default:
      return Invalid("options.measures",
                     absl::StrCat("unknown value ", o.measures()));
  }
  if (o.measure_names_size() > 0) {
    TENAS_ASSIGN_OR_RETURN(
        const std::vector<measures::Measure> wanted,
        MeasuresFromProto(o.measure_names(), "options.measure_names"));
    measures::SetMeasures(wanted, requested);
  }
  requested.proxy_batch_size = o.proxy_batch_size();  // 0: the default
  return options::ValidateScoreRequest(requested, space, dataset,
                                       dataset_images, limits, "options.");
}

absl::StatusOr<search::SearchMode> SearchModeFromProto(
    int mode, const std::string& field) {
  switch (mode) {
    case v1::SEARCH_MODE_FAITHFUL:
      return search::SearchMode::kFaithful;
    case v1::SEARCH_MODE_ROBUST:
      return search::SearchMode::kRobust;
    default:
      return Invalid(field, absl::StrCat("unknown value ", mode));
  }
}

v1::SearchMode SearchModeToProto(search::SearchMode mode) {
  return mode == search::SearchMode::kRobust ? v1::SEARCH_MODE_ROBUST
                                             : v1::SEARCH_MODE_FAITHFUL;
}

absl::StatusOr<search::SearchOptions> SearchOptionsFromProto(
    const v1::RunSearchRequest& r, const RequestLimits& limits,
    int64_t dataset_images) {
  search::SearchOptions requested;
  switch (r.space()) {
    case v1::SEARCH_SPACE_NB201:
      requested.space = search::SpaceKind::kNb201;
      break;
    case v1::SEARCH_SPACE_DARTS:
      requested.space = search::SpaceKind::kDarts;
      break;
    default:
      return Invalid("space",
                     "must be SEARCH_SPACE_NB201 or SEARCH_SPACE_DARTS");
  }
  requested.seed = r.seed();
  requested.repeats = r.repeats();            // 0: the default
  requested.batch_size = r.batch_size();      // 0: the default
  requested.prune_number = r.prune_number();  // 0: the default
  TENAS_ASSIGN_OR_RETURN(requested.mode, SearchModeFromProto(r.mode(), "mode"));
  if (r.has_init()) {
    TENAS_ASSIGN_OR_RETURN(requested.init, InitFromProto(r.init(), "init"));
  } else {
    requested.init = search::DefaultSearchInit(requested.mode);
  }
  requested.fp64 = r.fp64();
  requested.fix_stale_origin = r.fix_stale_origin();
  TENAS_ASSIGN_OR_RETURN(requested.measures,
                         MeasuresFromProto(r.measures(), "measures"));
  requested.proxy_batch_size = r.proxy_batch_size();  // 0: the default
  TENAS_ASSIGN_OR_RETURN(std::string dataset, DatasetFromProto(r.dataset()));
  return options::ValidateSearchRequest(requested, dataset, dataset_images,
                                        limits);
}

std::vector<std::string> SearchMeasureNames(
    const v1::RunSearchRequest& request) {
  absl::StatusOr<std::vector<measures::Measure>> parsed =
      MeasuresFromProto(request.measures(), "measures");
  if (!parsed.ok()) {
    return {request.measures().begin(), request.measures().end()};
  }
  std::vector<std::string> names;
  for (measures::Measure m : *parsed) {
    names.emplace_back(measures::MeasureName(m));
  }
  return names;
}

void ScoreResultToProto(const ParsedArchitecture& arch,
                        const std::string& dataset,
                        const measures::ScoreOptions& options,
                        const measures::ScoreResult& result,
                        v1::ScoreArchitectureResponse* out) {
  out->set_arch(arch.canonical);
  out->set_space(std::string(search::SpaceName(arch.space)));
  out->set_dataset(dataset);
  out->set_ntk_condition_number(result.kappa_mean);
  out->set_linear_regions(result.regions_mean);
  out->set_ntk_condition_number_sem(result.kappa_sem);
  out->set_linear_regions_sem(result.regions_sem);
  out->set_seed(options.seed);
  out->set_batch_size(options.batch_size);
  for (int r = 0; r < options.repeats; ++r) {
    v1::RepeatScore* rep = out->add_repeats();
    rep->set_repeat(r);
    if (r < static_cast<int>(result.kappa.size())) {
      rep->set_ntk_condition_number(result.kappa[r]);
    }
    if (r < static_cast<int>(result.regions.size())) {
      rep->set_linear_regions(result.regions[r]);
    }
  }
  auto add_measure = [out](measures::Measure measure, double mean, double sem,
                           const std::vector<double>& values) {
    v1::MeasureValue* m = out->add_measures();
    m->set_name(std::string(measures::MeasureName(measure)));
    m->set_mean(mean);
    m->set_sem(sem);
    for (double v : values) m->add_values(v);
  };
  if (options.compute_ntk) {
    add_measure(measures::Measure::kNtk, result.kappa_mean, result.kappa_sem,
                result.kappa);
  }
  if (options.compute_regions) {
    add_measure(measures::Measure::kRegions, result.regions_mean,
                result.regions_sem, result.regions);
  }
  for (const measures::ProxyScore& p : result.proxies) {
    add_measure(p.measure, p.mean, p.sem, p.values);
  }
  if (!options.proxies.empty()) {
    out->set_proxy_batch_size(options.proxy_batch_size);
  }
  out->mutable_timing()->set_ntk_seconds(result.ntk_seconds);
  out->mutable_timing()->set_linear_regions_seconds(result.regions_seconds);
  out->mutable_timing()->set_proxies_seconds(result.proxies_seconds);
}

void SearchEventToProto(search::SpaceKind space, const search::SearchEvent& e,
                        v1::SearchEvent* out) {
  using Type = search::SearchEvent::Type;
  out->set_seconds(e.seconds);
  switch (e.type) {
    case Type::kRoundStarted: {
      auto* m = out->mutable_round_started();
      m->set_round(e.round);
      m->set_stage(e.stage);
      m->set_num_candidates(e.num_candidates);
      break;
    }
    case Type::kCandidateScored:
      CandidateRecordToProto(space, e.round, e.candidate_index, *e.candidate,
                             out->mutable_candidate_scored());
      break;
    case Type::kOpsPruned: {
      auto* m = out->mutable_ops_pruned();
      m->set_round(e.round);
      m->set_stage(e.stage);
      for (const auto& id : e.record->pruned) {
        CandidateToProto(space, id, m->add_pruned());
      }
      break;
    }
    case Type::kRoundFinished: {
      auto* m = out->mutable_round_finished();
      m->set_round(e.round);
      m->set_stage(e.stage);
      m->set_round_seconds(e.record->seconds);
      break;
    }
    case Type::kResult:
      break;  // the manager sends the full result instead
  }
}

void SearchResultToProto(const search::SearchResult& result,
                         const std::string& dataset, v1::SearchResult* out) {
  out->set_arch(result.arch);
  out->set_space(std::string(search::SpaceName(result.space)));
  out->set_dataset(dataset);
  out->set_batch_size(result.batch_size);
  out->set_prune_number(result.prune_number);
  out->set_ntk_evaluations(result.ntk_evaluations);
  out->set_lr_evaluations(result.lr_evaluations);
  out->set_seconds(result.seconds);
  out->set_mode(SearchModeToProto(result.mode));
  out->set_repeats(result.repeats);
  for (measures::Measure m : result.measures) {
    out->add_measures(std::string(measures::MeasureName(m)));
  }
  for (const auto& round : result.rounds) {
    v1::RoundSummary* r = out->add_rounds();
    r->set_round(round.round);
    r->set_stage(round.stage);
    r->set_seconds(round.seconds);
    if (round.stage == "ops") {
      r->set_prune_number(round.prune_number);
    } else {
      r->set_cell_type(round.cell_type == 0 ? "normal" : "reduce");
      r->set_group(round.group);
    }
    for (size_t i = 0; i < round.candidates.size(); ++i) {
      CandidateRecordToProto(result.space, round.round, static_cast<int>(i),
                             round.candidates[i], r->add_candidates());
    }
    for (const auto& id : round.pruned) {
      CandidateToProto(result.space, id, r->add_pruned());
    }
  }
}

}  // namespace tenas::server
