// Copyright 2026 The tenas Authors.
//
// transforms.cc: NTK and linear-region batch samplers (docs/ALGORITHM.md §6).
//
// Matches torchvision's float32 arithmetic: ToTensor gives v / 255 and
// Normalize gives (x - mean) / std, both in float32. RandomCrop(padding=p)
// pads the uint8 image with zeros, so padded pixels become (0 - mean) / std.
//
// Lazy datasets (ImageDataset::lazy, e.g. ImageNet-1k folders): the batch's
// images are read into one scratch buffer per batch, in parallel; an image
// whose read fails is replaced by the next index of the same partial
// Fisher-Yates shuffle (drawn from the caller's Rng), so the batch stays
// deterministic for a seed and never aborts for a few corrupt files. With no
// failures, a lazy dataset gives exactly the batch its in-memory copy gives.

#include "tenas/data/transforms.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <numeric>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tenas/util/status_macros.h"

namespace tenas::data {
namespace {

/// Normalised value of every uint8 pixel value, per channel.
using NormTable = std::array<std::array<float, 256>, 3>;

NormTable MakeNormTable(const ImageDataset& dataset) {
  NormTable table;
  for (int c = 0; c < 3; ++c) {
    for (int v = 0; v < 256; ++v) {
      const float x = static_cast<float>(v) / 255.0f;
      table[c][v] = (x - dataset.mean[c]) / dataset.std[c];
    }
  }
  return table;
}

/// Checks that `dataset` can be sampled from with `batch_size`.
absl::Status CheckBatchArgs(const ImageDataset& dataset, int batch_size,
                            int min_side) {
  if (dataset.channels != 3) {
    return absl::InvalidArgumentError(absl::StrCat("dataset '", dataset.name,
                                                   "' has ", dataset.channels,
                                                   " channels; 3 expected"));
  }
  if (dataset.height < min_side || dataset.width < min_side) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dataset '", dataset.name, "' images are ", dataset.height, "x",
        dataset.width, "; at least ", min_side, "x", min_side, " needed"));
  }
  if (dataset.lazy != nullptr) {
    if (!dataset.pixels.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("dataset '", dataset.name, "' is lazy but holds ",
                       dataset.pixels.size(), " pixel bytes; expected none"));
    }
  } else if (static_cast<int64_t>(dataset.pixels.size()) !=
             dataset.size() * dataset.image_bytes()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset '", dataset.name, "' holds ",
                     dataset.pixels.size(), " pixel bytes for ", dataset.size(),
                     " images of ", dataset.image_bytes(), " bytes"));
  }
  for (int c = 0; c < 3; ++c) {
    if (!(dataset.std[c] > 0.0f)) {
      return absl::InvalidArgumentError(
          absl::StrCat("dataset '", dataset.name, "' std[", c,
                       "] = ", dataset.std[c], " is not positive"));
    }
  }
  if (batch_size < 1 || batch_size > dataset.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch size ", batch_size, " must be in [1, ",
                     dataset.size(), "] for dataset '", dataset.name, "'"));
  }
  return absl::OkStatus();
}

/// `batch_size` distinct indices into [0, n), uniformly without replacement
/// (partial Fisher-Yates); the first `batch_size` entries are the sample.
std::vector<int64_t> SampleDistinct(int64_t n, int batch_size, Rng& rng) {
  std::vector<int64_t> index(static_cast<size_t>(n));
  std::iota(index.begin(), index.end(), int64_t{0});
  for (int i = 0; i < batch_size; ++i) {
    const int64_t j =
        i + static_cast<int64_t>(rng.Uniform(static_cast<uint64_t>(n - i)));
    std::swap(index[i], index[j]);
  }
  index.resize(static_cast<size_t>(batch_size));
  return index;
}

/// The partial Fisher-Yates shuffle of SampleDistinct without the n-sized
/// array (only displaced entries are stored): the k-th call of Next() returns
/// what index[k] holds after SampleDistinct's k-th swap, for any k < n.
class DistinctIndexStream {
 public:
  explicit DistinctIndexStream(int64_t n) : n_(n) {}

  /// Whether all n indices were drawn.
  bool exhausted() const { return next_ >= n_; }

  /// Next distinct index. Precondition: !exhausted().
  int64_t Next(Rng& rng) {
    const int64_t i = next_++;
    const int64_t j =
        i + static_cast<int64_t>(rng.Uniform(static_cast<uint64_t>(n_ - i)));
    const int64_t at_i = At(i);
    const int64_t at_j = At(j);
    moved_[j] = at_i;  // Swap; position i is never read again.
    moved_.erase(i);
    return at_j;
  }

 private:
  int64_t At(int64_t p) const {
    const auto it = moved_.find(p);
    return it == moved_.end() ? p : it->second;
  }

  const int64_t n_;
  int64_t next_ = 0;
  std::unordered_map<int64_t, int64_t> moved_;
};

std::atomic<int64_t> lazy_read_failures{0};

/// Counts a failed lazy read and warns on stderr the first time each image
/// fails, up to kMaxWarnings lines in all.
void ReportLazyReadFailure(const ImageDataset& dataset, int64_t i,
                           const absl::Status& status) {
  constexpr int64_t kMaxWarnings = 100;
  lazy_read_failures.fetch_add(1, std::memory_order_relaxed);
  static std::mutex mu;
  static auto* warned = new std::set<std::pair<const void*, int64_t>>();
  static int64_t printed = 0;
  std::lock_guard<std::mutex> lock(mu);
  if (!warned->emplace(dataset.lazy.get(), i).second) return;
  if (printed < kMaxWarnings) {
    std::fputs(absl::StrCat("tenas: warning: dataset '", dataset.name,
                            "': skipping image ", i,
                            " (replaced by another): ", status.ToString(), "\n")
                   .c_str(),
               stderr);
  } else if (printed == kMaxWarnings) {
    std::fputs(absl::StrCat("tenas: warning: dataset '", dataset.name,
                            "': more unreadable images; further warnings "
                            "suppressed (see LazyReadFailures())\n")
                   .c_str(),
               stderr);
  }
  ++printed;
}

/// Chooses `batch_size` distinct images as SampleDistinct does and sets
/// images[b] to image b's pixels. In-memory datasets: pointers into
/// dataset.pixels. Lazy datasets: the images are read into `scratch` (one
/// buffer for the batch); a failed read is reported and replaced by the next
/// index of the shuffle. Error only if fewer than batch_size images of the
/// whole dataset can be read.
absl::Status GatherImages(const ImageDataset& dataset, int batch_size, Rng& rng,
                          std::vector<uint8_t>& scratch,
                          std::vector<const uint8_t*>& images,
                          std::vector<int64_t>* indices = nullptr) {
  images.resize(static_cast<size_t>(batch_size));
  if (dataset.lazy == nullptr) {
    const std::vector<int64_t> index =
        SampleDistinct(dataset.size(), batch_size, rng);
    for (int b = 0; b < batch_size; ++b) images[b] = dataset.image(index[b]);
    if (indices != nullptr) *indices = index;
    return absl::OkStatus();
  }
  const int64_t n = dataset.size();
  const int64_t bytes = dataset.image_bytes();
  DistinctIndexStream stream(n);
  std::vector<int64_t> index(static_cast<size_t>(batch_size));
  for (int b = 0; b < batch_size; ++b) index[b] = stream.Next(rng);
  scratch.resize(static_cast<size_t>(batch_size * bytes));
  for (int b = 0; b < batch_size; ++b) images[b] = scratch.data() + b * bytes;

  // Reads are independent (and thread-safe), so decode them in parallel.
  std::vector<absl::Status> status(static_cast<size_t>(batch_size));
  const LazyImageSource& source = *dataset.lazy;
  at::parallel_for(0, batch_size, 8, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      status[b] = source.Read(index[b], scratch.data() + b * bytes);
    }
  });
  // Replacements in batch order, so the result does not depend on timing.
  int64_t failures = 0;
  for (int b = 0; b < batch_size; ++b) {
    while (!status[b].ok()) {
      ReportLazyReadFailure(dataset, index[b], status[b]);
      ++failures;
      if (stream.exhausted()) {
        // Every index was drawn; later slots may hold failures not yet met.
        int64_t unreadable = failures;
        for (int k = b + 1; k < batch_size; ++k) unreadable += !status[k].ok();
        return absl::DataLossError(absl::StrCat(
            "dataset '", dataset.name, "': only ", n - unreadable, " of ", n,
            " images could be read, fewer than the batch size ", batch_size,
            "; last error: ", status[b].ToString()));
      }
      index[b] = stream.Next(rng);
      status[b] = source.Read(index[b], scratch.data() + b * bytes);
    }
  }
  if (indices != nullptr) *indices = index;
  return absl::OkStatus();
}

}  // namespace

int64_t LazyReadFailures() {
  return lazy_read_failures.load(std::memory_order_relaxed);
}

int NtkCropPadding(const ImageDataset& dataset) {
  return dataset.height <= 16 ? 2 : 4;
}

namespace {

absl::StatusOr<at::Tensor> SampleNtkBatchImpl(const ImageDataset& dataset,
                                              int batch_size, Rng& rng,
                                              std::vector<int64_t>* indices) {
  TENAS_RETURN_IF_ERROR(CheckBatchArgs(dataset, batch_size, 1));
  const int h = dataset.height;
  const int w = dataset.width;
  const int pad = NtkCropPadding(dataset);
  const NormTable norm = MakeNormTable(dataset);
  std::vector<uint8_t> scratch;
  std::vector<const uint8_t*> images;
  TENAS_RETURN_IF_ERROR(
      GatherImages(dataset, batch_size, rng, scratch, images, indices));

  at::Tensor batch = torch::empty({batch_size, 3, h, w}, torch::kFloat32);
  float* out = batch.data_ptr<float>();
  for (int b = 0; b < batch_size; ++b) {
    const uint8_t* image = images[b];
    // Same order as the torchvision pipeline: flip, then crop.
    const bool flip = rng.Bernoulli();
    const int dy = static_cast<int>(rng.Uniform(2 * pad + 1));
    const int dx = static_cast<int>(rng.Uniform(2 * pad + 1));
    for (int c = 0; c < 3; ++c) {
      const uint8_t* plane = image + static_cast<int64_t>(c) * h * w;
      const float zero = norm[c][0];
      for (int y = 0; y < h; ++y) {
        const int sy = y + dy - pad;  // Row in the (flipped) source image.
        if (sy < 0 || sy >= h) {
          for (int x = 0; x < w; ++x) *out++ = zero;
          continue;
        }
        const uint8_t* row = plane + static_cast<int64_t>(sy) * w;
        for (int x = 0; x < w; ++x) {
          const int sx = x + dx - pad;  // Column in the flipped image.
          if (sx < 0 || sx >= w) {
            *out++ = zero;
          } else {
            *out++ = norm[c][row[flip ? w - 1 - sx : sx]];
          }
        }
      }
    }
  }
  return batch;
}

}  // namespace

absl::StatusOr<at::Tensor> SampleNtkBatch(const ImageDataset& dataset,
                                          int batch_size, Rng& rng) {
  return SampleNtkBatchImpl(dataset, batch_size, rng, nullptr);
}

absl::StatusOr<LabeledBatch> SampleLabeledBatch(const ImageDataset& dataset,
                                                int batch_size, Rng& rng) {
  std::vector<int64_t> indices;
  LabeledBatch out;
  TENAS_ASSIGN_OR_RETURN(
      out.images, SampleNtkBatchImpl(dataset, batch_size, rng, &indices));
  out.labels = torch::empty({batch_size}, torch::kInt64);
  int64_t* label = out.labels.data_ptr<int64_t>();
  for (int b = 0; b < batch_size; ++b) label[b] = dataset.labels[indices[b]];
  return out;
}

absl::StatusOr<at::Tensor> SampleLrBatch(const ImageDataset& dataset,
                                         int batch_size, Rng& rng) {
  constexpr int kCrop = 3;
  TENAS_RETURN_IF_ERROR(CheckBatchArgs(dataset, batch_size, kCrop));
  const int h = dataset.height;
  const int w = dataset.width;
  const NormTable norm = MakeNormTable(dataset);
  std::vector<uint8_t> scratch;
  std::vector<const uint8_t*> images;
  TENAS_RETURN_IF_ERROR(
      GatherImages(dataset, batch_size, rng, scratch, images));

  at::Tensor batch =
      torch::empty({batch_size, 1, kCrop, kCrop}, torch::kFloat32);
  float* out = batch.data_ptr<float>();
  for (int b = 0; b < batch_size; ++b) {
    const uint8_t* image = images[b];
    const int dy = static_cast<int>(rng.Uniform(h - kCrop + 1));
    const int dx = static_cast<int>(rng.Uniform(w - kCrop + 1));
    const int c = static_cast<int>(rng.Uniform(3));
    const uint8_t* plane = image + static_cast<int64_t>(c) * h * w;
    for (int y = 0; y < kCrop; ++y) {
      const uint8_t* row = plane + static_cast<int64_t>(dy + y) * w + dx;
      for (int x = 0; x < kCrop; ++x) *out++ = norm[c][row[x]];
    }
  }
  return batch;
}

absl::StatusOr<std::vector<at::Tensor>> SampleLrBatches(
    const ImageDataset& dataset, int num_batches, int batch_size, Rng& rng,
    const at::Device& device) {
  std::vector<at::Tensor> batches;
  for (int b = 0; b < num_batches; ++b) {
    TENAS_ASSIGN_OR_RETURN(at::Tensor batch,
                           SampleLrBatch(dataset, batch_size, rng));
    batches.push_back(batch.to(device));
  }
  return batches;
}

}  // namespace tenas::data
