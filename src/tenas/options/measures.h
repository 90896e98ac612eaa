// Copyright 2026 The tenas Authors.
//
// measures.h: the names of every measure tenas computes (TE-NAS's two and
// the zero-cost proxies of docs/PROXIES.md), their ranking direction, and the
// parsing of a requested list. LibTorch-free, so that the server and the CLIs
// validate requests without LibTorch.

#ifndef TENAS_OPTIONS_MEASURES_H_
#define TENAS_OPTIONS_MEASURES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tenas::measures {

/// One measure of an architecture. The order is the canonical order of
/// results (a requested list is reported in this order).
enum class Measure {
  kNtk,       ///< "ntk": NTK condition number κ (lower is better).
  kRegions,   ///< "lr": number of linear regions R (higher is better).
  kParams,    ///< "params": parameters of the proxy network, millions.
  kFlops,     ///< "flops": forward operations per image, millions.
  kSynflow,   ///< "synflow": ln of SynFlow (all-ones input, |θ|, float64).
  kSnip,      ///< "snip": Σ |θ ⊙ ∂L/∂θ|.
  kGrasp,     ///< "grasp": Σ -θ ⊙ H·∂L/∂θ.
  kFisher,    ///< "fisher": channel Fisher information, summed.
  kGradNorm,  ///< "grad_norm": Σ over layers of ‖∂L/∂W‖₂.
  kL2Norm,    ///< "l2_norm": Σ over layers of ‖W‖₂.
  kPlain,     ///< "plain": Σ θ ⊙ ∂L/∂θ.
  kJacov,     ///< "jacov": Jacobian covariance score.
  kNwot,      ///< "nwot": NASWOT log|det K_H|.
  kEpeNas,    ///< "epe_nas": per-class Jacobian correlation score.
  kZen,       ///< "zen": Zen-score.
  kZico,      ///< "zico": ZiCo, Σ log Σ mean|g| / std(g).
};

/// Number of Measure values.
inline constexpr int kNumMeasures = 16;

/// Every measure, in canonical order.
const std::vector<Measure>& AllMeasures();

/// The measure's request name ("ntk", "lr", "nwot", ...).
absl::string_view MeasureName(Measure measure);

/// Request names of every measure, in canonical order.
std::vector<std::string> AllMeasureNames();

/// Whether a larger value predicts a better architecture (false only for
/// κ). A search ranks each measure in its own direction.
bool HigherIsBetter(Measure measure);

/// Whether the measure is a zero-cost proxy (everything but ntk and lr).
bool IsZeroCostProxy(Measure measure);

/// TE-NAS's two measures, the default of every request: {kNtk, kRegions}.
std::vector<Measure> DefaultMeasures();

/// Parses request names into measures in canonical order, without
/// duplicates. Accepts "all" (every measure). Empty `names`: the defaults.
/// An unknown or repeated name is InvalidArgument "<field>: unknown measure
/// '<name>' (known: ...)" / "<field>: measure '<name>' listed twice".
absl::StatusOr<std::vector<Measure>> ParseMeasures(
    const std::vector<std::string>& names, absl::string_view field);

/// ParseMeasures of a comma-separated list ("ntk,lr,nwot"); empty text gives
/// the defaults.
absl::StatusOr<std::vector<Measure>> ParseMeasureList(absl::string_view text,
                                                      absl::string_view field);

/// The names of `measures`, comma-separated ("ntk,lr").
std::string JoinMeasureNames(const std::vector<Measure>& measures);

}  // namespace tenas::measures

#endif  // TENAS_OPTIONS_MEASURES_H_
