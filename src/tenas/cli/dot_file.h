// Copyright 2026 The tenas Authors.
//
// dot_file.h: `--dot FILE` of `tenas-bench search` and `tenas search`: the
// found cell(s) as Graphviz DOT text (tenas/space/cell_dot.h) in FILE, and
// FILE.svg (FILE with ".svg" appended, as DARTS's visualize.py renders
// FILE.pdf) when Graphviz's `dot` is on PATH.

#ifndef TENAS_CLI_DOT_FILE_H_
#define TENAS_CLI_DOT_FILE_H_

#include <CLI/CLI.hpp>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tenas::cli {

/// Adds the `--dot FILE` option bound to `path` (empty: off).
CLI::Option* AddDotOption(CLI::App* app, std::string* path);

/// Checks, before a search starts, that `path` can be written: an existing
/// regular file must open for writing, a new file must be creatable in its
/// folder (the probe is removed again). Otherwise InvalidArgument naming
/// --dot, e.g. "--dot: cannot write '/no/such/cell.dot': No such file or
/// directory".
absl::Status CheckDotPath(const std::string& path);

/// The DOT text of architecture `arch` of `space` ("nb201": an NB201
/// string; "darts": a genotype text): Nb201CellDot or DartsGenotypeDot.
/// A malformed architecture or unknown space is InvalidArgument.
absl::StatusOr<std::string> ArchitectureDot(absl::string_view space,
                                            absl::string_view arch);

/// What WriteDotFiles did.
struct DotFiles {
  std::string svg_path;  ///< FILE.svg when Graphviz wrote it, else empty.
  /// Why no SVG was written (Graphviz not on PATH, or `dot` failed), for
  /// one stderr line; empty when svg_path is set.
  std::string note;
};

/// Writes `text` to `path` (InvalidArgument naming --dot when it cannot),
/// then, when an executable `dot` is on PATH, runs `dot -Tsvg path -o
/// path.svg` (no shell). A missing or failing `dot` is not an error: the
/// result's `note` says so.
absl::StatusOr<DotFiles> WriteDotFiles(const std::string& path,
                                       const std::string& text);

}  // namespace tenas::cli

#endif  // TENAS_CLI_DOT_FILE_H_
