// Copyright 2026 The tenas Authors.
//
// space_adapter.h: what the prune loop needs to know about a search space —
// its alpha shape, how to build its TE-NAS NTK and linear-region supernets,
// how to apply an alive mask to them and how to name the final architecture.

#ifndef TENAS_SEARCH_SPACE_ADAPTER_H_
#define TENAS_SEARCH_SPACE_ADAPTER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tenas/nn/search_network.h"
#include "tenas/options/search_defaults.h"
#include "tenas/search/ranking.h"

namespace tenas::search {

/// Space-specific parts of the prune loop. Implementations are stateless
/// and thread-safe.
class SpaceAdapter {
 public:
  virtual ~SpaceAdapter() = default;

  virtual SpaceKind kind() const = 0;
  /// 1 for NB201; 2 (normal, reduce) for DARTS.
  virtual int num_cell_types() const = 0;
  virtual int num_edges() const = 0;
  /// Alpha columns including `none` (op 0).
  virtual int num_ops() const = 0;

  /// The TE-NAS NTK / linear-region supernets (default init from the global
  /// generator: call inside nn::RunSeeded).
  virtual std::shared_ptr<nn::SearchNetwork> BuildNtkNetwork(
      int num_classes) const = 0;
  virtual std::shared_ptr<nn::SearchNetwork> BuildLrNetwork(
      int num_classes) const = 0;

  /// Sets the network's alphas: 0 for alive ops, -1000 for masked ones.
  /// Precondition: `net` was built by this adapter.
  virtual void SetAlive(nn::SearchNetwork& net,
                        const AliveMask& alive) const = 0;

  /// The final architecture: an NB201 string or a DARTS genotype text.
  /// Precondition: the search has finished (one op per kept edge).
  virtual std::string FormatArchitecture(const AliveMask& alive) const = 0;

  /// The initial mask: every op alive except `none`.
  AliveMask InitialAlive() const;
};

/// The adapter of `space` (a static instance).
const SpaceAdapter& GetSpaceAdapter(SpaceKind space);

}  // namespace tenas::search

#endif  // TENAS_SEARCH_SPACE_ADAPTER_H_
