// Copyright 2026 The tenas Authors.
//
// transforms.h: batch samplers with the TE-NAS preprocessing (docs/ALGORITHM.md
// §6).
//
// All randomness comes from the caller's Rng, so a batch is reproducible from
// its seed whichever thread draws it. The dataset is only read.
//
// Lazy datasets (ImageDataset::lazy, e.g. ImageNet-1k folders) are read
// through lazy->Read into one buffer per batch. An image whose read fails is
// reported once on stderr (at most 100 lines per process), counted (see
// LazyReadFailures) and replaced by the next image of the same shuffle, drawn
// from the same Rng, so the batch stays deterministic for a seed. A sampler
// fails only when fewer than `batch_size` images of the whole dataset can be
// read. Without failures a lazy dataset gives the same batch as an in-memory
// dataset holding the same pixels.

#ifndef TENAS_DATA_TRANSFORMS_H_
#define TENAS_DATA_TRANSFORMS_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "tenas/data/image_dataset.h"
#include "tenas/util/rng.h"

namespace tenas::data {

/// Random crop padding used by the NTK transform: 4 for 32x32 images (CIFAR,
/// ImageNet at 32x32), 2 for 16x16 (ImageNet16-120).
int NtkCropPadding(const ImageDataset& dataset);

/// One NTK batch, like the first batch of a freshly shuffled loader:
/// `batch_size` distinct images drawn uniformly without replacement; each gets
/// a horizontal flip with p=0.5, then a random crop of the full size after
/// zero-padding by NtkCropPadding() pixels, then normalisation.
/// Returns float32 [batch_size, 3, H, W] on CPU.
/// Error if batch_size < 1 or batch_size > dataset.size().
absl::StatusOr<at::Tensor> SampleNtkBatch(const ImageDataset& dataset,
                                          int batch_size, Rng& rng);

/// A batch of images with their class labels.
struct LabeledBatch {
  at::Tensor images;  ///< float32 [N, 3, H, W] on CPU, as SampleNtkBatch
  at::Tensor labels;  ///< int64 [N] on CPU, in [0, num_classes)
};

/// SampleNtkBatch with the labels of the images drawn: the same images and
/// pixels as SampleNtkBatch from the same Rng state (the zero-cost proxies'
/// batch, which needs a loss).
absl::StatusOr<LabeledBatch> SampleLabeledBatch(const ImageDataset& dataset,
                                                int batch_size, Rng& rng);

/// One linear-region batch (docs/ALGORITHM.md §6.2): `batch_size` distinct
/// images; each gives a random 3x3 crop (no padding, no flip), normalised, of
/// one random channel. Returns float32 [batch_size, 1, 3, 3] on CPU. Error if
/// batch_size < 1 or batch_size > dataset.size().
absl::StatusOr<at::Tensor> SampleLrBatch(const ImageDataset& dataset,
                                         int batch_size, Rng& rng);

/// `num_batches` SampleLrBatch batches drawn one after another from `rng`,
/// each moved to `device` (one repeat's crops).
absl::StatusOr<std::vector<at::Tensor>> SampleLrBatches(
    const ImageDataset& dataset, int num_batches, int batch_size, Rng& rng,
    const at::Device& device);

/// Number of failed lazy image reads in the samplers so far, in this process
/// (each was replaced by another image).
int64_t LazyReadFailures();

}  // namespace tenas::data

#endif  // TENAS_DATA_TRANSFORMS_H_
