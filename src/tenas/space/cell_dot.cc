// Copyright 2026 The tenas Authors.

#include "tenas/space/cell_dot.h"

#include <array>

#include "absl/strings/str_cat.h"

namespace tenas {
namespace {

// The graph and default attributes of DARTS's visualize.py.
constexpr char kHeader[] =
    "digraph {\n"
    "  rankdir=LR;\n"
    "  edge [fontsize=20, fontname=\"times\"];\n"
    "  node [style=filled, shape=rect, align=center, fontsize=20, "
    "height=0.5, width=0.5, penwidth=2, fontname=\"times\"];\n";

constexpr char kInputColor[] = "darkseagreen2";
constexpr char kNodeColor[] = "lightblue";
constexpr char kOutputColor[] = "palegoldenrod";

// A node line: `"id" [label="label", fillcolor=color];` (no label when it is
// the id).
std::string Node(const std::string& indent, const std::string& id,
                 const std::string& label, const char* color) {
  return absl::StrCat(
      indent, "\"", id, "\" [",
      id == label ? "" : absl::StrCat("label=\"", label, "\", "),
      "fillcolor=", color, "];\n");
}

// An edge line, labelled with `op` unless it is empty.
std::string EdgeLine(const std::string& indent, const std::string& from,
                     const std::string& to, absl::string_view op) {
  return absl::StrCat(indent, "\"", from, "\" -> \"", to, "\" [",
                      op.empty() ? "" : absl::StrCat("label=\"", op, "\", "),
                      "fillcolor=gray];\n");
}

// One DARTS cell as the body of cluster `name`.
std::string DartsCluster(
    const std::string& name, const std::string& title,
    const std::array<darts::GenotypeItem, darts::kGenotypeItems>& items,
    const std::vector<int>& concat) {
  const std::string in = "    ";
  const std::string prefix = name + " ";
  // Cell state s: 0 and 1 are the inputs, s >= 2 is intermediate node s-2.
  auto state = [&](int s) {
    if (s == 0) return prefix + "c_{k-2}";
    if (s == 1) return prefix + "c_{k-1}";
    return prefix + std::to_string(s - 2);
  };
  std::string out =
      absl::StrCat("  subgraph cluster_", name, " {\n", in, "label=\"", title,
                   "\";\n", Node(in, state(0), "c_{k-2}", kInputColor),
                   Node(in, state(1), "c_{k-1}", kInputColor));
  for (int i = 0; i < darts::kNumSteps; ++i) {
    absl::StrAppend(&out,
                    Node(in, state(i + 2), std::to_string(i), kNodeColor));
  }
  const std::string output = prefix + "c_{k}";
  absl::StrAppend(&out, Node(in, output, "c_{k}", kOutputColor));
  for (int k = 0; k < darts::kGenotypeItems; ++k) {
    const darts::GenotypeItem& item = items[k];
    if (item.op == darts::kNone) continue;
    absl::StrAppend(&out, EdgeLine(in, state(item.input), state(k / 2 + 2),
                                   darts::kOpNames[item.op]));
  }
  for (int s : concat)
    absl::StrAppend(&out, EdgeLine(in, state(s), output, ""));
  absl::StrAppend(&out, "  }\n");
  return out;
}

}  // namespace

std::string Nb201CellDot(const nb201::Architecture& arch) {
  const std::string in = "  ";
  auto node = [](int n) -> std::string {
    if (n == 0) return "c_{k-1}";
    if (n == nb201::kNumNodes - 1) return "c_{k}";
    return std::to_string(n);
  };
  std::string out = kHeader;
  absl::StrAppend(&out, Node(in, node(0), node(0), kInputColor));
  for (int n = 1; n + 1 < nb201::kNumNodes; ++n) {
    absl::StrAppend(&out, Node(in, node(n), node(n), kNodeColor));
  }
  absl::StrAppend(&out, Node(in, node(nb201::kNumNodes - 1),
                             node(nb201::kNumNodes - 1), kOutputColor));
  for (int e = 0; e < nb201::kNumEdges; ++e) {
    const nb201::Op op = arch.ops[e];
    if (op == nb201::kNone) continue;
    absl::StrAppend(&out,
                    EdgeLine(in, node(nb201::kEdges[e].from),
                             node(nb201::kEdges[e].to), nb201::kOpNames[op]));
  }
  absl::StrAppend(&out, "}\n");
  return out;
}

std::string DartsGenotypeDot(const darts::Genotype& genotype) {
  std::string out = kHeader;
  absl::StrAppend(&out,
                  DartsCluster("normal", "normal cell", genotype.normal,
                               genotype.normal_concat),
                  DartsCluster("reduce", "reduction cell", genotype.reduce,
                               genotype.reduce_concat),
                  "}\n");
  return out;
}

}  // namespace tenas
