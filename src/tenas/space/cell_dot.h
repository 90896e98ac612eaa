// Copyright 2026 The tenas Authors.
//
// cell_dot.h: found cells as Graphviz DOT text, drawn the way DARTS's
// visualize.py draws genotypes (rankdir=LR, rectangles, cell inputs
// darkseagreen2, intermediate nodes lightblue, the output palegoldenrod,
// each edge labelled with its op). What `--dot FILE` of `tenas-bench search`
// and `tenas search` writes. Plain text, no LibTorch, no Graphviz needed.

#ifndef TENAS_SPACE_CELL_DOT_H_
#define TENAS_SPACE_CELL_DOT_H_

#include <string>

#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"

namespace tenas {

/// The NB201 cell of `arch` as a DOT digraph: node 0 (the cell input) is
/// "c_{k-1}", nodes 1 and 2 are "1" and "2", node 3 (the output) is
/// "c_{k}"; one edge `from -> to` labelled with the op per edge of the
/// architecture, `none` edges left out (they carry nothing).
std::string Nb201CellDot(const nb201::Architecture& arch);

/// Both cells of `genotype` in one DOT digraph, as two clusters:
/// `cluster_normal` ("normal cell") and `cluster_reduce` ("reduction
/// cell"). In each, the inputs "c_{k-2}" and "c_{k-1}", the intermediate
/// nodes 0..3 and the output "c_{k}"; an edge labelled with the op per
/// genotype item (`none` items left out), and an unlabelled edge from each
/// node of the concat list to "c_{k}". Node ids carry the cell's name
/// ("normal 0", "reduce c_{k}") so that the clusters stay apart; their
/// labels are the bare names.
std::string DartsGenotypeDot(const darts::Genotype& genotype);

}  // namespace tenas

#endif  // TENAS_SPACE_CELL_DOT_H_
