// Copyright 2026 The tenas Authors.
//
// dataset_store.h: the datasets a process serves, loaded once and shared.
//
// A DatasetStore is immutable after Load(): every method is const and safe to
// call from any number of threads at once, with no lock (lazily decoded
// datasets keep their own sharded cache). The batch samplers
// (transforms.h) draw from its datasets with a per-request seed, so a seeded
// request gives the same batch whichever thread serves it. LibTorch-free.

#ifndef TENAS_DATA_DATASET_STORE_H_
#define TENAS_DATA_DATASET_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tenas/data/image_dataset.h"

namespace tenas::data {

/// One dataset to load: its paper name and where its original files are
/// (empty: the bundled sample, cifar10 only).
struct DatasetSpec {
  std::string name;
  std::string data_dir;
};

/// What was loaded, for logs, GetServerInfo and metrics.
struct DatasetInfo {
  std::string name;
  int64_t images = 0;
  int num_classes = 0;
  /// Decoded bytes held in memory (0 for lazily decoded folders, whose cache
  /// is bounded separately).
  int64_t memory_bytes = 0;
  bool lazy = false;
  double load_seconds = 0;
  /// The folder read, or "bundled sample".
  std::string source;
};

class DatasetStore {
 public:
  /// Loads every spec once. Errors name the dataset and what was expected
  /// where (unknown name, missing or malformed files). Duplicate names are
  /// an error.
  static absl::StatusOr<std::unique_ptr<DatasetStore>> Load(
      const std::vector<DatasetSpec>& specs);

  DatasetStore(const DatasetStore&) = delete;
  DatasetStore& operator=(const DatasetStore&) = delete;

  /// The dataset, or NotFound naming the loaded ones. The pointer lives as
  /// long as the store.
  absl::StatusOr<const ImageDataset*> Get(absl::string_view name) const;

  /// Loaded datasets in load order.
  const std::vector<DatasetInfo>& Info() const { return info_; }

 private:
  DatasetStore() = default;
  std::map<std::string, std::unique_ptr<const ImageDataset>, std::less<>>
      datasets_;
  std::vector<DatasetInfo> info_;
};

}  // namespace tenas::data

#endif  // TENAS_DATA_DATASET_STORE_H_
