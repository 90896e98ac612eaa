// Copyright 2026 The tenas Authors.
//
// cell_dot: the exact DOT text of one NB201 architecture and one DARTS
// genotype (nodes, edges, labels, `none` edges left out).

#include "tenas/space/cell_dot.h"

#include <gtest/gtest.h>

#include <string>

namespace tenas {
namespace {

constexpr char kHeader[] =
    "digraph {\n"
    "  rankdir=LR;\n"
    "  edge [fontsize=20, fontname=\"times\"];\n"
    "  node [style=filled, shape=rect, align=center, fontsize=20, "
    "height=0.5, width=0.5, penwidth=2, fontname=\"times\"];\n";

TEST(CellDotTest, Nb201CellHasItsFourNodesAndItsEdgesButNone) {
  // Edges 2<-0 and 3<-2 are none: only four edges are drawn.
  auto arch = nb201::ParseArchitecture(
      "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|"
      "nor_conv_1x1~1|none~2|");
  ASSERT_TRUE(arch.ok()) << arch.status();
  EXPECT_EQ(Nb201CellDot(*arch),
            std::string(kHeader) +
                "  \"c_{k-1}\" [fillcolor=darkseagreen2];\n"
                "  \"1\" [fillcolor=lightblue];\n"
                "  \"2\" [fillcolor=lightblue];\n"
                "  \"c_{k}\" [fillcolor=palegoldenrod];\n"
                "  \"c_{k-1}\" -> \"1\" [label=\"nor_conv_3x3\", "
                "fillcolor=gray];\n"
                "  \"1\" -> \"2\" [label=\"skip_connect\", fillcolor=gray];\n"
                "  \"c_{k-1}\" -> \"c_{k}\" [label=\"avg_pool_3x3\", "
                "fillcolor=gray];\n"
                "  \"1\" -> \"c_{k}\" [label=\"nor_conv_1x1\", "
                "fillcolor=gray];\n"
                "}\n");
}

TEST(CellDotTest, Nb201AllNoneCellHasNodesOnly) {
  const nb201::Architecture none;  // every edge none
  const std::string dot = Nb201CellDot(none);
  EXPECT_EQ(dot.find("->"), std::string::npos) << dot;
  EXPECT_NE(dot.find("\"c_{k}\" [fillcolor=palegoldenrod];"),
            std::string::npos);
}

// The lines of one DARTS cluster whose two items per node are `edges`
// (already formatted), with every node in the concat list.
std::string Cluster(const std::string& name, const std::string& title,
                    const std::string& edges) {
  const std::string p = "    \"" + name + " ";
  std::string out =
      "  subgraph cluster_" + name + " {\n    label=\"" + title + "\";\n" + p +
      "c_{k-2}\" [label=\"c_{k-2}\", fillcolor=darkseagreen2];\n" + p +
      "c_{k-1}\" [label=\"c_{k-1}\", fillcolor=darkseagreen2];\n";
  for (int i = 0; i < 4; ++i) {
    out += p + std::to_string(i) + "\" [label=\"" + std::to_string(i) +
           "\", fillcolor=lightblue];\n";
  }
  out += p + "c_{k}\" [label=\"c_{k}\", fillcolor=palegoldenrod];\n" + edges;
  for (int i = 0; i < 4; ++i) {
    out += p + std::to_string(i) + "\" -> \"" + name +
           " c_{k}\" [fillcolor=gray];\n";
  }
  return out + "  }\n";
}

TEST(CellDotTest, DartsGenotypeHasBothCellsAsClusters) {
  // DARTS_V2 (genotypes.py of DARTS).
  auto genotype = darts::ParseGenotype(
      "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
      "('skip_connect', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), "
      "('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 2)], "
      "normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
      "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), "
      "('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), "
      "('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])");
  ASSERT_TRUE(genotype.ok()) << genotype.status();
  auto edge = [](const std::string& cell, const std::string& from,
                 const std::string& to, const std::string& op) {
    return "    \"" + cell + " " + from + "\" -> \"" + cell + " " + to +
           "\" [label=\"" + op + "\", fillcolor=gray];\n";
  };
  const std::string normal = edge("normal", "c_{k-2}", "0", "sep_conv_3x3") +
                             edge("normal", "c_{k-1}", "0", "sep_conv_3x3") +
                             edge("normal", "c_{k-2}", "1", "skip_connect") +
                             edge("normal", "c_{k-1}", "1", "sep_conv_3x3") +
                             edge("normal", "c_{k-2}", "2", "skip_connect") +
                             edge("normal", "c_{k-1}", "2", "sep_conv_3x3") +
                             edge("normal", "c_{k-2}", "3", "sep_conv_3x3") +
                             edge("normal", "0", "3", "skip_connect");
  const std::string reduce = edge("reduce", "c_{k-2}", "0", "max_pool_3x3") +
                             edge("reduce", "c_{k-1}", "0", "max_pool_3x3") +
                             edge("reduce", "0", "1", "skip_connect") +
                             edge("reduce", "c_{k-1}", "1", "max_pool_3x3") +
                             edge("reduce", "c_{k-2}", "2", "max_pool_3x3") +
                             edge("reduce", "0", "2", "skip_connect") +
                             edge("reduce", "0", "3", "skip_connect") +
                             edge("reduce", "c_{k-1}", "3", "max_pool_3x3");
  EXPECT_EQ(DartsGenotypeDot(*genotype),
            std::string(kHeader) + Cluster("normal", "normal cell", normal) +
                Cluster("reduce", "reduction cell", reduce) + "}\n");
}

TEST(CellDotTest, DartsNoneItemsAreLeftOut) {
  darts::Genotype genotype;  // every item none, input 0
  const std::string dot = DartsGenotypeDot(genotype);
  EXPECT_EQ(dot.find("label=\"none\""), std::string::npos) << dot;
  // Only the concat edges remain: 4 per cell.
  size_t arrows = 0;
  for (size_t at = dot.find("->"); at != std::string::npos;
       at = dot.find("->", at + 1)) {
    ++arrows;
  }
  EXPECT_EQ(arrows, 8u);
}

}  // namespace
}  // namespace tenas
