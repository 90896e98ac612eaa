// Copyright 2026 The tenas Authors.
//
// cifar.h: CIFAR-10 / CIFAR-100 readers for the official binary format, and
// the real CIFAR-10 sample bundled in the repository.
//
// CIFAR-10 record: 1 label byte (0..9) + 3072 pixel bytes (1024 R, 1024 G,
// 1024 B planes, row-major 32x32). CIFAR-100 record: 1 coarse byte (0..19) +
// 1 fine byte (0..99) + 3072 pixel bytes; the fine label is used.

#ifndef TENAS_DATA_CIFAR_H_
#define TENAS_DATA_CIFAR_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tenas/data/image_dataset.h"

namespace tenas::data {

/// Which CIFAR variant a file holds.
enum class CifarKind { kCifar10, kCifar100 };

/// Parses CIFAR records held in memory: `bytes` must be one or more whole
/// records of `kind` (the contents of an official binary file). `source`
/// names the bytes in error messages (LoadCifarFile passes the path). Errors
/// (never crashes) on empty, truncated or malformed input, naming the byte
/// offset of the bad record. Every CIFAR loader uses the same record parser.
absl::StatusOr<ImageDataset> ParseCifarRecords(absl::Span<const uint8_t> bytes,
                                               CifarKind kind,
                                               const std::string& source);

/// Reads one official binary file (e.g. `data_batch_1.bin`, `train.bin`).
/// Errors (never crashes) on a missing, empty, truncated or malformed file;
/// the message names the file and the byte offset of the bad record.
absl::StatusOr<ImageDataset> LoadCifarFile(const std::string& path,
                                           CifarKind kind);

/// Reads the official training split from `dir`: CIFAR-10
/// `data_batch_{1..5}.bin`, CIFAR-100 `train.bin`, either directly in `dir` or
/// in the folder the official tarball unpacks to (`cifar-10-batches-bin`,
/// `cifar-100-binary`). The error lists what was expected and where.
absl::StatusOr<ImageDataset> LoadCifarDir(const std::string& dir,
                                          CifarKind kind);

/// The ~2000 real CIFAR-10 training images bundled with tenas
/// (`data/cifar10_sample_2000.bin.gz`, gzip-compressed CIFAR-10 records), in
/// the folder tenas::BundledDataDir() (tenas/util/data_dir.h) names.
absl::StatusOr<ImageDataset> LoadBundledCifar10();

}  // namespace tenas::data

#endif  // TENAS_DATA_CIFAR_H_
