// Copyright 2026 The tenas Authors.
//
// nb201.h: the NAS-Bench-201 search space (docs/ALGORITHM.md §1): its 5
// operations, its 6-edge cell and the official architecture string
//   |op~0|+|op~0|op~1|+|op~0|op~1|op~2|
// No LibTorch here: this is plain data and parsing.

#ifndef TENAS_SPACE_NB201_H_
#define TENAS_SPACE_NB201_H_

#include <array>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tenas::nb201 {

/// Operation ids; the order is the alpha column order of the search space.
enum Op : int {
  kNone = 0,
  kSkipConnect = 1,
  kNorConv1x1 = 2,
  kNorConv3x3 = 3,
  kAvgPool3x3 = 4,
};
inline constexpr int kNumOps = 5;
inline constexpr int kNumNodes = 4;  // node 0 = input, node 3 = output
inline constexpr int kNumEdges = 6;
/// Number of distinct architectures: 5^6.
inline constexpr int kNumArchitectures = 15625;

/// Official op names, indexed by Op.
inline constexpr std::array<absl::string_view, kNumOps> kOpNames = {
    "none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"};

/// One cell edge `to <- from`. Edges are indexed in the order of their keys
/// sorted as strings: 0:1<-0 1:2<-0 2:2<-1 3:3<-0 4:3<-1 5:3<-2.
struct Edge {
  int to;
  int from;
};
inline constexpr std::array<Edge, kNumEdges> kEdges = {
    Edge{1, 0}, Edge{2, 0}, Edge{2, 1}, Edge{3, 0}, Edge{3, 1}, Edge{3, 2}};

/// Index of edge `to <- from` (1 <= to <= 3, 0 <= from < to).
int EdgeIndex(int to, int from);

/// The edge's module key, e.g. "2<-1".
std::string EdgeKey(int edge);

/// A fixed architecture: one op per edge, in edge-index order.
struct Architecture {
  std::array<Op, kNumEdges> ops{};
  bool operator==(const Architecture& other) const { return ops == other.ops; }
  bool operator!=(const Architecture& other) const { return !(*this == other); }
};

/// Looks up an op by its official name.
absl::StatusOr<Op> ParseOp(absl::string_view name);

/// Parses the official string. A malformed string is InvalidArgument naming
/// the bad token and its character position (0-based), e.g.
///   "bad op 'conv_9x9' at position 1 (node 1, input 0)".
absl::StatusOr<Architecture> ParseArchitecture(absl::string_view text);

/// Formats in the official form (inverse of ParseArchitecture).
std::string FormatArchitecture(const Architecture& arch);

/// The architecture with number `n` in [0, 15625), counting edges as base-5
/// digits (edge 0 least significant). This is NOT the official benchmark
/// index; it is a convenient bijection for enumeration and sampling.
Architecture ArchitectureFromOrdinal(int n);

/// Inverse of ArchitectureFromOrdinal.
int ArchitectureOrdinal(const Architecture& arch);

}  // namespace tenas::nb201

#endif  // TENAS_SPACE_NB201_H_
