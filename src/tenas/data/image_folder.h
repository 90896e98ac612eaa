// Copyright 2026 The tenas Authors.
//
// image_folder.h: ImageNet-1k as a torchvision-style image folder
// (`train/<wnid>/*.JPEG`), decoded lazily with libjpeg-turbo (jpeg_decode.h)
// and resized to 32x32 as torchvision's Resize((32, 32)) does on a PIL image
// (pil_resize.h; docs/ALGORITHM.md §6).
//
// Loading only lists the folder (no decoding), so a 1.28 M-image training
// split is ready in seconds. Images are decoded on first use by the batch
// samplers (through ImageDataset::lazy) and kept in a bounded, sharded cache.

#ifndef TENAS_DATA_IMAGE_FOLDER_H_
#define TENAS_DATA_IMAGE_FOLDER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tenas/data/image_dataset.h"

namespace tenas::data {

/// Options of LoadImageFolder.
struct ImageFolderOptions {
  /// Most decoded 32x32 images kept in memory (3072 bytes each); 0 disables
  /// the cache. The default, 50000, is about 150 MB.
  int64_t cache_images = 50000;
};

/// Counters of an image-folder dataset, for logs and tests. A snapshot:
/// concurrent reads may be under way.
struct ImageFolderStats {
  /// Images listed in the folder.
  int64_t images = 0;
  /// Successful JPEG decodes (cache misses that decoded).
  int64_t decoded = 0;
  /// Reads served from the cache.
  int64_t cache_hits = 0;
  /// Images evicted from the cache to make room.
  int64_t evictions = 0;
  /// Images now in the cache (at most ImageFolderOptions::cache_images).
  int64_t cached = 0;
  /// Distinct files found unreadable or undecodable (each counted once).
  int64_t corrupt = 0;
  /// Reads that returned an error (repeated reads of a corrupt file count
  /// again; the file itself is only opened the first time).
  int64_t failed_reads = 0;
};

/// Lists an ImageNet-style training folder: `dir` may be the folder holding
/// `train/`, the `train/` folder itself, or a folder holding
/// `imagenet/train/` or `ILSVRC/Data/CLS-LOC/train/`. Classes are the sorted
/// names of the class subfolders (wnids) and an image's label is its class's
/// index in that order, as torchvision's ImageFolder. Images are the files
/// directly inside a class folder whose extension is .jpeg or .jpg (any
/// case), sorted by name; other files are ignored.
///
/// The dataset is named "imagenet-1k", has num_classes = number of class
/// folders, 3 x 32 x 32 images and the ImageNet mean / std (docs/ALGORITHM.md
/// §6.1). Its `pixels` are empty and `lazy` decodes image i on demand: the file
/// is read, decoded to RGB by TurboJPEG (grayscale and CMYK/YCCK JPEGs are
/// converted to RGB as PIL's convert("RGB") does) and resized with
/// ResizeRgbPil. A file that cannot be read or decoded (including a truncated
/// JPEG) makes Read return an error; it is remembered and counted in
/// ImageFolderStats.
///
/// Errors: no train folder (the message lists the layouts looked for and
/// where), a train folder without class folders or without JPEG files,
/// cache_images < 0, or a listing error.
absl::StatusOr<ImageDataset> LoadImageFolder(
    const std::string& dir, const ImageFolderOptions& options = {});

/// Counters of a dataset returned by LoadImageFolder. InvalidArgument when
/// `dataset` is not one (no lazy source, or another kind of source).
absl::StatusOr<ImageFolderStats> GetImageFolderStats(
    const ImageDataset& dataset);

}  // namespace tenas::data

#endif  // TENAS_DATA_IMAGE_FOLDER_H_
