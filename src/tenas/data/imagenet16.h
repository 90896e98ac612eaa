// Copyright 2026 The tenas Authors.
//
// imagenet16.h: ImageNet16-120 from the original "Imagenet16" release
// (Chrabaszcz et al. 2017, as used by NAS-Bench-201 and TE-NAS).
//
// Each release file (`train_data_batch_1` .. `train_data_batch_10`,
// `val_data`) is a Python pickle of a dict with `data`, a uint8 array N x 768
// (256 R, 256 G, 256 B bytes, row-major 16x16: already our channel-plane
// layout), and `labels`, a list of ints 1..1000. ImageNet16-120 keeps the
// images with 1 <= label <= 120 and uses label - 1. The pickles are read with
// the safe reader of pickle.h; nothing in them is ever executed.

#ifndef TENAS_DATA_IMAGENET16_H_
#define TENAS_DATA_IMAGENET16_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tenas/data/image_dataset.h"

namespace tenas::data {

/// Number of classes of the full Imagenet16 release (labels 1..1000).
inline constexpr int kImagenet16AllClasses = 1000;

/// Parses the bytes of one Imagenet16 pickle held in memory, filtering labels
/// exactly as LoadImagenet16File does (which reads a file and runs the same
/// code on its bytes). `source` names the bytes in error messages. Errors
/// (never crashes) on any truncated, malformed or hostile input.
absl::StatusOr<ImageDataset> ParseImagenet16Bytes(absl::string_view bytes,
                                                  int max_label,
                                                  const std::string& source);

/// Reads one Imagenet16 pickle file (e.g. `train_data_batch_3`, `val_data`),
/// keeping the images whose 1-based label is in [1, max_label] and storing
/// label - 1. `max_label` must be in [1, 1000]; the result is named
/// "ImageNet16-120" for the default and "ImageNet16-<max_label>" otherwise,
/// with num_classes = max_label, 3 x 16 x 16 images and the docs/ALGORITHM.md
/// §6.1 normalisation. Errors (never crashes) on a missing, truncated,
/// malformed or hostile file; the message names the file and the byte offset.
absl::StatusOr<ImageDataset> LoadImagenet16File(const std::string& path,
                                                int max_label = 120);

/// Reads the training split, `train_data_batch_1` .. `train_data_batch_10`
/// in that order, found directly in `dir`, in `dir/Imagenet16_train` (the
/// release archive) or in `dir/ImageNet16` (the NAS-Bench-201 layout).
/// Labels are filtered as in LoadImagenet16File. The error lists what was
/// expected and where.
absl::StatusOr<ImageDataset> LoadImagenet16Dir(const std::string& dir,
                                               int max_label = 120);

}  // namespace tenas::data

#endif  // TENAS_DATA_IMAGENET16_H_
