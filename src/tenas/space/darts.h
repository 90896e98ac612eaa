// Copyright 2026 The tenas Authors.
//
// darts.h: the DARTS (NASNet-style) search space as used by TE-NAS
// (docs/ALGORITHM.md §2): its 8 operations, the 14-edge cell with 4
// intermediate nodes, and the DARTS genotype string
//   Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5],
//            reduce=[...], reduce_concat=[2, 3, 4, 5])
// together with the genotypes TE-NAS published. No LibTorch here: this is
// plain data and parsing.

#ifndef TENAS_SPACE_DARTS_H_
#define TENAS_SPACE_DARTS_H_

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tenas::darts {

/// Operation ids; the order is the alpha column order of the search space.
enum Op : int {
  kNone = 0,
  kSkipConnect = 1,
  kSepConv3x3 = 2,
  kSepConv5x5 = 3,
  kDilConv3x3 = 4,
  kDilConv5x5 = 5,
  kAvgPool3x3 = 6,
  kMaxPool3x3 = 7,
};
inline constexpr int kNumOps = 8;
/// Intermediate nodes per cell ("steps").
inline constexpr int kNumSteps = 4;
/// Intermediate nodes concatenated into the cell output ("multiplier").
inline constexpr int kMultiplier = 4;
/// Edges per cell: node i (0-based) has 2 + i inputs, 2+3+4+5 = 14.
inline constexpr int kNumEdges = 14;
/// Items per cell type in a genotype: two (op, input) pairs per node.
inline constexpr int kGenotypeItems = 2 * kNumSteps;

/// Official op names, indexed by Op.
inline constexpr std::array<absl::string_view, kNumOps> kOpNames = {
    "none",         "skip_connect", "sep_conv_3x3", "sep_conv_5x5",
    "dil_conv_3x3", "dil_conv_5x5", "avg_pool_3x3", "max_pool_3x3"};

/// One cell edge `node <- input`: `node` is the intermediate node (0..3) and
/// `input` indexes the cell states [c_{k-2}, c_{k-1}, node 0, node 1, ...]
/// (0..node+1). Edges are indexed in the order of their keys sorted as
/// strings, which is also the construction order of the original code:
/// 0:0<-0 1:0<-1 2:1<-0 3:1<-1 4:1<-2 5:2<-0 ... 13:3<-4.
struct Edge {
  int node;
  int input;
};
inline constexpr std::array<Edge, kNumEdges> kEdges = {
    Edge{0, 0}, Edge{0, 1}, Edge{1, 0}, Edge{1, 1}, Edge{1, 2},
    Edge{2, 0}, Edge{2, 1}, Edge{2, 2}, Edge{2, 3}, Edge{3, 0},
    Edge{3, 1}, Edge{3, 2}, Edge{3, 3}, Edge{3, 4}};

/// Half-open range [begin, end) of the edges entering one node.
struct EdgeRange {
  int begin;
  int end;
};
/// Edge ranges of nodes 0..3: (0,2), (2,5), (5,9), (9,14).
inline constexpr std::array<EdgeRange, kNumSteps> kNodeEdges = {
    EdgeRange{0, 2}, EdgeRange{2, 5}, EdgeRange{5, 9}, EdgeRange{9, 14}};

/// Index of edge `node <- input` (0 <= node < 4, 0 <= input <= node + 1), or
/// -1 if there is no such edge.
int EdgeIndex(int node, int input);

/// The edge's module key, e.g. "2<-3".
std::string EdgeKey(int edge);

/// Looks up an op by its official name.
absl::StatusOr<Op> ParseOp(absl::string_view name);

/// One (op, input) pair of a genotype.
struct GenotypeItem {
  Op op = kNone;
  int input = 0;
  bool operator==(const GenotypeItem& other) const {
    return op == other.op && input == other.input;
  }
  bool operator!=(const GenotypeItem& other) const { return !(*this == other); }
};

/// A DARTS genotype (the namedtuple of DARTS' genotypes.py). Items 2k and
/// 2k+1 of a cell are the two inputs of intermediate node k; their `input`
/// indexes the cell states, so it lies in 0..k+1. The concat lists name the
/// states concatenated into the cell output (TE-NAS: 2, 3, 4, 5).
struct Genotype {
  std::array<GenotypeItem, kGenotypeItems> normal{};
  std::vector<int> normal_concat = {2, 3, 4, 5};
  std::array<GenotypeItem, kGenotypeItems> reduce{};
  std::vector<int> reduce_concat = {2, 3, 4, 5};

  bool operator==(const Genotype& other) const {
    return normal == other.normal && normal_concat == other.normal_concat &&
           reduce == other.reduce && reduce_concat == other.reduce_concat;
  }
  bool operator!=(const Genotype& other) const { return !(*this == other); }
};

/// Parses the Python repr of a genotype:
///   Genotype(normal=[('op', j), ... 8 items], normal_concat=[2, 3, 4, 5],
///            reduce=[... 8 items], reduce_concat=[2, 3, 4, 5])
/// Fields must appear in this order, as keywords. A concat may also be written
/// `range(a, b)`. Single or double quotes; any whitespace between tokens;
/// a trailing comma is allowed inside lists and after the last field.
/// Errors are InvalidArgument naming the problem and its 0-based character
/// position, e.g. "unknown op 'conv_9x9' (normal item 2) at position 41".
absl::StatusOr<Genotype> ParseGenotype(absl::string_view text);

/// Formats a genotype as the Python repr with list concats (the form TE-NAS
/// prints and DARTS_evaluation/genotypes.py stores); ParseGenotype inverts it.
std::string FormatGenotype(const Genotype& genotype);

/// The concat every TE-NAS measure uses: scoring builds the search network
/// (DartsSearchNetwork), whose cells concatenate all four intermediate nodes
/// (states 2, 3, 4, 5) whatever a genotype's concat lists say.
inline constexpr std::array<int, kMultiplier> kScoredConcat = {2, 3, 4, 5};

/// Checks one concat list of a genotype to be scored: each entry a node
/// state 2..5, no repeats, not empty, and (since scoring ignores the lists,
/// see kScoredConcat) exactly [2, 3, 4, 5], so that a genotype is never
/// scored as something it does not say. Looks at no more than 5 entries, so
/// a huge list costs nothing. InvalidArgument naming the problem, e.g.
/// "entry 0 is 0, not an intermediate node (2..5)"; the caller adds the
/// field name.
absl::Status CheckScoredConcat(const int* entries, size_t count);
inline absl::Status CheckScoredConcat(const std::vector<int>& concat) {
  return CheckScoredConcat(concat.data(), concat.size());
}

/// `TENAS_cifar10`, as published in chenwydj/DARTS_evaluation:genotypes.py
/// (commit 4c317ce5134162566c5d9232fab542b9822d4234).
inline constexpr absl::string_view kTenasCifar10Text =
    "Genotype(normal=[('dil_conv_3x3', 0), ('sep_conv_5x5', 1), "
    "('sep_conv_3x3', 0), ('sep_conv_3x3', 2), ('skip_connect', 0), "
    "('dil_conv_5x5', 1), ('sep_conv_3x3', 1), ('sep_conv_5x5', 3)], "
    "normal_concat=[2, 3, 4, 5], reduce=[('sep_conv_5x5', 0), "
    "('sep_conv_5x5', 1), ('sep_conv_5x5', 1), ('sep_conv_5x5', 2), "
    "('sep_conv_3x3', 1), ('sep_conv_3x3', 3), ('sep_conv_5x5', 2), "
    "('sep_conv_3x3', 4)], reduce_concat=[2, 3, 4, 5])";

/// `TENAS_imagenet`, from the same file and commit.
inline constexpr absl::string_view kTenasImagenetText =
    "Genotype(normal=[('sep_conv_3x3', 0), ('skip_connect', 1), "
    "('dil_conv_5x5', 1), ('sep_conv_3x3', 2), ('sep_conv_3x3', 0), "
    "('dil_conv_5x5', 3), ('sep_conv_3x3', 0), ('dil_conv_3x3', 4)], "
    "normal_concat=[2, 3, 4, 5], reduce=[('dil_conv_3x3', 0), "
    "('sep_conv_5x5', 1), ('dil_conv_3x3', 0), ('sep_conv_3x3', 2), "
    "('sep_conv_3x3', 0), ('dil_conv_3x3', 1), ('sep_conv_3x3', 0), "
    "('sep_conv_5x5', 4)], reduce_concat=[2, 3, 4, 5])";

/// The published genotypes, parsed.
Genotype TenasCifar10Genotype();
Genotype TenasImagenetGenotype();

/// Mixing weights of one cell type: softmax(alpha) per edge, [edge][op].
using EdgeWeights = std::array<std::array<float, kNumOps>, kNumEdges>;

/// Genotype derivation of the original code (search_model_darts_nasnet.py,
/// fixed version): for node i, list (op, j, P[edge i<-j][op]) for every
/// input j and every op except `none`, stable-sort by descending P and keep
/// the first two (op, j) pairs. Concats are [2, 3, 4, 5]. After TE-NAS's
/// pruning (P = 1 on each kept edge's op, uniform 1/8 on removed edges) this
/// returns exactly the surviving edges and ops, lower j first.
Genotype DeriveGenotype(const EdgeWeights& normal, const EdgeWeights& reduce);

}  // namespace tenas::darts

#endif  // TENAS_SPACE_DARTS_H_
