// Copyright 2026 The tenas Authors.
//
// ranking.h: the per-round ranking and selection of the TE-NAS prune loop
// (docs/ALGORITHM.md §5.2-§5.4), bit-faithful to prune_func_rank /
// prune_func_rank_group of the official code (VITA-Group/TENAS 9df78ff). No
// LibTorch here: the inputs are the raw per-repeat measurements (NTK condition
// numbers κ and linear-region counts R) of every candidate, the outputs are the
// sorted lists, the ranks and the ops to prune.
//
// Two stages:
//   (a) ComputeCandidateDeltas: per candidate, the per-repeat relative
//       changes Δκ_r, ΔR_r rounded to `precision` decimals (numpy rounding
//       for Δκ, Python rounding for ΔR) and their means.
//   (b) RankAndSelect (ordinary rounds) or RankAndSelectEdgeGroup (DARTS
//       edge stage): sort by the significant-digit key, dense ranks by exact
//       equality, stable rank-sum order, selection.
//
// Typical round:
//   AliveMask alive = ...;                     // from the alphas
//   for (const CandidateId& id : EnumerateCandidates(alive)) {
//     ... measure 3 repeats ...
//     TENAS_ASSIGN_OR_RETURN(CandidateDeltas d,
//                            ComputeCandidateDeltas(id, repeats, {}));
//     deltas.push_back(d);
//   }
//   TENAS_ASSIGN_OR_RETURN(RoundDecision decision,
//                          RankAndSelect(deltas, prune_number, alive, 3));
//   TENAS_RETURN_IF_ERROR(ApplyChoices(decision.choices_per_edge, &alive));

#ifndef TENAS_SEARCH_RANKING_H_
#define TENAS_SEARCH_RANKING_H_

#include <array>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace tenas::search {

/// One candidate of a round: "remove op `op` from edge `edge` of cell type
/// `cell_type`" (cell type 0 = normal, 1 = reduce; NB201 has only 0; edges in
/// sorted edge-key order; ops in alpha column order, 0 = none).
struct CandidateId {
  int cell_type = 0;
  int edge = 0;
  int op = 0;

  friend bool operator==(const CandidateId& a, const CandidateId& b) {
    return a.cell_type == b.cell_type && a.edge == b.edge && a.op == b.op;
  }
  friend bool operator!=(const CandidateId& a, const CandidateId& b) {
    return !(a == b);
  }
};

/// alive[cell_type][edge][op]: true while the op is not masked (alpha 0),
/// false once masked (alpha -1000). `none` (op 0) is always false. All cell
/// types have the same number of edges and every edge the same number of
/// ops. (The original's "active" test, softmax > 0.01, equals this whenever
/// an edge has at least one unmasked op, which is always the case where the
/// original enumerates candidates.)
using AliveMask = std::vector<std::vector<std::vector<bool>>>;

// ---------------------------------------------------------------------------
// Rounding, NaN handling, sort key.
// ---------------------------------------------------------------------------

/// The value get_ntk_n returns for a raw κ (numpy nan_to_num with
/// nan=100000.0): NaN -> 100000.0, +inf -> DBL_MAX (1.7976931348623157e308),
/// -inf -> -DBL_MAX, finite values unchanged.
double KappaNanToNum(double kappa);

/// numpy's round(x, precision) for a float64 scalar: multiply by 10^precision
/// (10^p built as numpy does), round half to even (nearbyint in the default
/// rounding mode), divide by 10^precision. Overflows like numpy: a huge |x|
/// whose product exceeds DBL_MAX gives ±inf. NaN and ±inf are returned as is.
/// E.g. RoundKappaDelta(0.0125, 3) == 0.012, RoundKappaDelta(0.0005, 3) ==
/// 0.0. Precondition: precision >= 0.
double RoundKappaDelta(double x, int precision);

/// Python's round(x, precision) for a float: correctly rounded on the exact
/// binary value of x (ties of the exact value go to even), computed as
/// snprintf("%.*f") + strtod. NaN and ±inf are returned as is. E.g.
/// RoundRegionDelta(0.0125, 3) == 0.013 (0.0125 is slightly above the half in
/// binary), RoundRegionDelta(0.0005, 3) == 0.001. Precondition: precision >= 0.
double RoundRegionDelta(double x, int precision);

/// The official sort key round_to(x, precision): x rounded to `precision`
/// significant digits. 0 (either sign) is returned as is; otherwise with
/// s = x/|x|, a = |x| + 1e-8, q = floor(log(a)/log(10)) + 1 the key is
/// s * numpy_round(a * 10^-q, precision) * 10^q, with every power of ten
/// formed as Python forms it (an exact integer for non-negative exponents,
/// pow(10, e) for negative ones). Errors where the original raises:
/// InvalidArgument for NaN (Python: ValueError), OutOfRange for ±inf
/// (Python: OverflowError "cannot convert float infinity to integer") and for
/// |x| >= ~1e308 whose 10^q does not fit a double. Precondition:
/// precision >= 0.
absl::StatusOr<double> SortKey(double x, int precision);

/// np.mean of the per-repeat deltas, accumulated exactly as numpy does: the
/// reduction starts from the identity 0.0 and adds numpy's pairwise sum
/// (left to right for fewer than 8 values, i.e. ((0 + d0) + d1) + d2 for 3
/// repeats, so only signed zeros differ from ((d0 + d1) + d2)), then divides
/// by the count. Empty input gives NaN, as numpy does.
double MeanOverRepeats(absl::Span<const double> values);

// ---------------------------------------------------------------------------
// Stage (a): per-candidate deltas.
// ---------------------------------------------------------------------------

/// The raw measurements of one repeat of one candidate.
struct RepeatMeasurement {
  /// κ = λmax/λmin of the NTK origin (supernet) and of the candidate
  /// (supernet minus the op), as computed (fp32 converted to double), BEFORE
  /// NaN handling; any value including NaN and ±inf is allowed.
  double kappa_origin = 0.0;
  double kappa_candidate = 0.0;
  /// Number of linear regions of the thin origin and of the thin candidate
  /// (counts as doubles, normally in [1, 3000]).
  double regions_origin = 0.0;
  double regions_candidate = 0.0;
  /// The zero-cost proxies of SearchOptions::measures (in its order, κ and R
  /// excluded) of the origin and of the candidate; empty without proxies.
  std::vector<double> proxy_origin{};
  std::vector<double> proxy_candidate{};
};

/// Options of stage (a).
struct DeltaOptions {
  /// Decimal places of the per-repeat rounding (--precision; shipped 3). The
  /// same value must be passed to RankAndSelect. Must be in [0, 100].
  int precision = 3;
  /// Documented deviation (docs/ALGORITHM.md §5.3), default off = shipped
  /// behaviour: map a raw κ of ±inf to 100000.0 like NaN instead of ±DBL_MAX.
  /// With it off, a candidate κ of +inf makes the round fail in RankAndSelect
  /// (as the original aborts with OverflowError).
  bool kappa_inf_as_nan = false;
};

/// Deltas of one candidate.
struct CandidateDeltas {
  CandidateId id;
  /// Per repeat: RoundKappaDelta((k0 - k) / k0) with k0, k after
  /// KappaNanToNum (higher = more prunable).
  std::vector<double> kappa_deltas;
  /// Per repeat: RoundRegionDelta((R0 - R) / R0) (lower = more prunable).
  std::vector<double> regions_deltas;
  /// MeanOverRepeats of the two lists: the values that are sorted and
  /// compared for ties.
  double kappa_delta = 0.0;
  double regions_delta = 0.0;
  /// Per proxy (RepeatMeasurement order), per repeat: the rounded relative
  /// change (p0 - p) / |p0| (p0 - p when p0 is 0; RoundKappaDelta rounding).
  /// Every proxy is higher-is-better, so, as for R, lower = more prunable.
  std::vector<std::vector<double>> proxy_deltas{};
  /// MeanOverRepeats of each list of proxy_deltas.
  std::vector<double> proxy_delta{};
};

/// Stage (a) for one candidate. `repeats` must be non-empty (--repeat,
/// shipped 3). InvalidArgument for an empty `repeats` or a precision outside
/// [0, 100], and for R_origin == 0 (the original raises ZeroDivisionError:
/// the region counts are Python floats). κ_origin == 0 is not an error here
/// (numpy gives ±inf/NaN; RankAndSelect then fails on it as the original
/// does).
absl::StatusOr<CandidateDeltas> ComputeCandidateDeltas(
    const CandidateId& id, absl::Span<const RepeatMeasurement> repeats,
    const DeltaOptions& options);

// ---------------------------------------------------------------------------
// Ordinary round (prune_func_rank).
// ---------------------------------------------------------------------------

/// The candidates of a round in the official enumeration (= evaluation)
/// order: cell type, edge, op ascending; edges with exactly one alive op are
/// skipped; every alive op of the other edges is a candidate.
std::vector<CandidateId> EnumerateCandidates(const AliveMask& alive);

/// The effective prune number: min(requested, #alive ops on edge 0 of cell
/// type 0 - 1). It applies to every edge (the original looks at edge 0
/// only). An empty mask counts as 0 alive ops.
int EffectivePruneNumber(int requested, const AliveMask& alive);

/// One entry of a sorted list: the candidate and its mean delta.
struct RankedValue {
  CandidateId id;
  double value = 0.0;
};

/// Which measures a rank sum adds (SearchOptions::measures): κ and R, or
/// either, and every zero-cost proxy the candidates carry.
struct RankedMeasures {
  bool kappa = true;
  bool regions = true;
};

/// The dense ranks of a candidate (0 = first of the sorted list).
struct CandidateRanks {
  CandidateId id;
  int kappa_rank = 0;
  int regions_rank = 0;
  /// One rank per zero-cost proxy (CandidateDeltas::proxy_delta order).
  std::vector<int> proxy_ranks{};
  /// Whether κ and R count in Sum() (RankedMeasures).
  bool kappa_counts = true;
  bool regions_counts = true;
  /// The rank sum that orders candidates: the counted ranks of κ and R plus
  /// every proxy rank.
  int Sum() const {
    int sum =
        (kappa_counts ? kappa_rank : 0) + (regions_counts ? regions_rank : 0);
    for (int r : proxy_ranks) sum += r;
    return sum;
  }
};

/// Sorted lists, ranks and rank-sum order of a set of candidates.
struct Ranking {
  /// Means Δκ sorted descending by SortKey (stable: ties keep input order).
  std::vector<RankedValue> kappa_sorted;
  /// Means ΔR sorted ascending by SortKey (stable).
  std::vector<RankedValue> regions_sorted;
  /// Per zero-cost proxy: its mean deltas sorted ascending (lower = the op
  /// contributes less of the proxy = more prunable), stable.
  std::vector<std::vector<RankedValue>> proxy_sorted;
  /// Both ranks of every candidate, in kappa_sorted order. Dense ranks: the
  /// first item of a sorted list gets 0, each next one the previous rank if
  /// its mean is exactly equal (==, not the sort key) to the previous
  /// item's, else the previous rank + 1.
  std::vector<CandidateRanks> ranks;
  /// `ranks` stable-sorted by kappa_rank + regions_rank ascending (ties keep
  /// kappa_sorted order).
  std::vector<CandidateRanks> rank_sum_order;
};

/// Sorts and ranks `candidates` (given in enumeration order). `precision` is
/// the number of significant digits of the sort key (the --precision value).
/// Errors: InvalidArgument for a precision outside [0, 100] or a candidate
/// listed twice; the SortKey errors (NaN: InvalidArgument, ±inf: OutOfRange)
/// with the candidate and the list named. Empty input gives an empty Ranking.
/// `measures` chooses the ranks that Sum() adds (default: κ and R, TE-NAS);
/// the zero-cost proxies of the candidates (all with the same number of
/// proxy_delta values, else InvalidArgument) are always ranked and added.
absl::StatusOr<Ranking> RankCandidates(
    absl::Span<const CandidateDeltas> candidates, int precision,
    const RankedMeasures& measures = {});

/// The outcome of one ordinary round.
struct RoundDecision {
  Ranking ranking;
  /// EffectivePruneNumber of the requested number.
  int prune_number = 0;
  /// Per edge, in order of the edge's first appearance in rank_sum_order:
  /// the edge's first candidates in rank_sum_order, max(prune_number, 1) of
  /// them or fewer if the edge has fewer candidates. (The original always
  /// takes an edge's first candidate, even when prune_number <= 0.)
  std::vector<std::vector<CandidateId>> choices_per_edge;
};

/// Stage (b) of an ordinary round: RankCandidates, then the per-edge
/// selection. `candidates` must be in enumeration order (as from
/// EnumerateCandidates(alive)); `alive` is the mask before the round;
/// `prune_number` the requested number (--prune_number: NB201 1, DARTS
/// CIFAR-10 3, ImageNet 2); `precision` as in RankCandidates. Besides the
/// RankCandidates errors: InvalidArgument if a candidate is outside `alive`
/// or not alive there.
absl::StatusOr<RoundDecision> RankAndSelect(
    absl::Span<const CandidateDeltas> candidates, int prune_number,
    const AliveMask& alive, int precision, const RankedMeasures& measures = {});

/// Masks every chosen op in `alive` (alpha := -1000). InvalidArgument if an
/// op is outside the mask or already masked (then `alive` is unchanged).
absl::Status ApplyChoices(const std::vector<std::vector<CandidateId>>& choices,
                          AliveMask* alive);

// ---------------------------------------------------------------------------
// DARTS edge stage (prune_func_rank_group, docs/ALGORITHM.md §5.4).
// ---------------------------------------------------------------------------

/// The incoming edges [begin, end) of one intermediate node of a DARTS cell.
struct EdgeGroup {
  int begin = 0;
  int end = 0;
};

/// The DARTS cell's edge groups (nodes 2..5 of the 14-edge cell).
inline constexpr std::array<EdgeGroup, 4> kDartsEdgeGroups = {
    EdgeGroup{0, 2}, EdgeGroup{2, 5}, EdgeGroup{5, 9}, EdgeGroup{9, 14}};

/// Number of incoming edges each node keeps.
inline constexpr int kDartsEdgesKeptPerNode = 2;

/// Whether the group has more edges than `num_keep` (the original skips a
/// group with end - begin <= num_keep; the first node keeps both inputs).
bool EdgeGroupNeedsPruning(const EdgeGroup& group, int num_keep);

/// The candidates of one group, in the original order: edges of the group
/// ascending, then every alive op ascending (no edge is skipped; after the
/// op rounds each edge has exactly one alive op, so removing it removes the
/// edge).
std::vector<CandidateId> EnumerateEdgeGroupCandidates(const AliveMask& alive,
                                                      int cell_type,
                                                      const EdgeGroup& group);

/// The outcome of one group.
struct EdgeGroupDecision {
  /// Ranks computed within the group only.
  Ranking ranking;
  /// All but the LAST `num_keep` candidates of rank_sum_order (the ones with
  /// the largest rank sums survive; ties keep kappa_sorted order), in
  /// rank_sum_order order; empty if there are <= num_keep candidates or
  /// num_keep is 0 (Python's rankings_sum[:-0] is empty).
  std::vector<CandidateId> pruned;
};

/// Stage (b) for one DARTS edge group: `candidates` (in
/// EnumerateEdgeGroupCandidates order) are ranked within the group and all
/// but the last `num_keep` (kDartsEdgesKeptPerNode) in rank-sum order are
/// pruned. Errors as RankCandidates, and InvalidArgument for num_keep < 0.
/// The caller writes `pruned` into the mask before evaluating the next group.
absl::StatusOr<EdgeGroupDecision> RankAndSelectEdgeGroup(
    absl::Span<const CandidateDeltas> candidates, int num_keep, int precision,
    const RankedMeasures& measures = {});

}  // namespace tenas::search

#endif  // TENAS_SEARCH_RANKING_H_
