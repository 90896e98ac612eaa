// Copyright 2026 The tenas Authors.

#include "tenas/search/ranking.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace tenas::search {
namespace {

// The largest precision the StatusOr entry points accept. Far beyond any
// meaningful value (doubles carry ~17 significant digits); it only keeps
// numpy's power-of-ten loop and the %.*f buffers bounded.
constexpr int kMaxPrecision = 100;

// numpy's power_of_ten (multiarray/calculation.c): a table up to 1e8, then
// repeated multiplication by 10 starting from 1e9.
double NumpyPowerOfTen(int n) {
  static constexpr double kP10[] = {1e0, 1e1, 1e2, 1e3, 1e4,
                                    1e5, 1e6, 1e7, 1e8};
  if (n < 9) return kP10[n];
  double ret = 1e9;
  while (n-- > 9) ret *= 10.0;
  return ret;
}

// 10**n for a Python int n >= 0 converted to float: correctly rounded (exact
// up to 1e22). The caller guarantees n <= 308.
double ExactPowerOfTen(int n) {
  const std::string text = absl::StrCat("1e", n);
  return std::strtod(text.c_str(), nullptr);
}

std::string DescribeCandidate(const CandidateId& id) {
  return absl::StrFormat("(cell_type %d, edge %d, op %d)", id.cell_type,
                         id.edge, id.op);
}

absl::Status CheckPrecision(int precision) {
  if (precision < 0 || precision > kMaxPrecision) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "precision must be in [0, %d], got %d", kMaxPrecision, precision));
  }
  return absl::OkStatus();
}

// Dense ranks over a sorted list: +1 whenever the stored value differs
// exactly from the previous one.
std::vector<int> DenseRanks(const std::vector<RankedValue>& sorted) {
  std::vector<int> ranks(sorted.size(), 0);
  for (size_t i = 1; i < sorted.size(); ++i) {
    ranks[i] = sorted[i].value == sorted[i - 1].value ? ranks[i - 1]
                                                      : ranks[i - 1] + 1;
  }
  return ranks;
}

// Stable sort of `values` (input order = candidate order) by SortKey,
// descending or ascending; returns the sorted candidate indices.
absl::StatusOr<std::vector<size_t>> SortByKey(
    absl::Span<const CandidateDeltas> candidates,
    const std::vector<double>& values, int precision, bool descending,
    absl::string_view list_name) {
  // Python computes every key first, in list order; the first failing one
  // raises.
  std::vector<double> keys(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    absl::StatusOr<double> key = SortKey(values[i], precision);
    if (!key.ok()) {
      return absl::Status(
          key.status().code(),
          absl::StrCat("TE-NAS ranking: the mean ", list_name, " of candidate ",
                       DescribeCandidate(candidates[i].id), " is ",
                       absl::StrFormat("%g", values[i]),
                       "; it has no significant-digit sort key, so this "
                       "pruning round cannot be ranked: ",
                       key.status().message()));
    }
    keys[i] = *key;
  }
  std::vector<size_t> order(values.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (descending) {
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return keys[a] > keys[b]; });
  } else {
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  }
  return order;
}

absl::Status CheckAlive(const CandidateId& id, const AliveMask& alive) {
  const bool inside =
      id.cell_type >= 0 && id.cell_type < static_cast<int>(alive.size()) &&
      id.edge >= 0 && id.edge < static_cast<int>(alive[id.cell_type].size()) &&
      id.op >= 0 &&
      id.op < static_cast<int>(alive[id.cell_type][id.edge].size());
  if (!inside) {
    return absl::InvalidArgumentError(absl::StrCat(
        "candidate ", DescribeCandidate(id), " is outside the alive mask"));
  }
  if (!alive[id.cell_type][id.edge][id.op]) {
    return absl::InvalidArgumentError(absl::StrCat(
        "candidate ", DescribeCandidate(id), " is already masked"));
  }
  return absl::OkStatus();
}

}  // namespace

double KappaNanToNum(double kappa) {
  if (std::isnan(kappa)) return 100000.0;
  if (std::isinf(kappa)) {
    return kappa > 0 ? std::numeric_limits<double>::max()
                     : -std::numeric_limits<double>::max();
  }
  return kappa;
}

double RoundKappaDelta(double x, int precision) {
  const double f = NumpyPowerOfTen(precision);
  return std::nearbyint(x * f) / f;
}

double RoundRegionDelta(double x, int precision) {
  // CPython returns non-finite values, and finite ones for precision beyond
  // NDIGITS_MAX (323), unchanged.
  if (!std::isfinite(x) || precision > 323) return x;
  const int size = std::snprintf(nullptr, 0, "%.*f", precision, x);
  std::string text(static_cast<size_t>(size) + 1, '\0');
  std::snprintf(text.data(), text.size(), "%.*f", precision, x);
  return std::strtod(text.c_str(), nullptr);
}

absl::StatusOr<double> SortKey(double x, int precision) {
  if (x == 0.0) return x;
  if (std::isnan(x)) {
    return absl::InvalidArgumentError(
        "the sort key of NaN is undefined (the original raises ValueError: "
        "cannot convert float NaN to integer)");
  }
  const double sign = x / std::fabs(x);
  const double a = std::fabs(x) + 1e-8;
  if (std::isinf(a)) {
    return absl::OutOfRangeError(
        "the sort key of an infinite value is undefined (the original "
        "raises OverflowError: cannot convert float infinity to integer)");
  }
  // Python: math.floor(math.log(a, 10)) + 1, where math.log(a, 10) is
  // log(a) / log(10).
  const int power =
      static_cast<int>(std::floor(std::log(a) / std::log(10.0))) + 1;
  // number * 10**(-power): an exact int for -power >= 0, else pow().
  const double scale_down =
      power <= 0 ? ExactPowerOfTen(-power) : std::pow(10.0, -power);
  const double rounded = RoundKappaDelta(a * scale_down, precision);
  double scale_up;
  if (power >= 0) {
    if (power > 308) {
      return absl::OutOfRangeError(absl::StrFormat(
          "the sort key of %g needs 10**%d, which does not fit a double (the "
          "original raises OverflowError)",
          x, power));
    }
    scale_up = ExactPowerOfTen(power);
  } else {
    scale_up = std::pow(10.0, power);
  }
  return sign * rounded * scale_up;
}

double MeanOverRepeats(absl::Span<const double> values) {
  // numpy's pairwise_sum (umath/loops_utils.h), added to the identity 0.0.
  struct Pairwise {
    static double Sum(const double* a, size_t n) {
      if (n < 8) {
        double res = 0.0;
        for (size_t i = 0; i < n; ++i) res += a[i];
        return res;
      }
      if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; ++j) r[j] = a[j];
        size_t i = 8;
        for (; i < n - (n % 8); i += 8) {
          for (int j = 0; j < 8; ++j) r[j] += a[i + j];
        }
        double res =
            ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; ++i) res += a[i];
        return res;
      }
      size_t n2 = n / 2;
      n2 -= n2 % 8;
      return Sum(a, n2) + Sum(a + n2, n - n2);
    }
  };
  const double sum = 0.0 + Pairwise::Sum(values.data(), values.size());
  return sum / static_cast<double>(values.size());
}

absl::StatusOr<CandidateDeltas> ComputeCandidateDeltas(
    const CandidateId& id, absl::Span<const RepeatMeasurement> repeats,
    const DeltaOptions& options) {
  if (auto status = CheckPrecision(options.precision); !status.ok()) {
    return status;
  }
  if (repeats.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("candidate ", DescribeCandidate(id), " has no repeats"));
  }
  CandidateDeltas out;
  out.id = id;
  for (size_t r = 0; r < repeats.size(); ++r) {
    const RepeatMeasurement& m = repeats[r];
    double k0 = m.kappa_origin;
    double k = m.kappa_candidate;
    if (options.kappa_inf_as_nan) {
      if (std::isinf(k0)) k0 = std::numeric_limits<double>::quiet_NaN();
      if (std::isinf(k)) k = std::numeric_limits<double>::quiet_NaN();
    }
    k0 = KappaNanToNum(k0);
    k = KappaNanToNum(k);
    out.kappa_deltas.push_back(
        RoundKappaDelta((k0 - k) / k0, options.precision));
    if (m.regions_origin == 0.0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "candidate %s, repeat %d: the origin has 0 linear regions, the "
          "relative change is undefined (the original raises "
          "ZeroDivisionError)",
          DescribeCandidate(id), r));
    }
    out.regions_deltas.push_back(RoundRegionDelta(
        (m.regions_origin - m.regions_candidate) / m.regions_origin,
        options.precision));
  }
  out.kappa_delta = MeanOverRepeats(out.kappa_deltas);
  out.regions_delta = MeanOverRepeats(out.regions_deltas);
  const size_t proxies = repeats[0].proxy_origin.size();
  out.proxy_deltas.resize(proxies);
  for (size_t r = 0; r < repeats.size(); ++r) {
    const RepeatMeasurement& m = repeats[r];
    if (m.proxy_origin.size() != proxies ||
        m.proxy_candidate.size() != proxies) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "candidate %s, repeat %d: %d origin and %d candidate proxy values, "
          "expected %d each",
          DescribeCandidate(id), r, m.proxy_origin.size(),
          m.proxy_candidate.size(), proxies));
    }
    for (size_t p = 0; p < proxies; ++p) {
      const double p0 = m.proxy_origin[p];
      const double change = p0 - m.proxy_candidate[p];
      out.proxy_deltas[p].push_back(RoundKappaDelta(
          p0 == 0.0 ? change : change / std::abs(p0), options.precision));
    }
  }
  for (const std::vector<double>& d : out.proxy_deltas) {
    out.proxy_delta.push_back(MeanOverRepeats(d));
  }
  return out;
}

std::vector<CandidateId> EnumerateCandidates(const AliveMask& alive) {
  std::vector<CandidateId> out;
  for (size_t ct = 0; ct < alive.size(); ++ct) {
    for (size_t e = 0; e < alive[ct].size(); ++e) {
      const std::vector<bool>& ops = alive[ct][e];
      if (std::count(ops.begin(), ops.end(), true) == 1) continue;
      for (size_t o = 0; o < ops.size(); ++o) {
        if (ops[o]) {
          out.push_back(CandidateId{static_cast<int>(ct), static_cast<int>(e),
                                    static_cast<int>(o)});
        }
      }
    }
  }
  return out;
}

int EffectivePruneNumber(int requested, const AliveMask& alive) {
  int alive_first = 0;
  if (!alive.empty() && !alive[0].empty()) {
    alive_first = static_cast<int>(
        std::count(alive[0][0].begin(), alive[0][0].end(), true));
  }
  return std::min(requested, alive_first - 1);
}

absl::StatusOr<Ranking> RankCandidates(
    absl::Span<const CandidateDeltas> candidates, int precision,
    const RankedMeasures& measures) {
  if (auto status = CheckPrecision(precision); !status.ok()) return status;
  for (size_t i = 0; i < candidates.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (candidates[i].id == candidates[j].id) {
        return absl::InvalidArgumentError(
            absl::StrCat("candidate ", DescribeCandidate(candidates[i].id),
                         " is listed twice"));
      }
    }
  }
  const size_t n = candidates.size();
  std::vector<double> kappa(n), regions(n);
  for (size_t i = 0; i < n; ++i) {
    kappa[i] = candidates[i].kappa_delta;
    regions[i] = candidates[i].regions_delta;
  }

  Ranking out;
  // Δκ: descending (higher = more prunable); ranks; then ΔR ascending.
  absl::StatusOr<std::vector<size_t>> kappa_order =
      SortByKey(candidates, kappa, precision, /*descending=*/true,
                "delta-kappa (relative change of the NTK condition number)");
  if (!kappa_order.ok()) return kappa_order.status();
  absl::StatusOr<std::vector<size_t>> regions_order =
      SortByKey(candidates, regions, precision, /*descending=*/false,
                "delta-R (relative change of the number of linear regions)");
  if (!regions_order.ok()) return regions_order.status();

  for (size_t i : *kappa_order) {
    out.kappa_sorted.push_back(RankedValue{candidates[i].id, kappa[i]});
  }
  for (size_t i : *regions_order) {
    out.regions_sorted.push_back(RankedValue{candidates[i].id, regions[i]});
  }
  const std::vector<int> kappa_ranks = DenseRanks(out.kappa_sorted);
  const std::vector<int> regions_ranks = DenseRanks(out.regions_sorted);

  // Candidate index -> regions rank.
  std::vector<int> regions_rank_of(n, 0);
  for (size_t pos = 0; pos < n; ++pos) {
    regions_rank_of[(*regions_order)[pos]] = regions_ranks[pos];
  }
  // Each zero-cost proxy: ascending, like ΔR.
  const size_t proxies = n == 0 ? 0 : candidates[0].proxy_delta.size();
  std::vector<std::vector<int>> proxy_rank_of(proxies, std::vector<int>(n, 0));
  for (size_t p = 0; p < proxies; ++p) {
    std::vector<double> values(n);
    for (size_t i = 0; i < n; ++i) {
      if (candidates[i].proxy_delta.size() != proxies) {
        return absl::InvalidArgumentError(
            absl::StrCat("candidate ", DescribeCandidate(candidates[i].id),
                         " has ", candidates[i].proxy_delta.size(),
                         " proxy deltas, expected ", proxies));
      }
      values[i] = candidates[i].proxy_delta[p];
    }
    absl::StatusOr<std::vector<size_t>> order =
        SortByKey(candidates, values, precision, /*descending=*/false,
                  absl::StrCat("delta of zero-cost proxy ", p + 1));
    if (!order.ok()) return order.status();
    std::vector<RankedValue> sorted;
    for (size_t i : *order) {
      sorted.push_back(RankedValue{candidates[i].id, values[i]});
    }
    const std::vector<int> ranks = DenseRanks(sorted);
    for (size_t pos = 0; pos < n; ++pos) {
      proxy_rank_of[p][(*order)[pos]] = ranks[pos];
    }
    out.proxy_sorted.push_back(std::move(sorted));
  }
  for (size_t pos = 0; pos < n; ++pos) {
    const size_t i = (*kappa_order)[pos];
    CandidateRanks ranks;
    ranks.id = candidates[i].id;
    ranks.kappa_rank = kappa_ranks[pos];
    ranks.regions_rank = regions_rank_of[i];
    for (size_t p = 0; p < proxies; ++p) {
      ranks.proxy_ranks.push_back(proxy_rank_of[p][i]);
    }
    ranks.kappa_counts = measures.kappa;
    ranks.regions_counts = measures.regions;
    out.ranks.push_back(std::move(ranks));
  }
  out.rank_sum_order = out.ranks;
  std::stable_sort(out.rank_sum_order.begin(), out.rank_sum_order.end(),
                   [](const CandidateRanks& a, const CandidateRanks& b) {
                     return a.Sum() < b.Sum();
                   });
  return out;
}

absl::StatusOr<RoundDecision> RankAndSelect(
    absl::Span<const CandidateDeltas> candidates, int prune_number,
    const AliveMask& alive, int precision, const RankedMeasures& measures) {
  for (const CandidateDeltas& c : candidates) {
    if (auto status = CheckAlive(c.id, alive); !status.ok()) return status;
  }
  RoundDecision out;
  absl::StatusOr<Ranking> ranking =
      RankCandidates(candidates, precision, measures);
  if (!ranking.ok()) return ranking.status();
  out.ranking = *std::move(ranking);
  out.prune_number = EffectivePruneNumber(prune_number, alive);

  // edge2choice: insertion order = first appearance in rank_sum_order. The
  // first candidate of an edge is always taken; more while fewer than
  // prune_number are taken.
  for (const CandidateRanks& r : out.ranking.rank_sum_order) {
    std::vector<CandidateId>* group = nullptr;
    for (std::vector<CandidateId>& choices : out.choices_per_edge) {
      if (choices.front().cell_type == r.id.cell_type &&
          choices.front().edge == r.id.edge) {
        group = &choices;
        break;
      }
    }
    if (group == nullptr) {
      out.choices_per_edge.push_back({r.id});
    } else if (static_cast<int>(group->size()) < out.prune_number) {
      group->push_back(r.id);
    }
  }
  return out;
}

absl::Status ApplyChoices(const std::vector<std::vector<CandidateId>>& choices,
                          AliveMask* alive) {
  AliveMask updated = *alive;
  for (const std::vector<CandidateId>& edge_choices : choices) {
    for (const CandidateId& id : edge_choices) {
      if (auto status = CheckAlive(id, updated); !status.ok()) return status;
      updated[id.cell_type][id.edge][id.op] = false;
    }
  }
  *alive = std::move(updated);
  return absl::OkStatus();
}

bool EdgeGroupNeedsPruning(const EdgeGroup& group, int num_keep) {
  return group.end - group.begin > num_keep;
}

std::vector<CandidateId> EnumerateEdgeGroupCandidates(const AliveMask& alive,
                                                      int cell_type,
                                                      const EdgeGroup& group) {
  std::vector<CandidateId> out;
  if (cell_type < 0 || cell_type >= static_cast<int>(alive.size())) return out;
  const auto& edges = alive[cell_type];
  for (int e = std::max(group.begin, 0);
       e < std::min(group.end, static_cast<int>(edges.size())); ++e) {
    for (size_t o = 0; o < edges[e].size(); ++o) {
      if (edges[e][o]) {
        out.push_back(CandidateId{cell_type, e, static_cast<int>(o)});
      }
    }
  }
  return out;
}

absl::StatusOr<EdgeGroupDecision> RankAndSelectEdgeGroup(
    absl::Span<const CandidateDeltas> candidates, int num_keep, int precision,
    const RankedMeasures& measures) {
  if (num_keep < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_keep must be >= 0, got ", num_keep));
  }
  EdgeGroupDecision out;
  absl::StatusOr<Ranking> ranking =
      RankCandidates(candidates, precision, measures);
  if (!ranking.ok()) return ranking.status();
  out.ranking = *std::move(ranking);
  // rankings_sum[:-num_keep]; note Python's [:-0] is empty, so num_keep 0
  // prunes nothing.
  const std::vector<CandidateRanks>& order = out.ranking.rank_sum_order;
  const size_t keep = static_cast<size_t>(num_keep);
  if (num_keep > 0 && order.size() > keep) {
    for (size_t i = 0; i + keep < order.size(); ++i) {
      out.pruned.push_back(order[i].id);
    }
  }
  return out;
}

}  // namespace tenas::search
