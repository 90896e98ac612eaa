// Copyright 2026 The tenas Authors.
//
// data_dir.h: where the data that ships with tenas lives (the bundled
// CIFAR-10 sample and the NAS-Bench-201 accuracy table, see data/README.md).
// LibTorch-free, so that the client CLI can find the accuracy table too.

#ifndef TENAS_UTIL_DATA_DIR_H_
#define TENAS_UTIL_DATA_DIR_H_

#include <string>

namespace tenas {

/// Folder holding the bundled data: $TENAS_DATA_DIR if set and non-empty,
/// else the source tree's `data/` (when it holds the bundled CIFAR-10
/// sample), else the installed `share/tenas/data`. Never fails; the folder
/// may not exist (callers report the missing file).
std::string BundledDataDir();

/// Path of the bundled NAS-Bench-201 accuracy table
/// (`BundledDataDir()/nb201_accuracy.csv`), used when a search is given no
/// `--accuracy-table`. Empty when that file does not exist.
std::string BundledAccuracyTablePath();

}  // namespace tenas

#endif  // TENAS_UTIL_DATA_DIR_H_
