// Copyright 2026 The tenas Authors.

#include "tenas/data/dataset_store.h"

#include <chrono>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tenas/data/dataset_loader.h"
#include "tenas/util/status_macros.h"

namespace tenas::data {

absl::StatusOr<std::unique_ptr<DatasetStore>> DatasetStore::Load(
    const std::vector<DatasetSpec>& specs) {
  std::unique_ptr<DatasetStore> store(new DatasetStore());
  for (const DatasetSpec& spec : specs) {
    if (store->datasets_.count(spec.name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("datasets: '", spec.name, "' is listed twice"));
    }
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<ImageDataset> loaded = LoadDataset(spec.name, spec.data_dir);
    if (!loaded.ok()) {
      return absl::Status(
          loaded.status().code(),
          absl::StrCat("dataset ", spec.name, ": ", loaded.status().message()));
    }
    DatasetInfo info;
    info.name = spec.name;
    info.images = loaded->size();
    info.num_classes = loaded->num_classes;
    info.memory_bytes = loaded->memory_bytes();
    info.lazy = loaded->lazy != nullptr;
    info.source = spec.data_dir.empty() ? "bundled sample" : spec.data_dir;
    info.load_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    store->datasets_[spec.name] =
        std::make_unique<const ImageDataset>(std::move(*loaded));
    store->info_.push_back(std::move(info));
  }
  return store;
}

absl::StatusOr<const ImageDataset*> DatasetStore::Get(
    absl::string_view name) const {
  auto it = datasets_.find(name);
  if (it == datasets_.end()) {
    std::vector<std::string> names;
    for (const auto& info : info_) names.push_back(info.name);
    return absl::NotFoundError(
        absl::StrCat("dataset: '", name, "' is not loaded (loaded: ",
                     names.empty() ? "none" : absl::StrJoin(names, ", "), ")"));
  }
  return it->second.get();
}

}  // namespace tenas::data
