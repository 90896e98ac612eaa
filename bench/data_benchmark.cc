// Copyright 2026 The tenas Authors.
//
// data_benchmark: loading time and memory of the paper's datasets at their
// real sizes, and the batch draw rate of a DatasetStore.
//
//   build/bench/data_benchmark [--work-dir DIR] [--jpegs 10000]
//
// It generates, in a scratch folder: CIFAR-10 in the official layout (5 x
// 10000 records), ImageNet16-120 pickles (151700 images of labels 1..120 plus
// 15000 of other labels, in 10 files, written by Debian's python3-numpy as
// the original release) and an ImageNet folder of JPEGs (random content,
// 64..400 px, encoded with libjpeg-turbo). Then it loads each through
// DatasetStore and reports seconds, resident memory and draw rates.

#include <turbojpeg.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "tenas/data/dataset_store.h"
#include "tenas/data/transforms.h"
#include "tenas/util/rng.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * 4096;
}

void WriteCifar10(const fs::path& dir) {
  fs::create_directories(dir / "cifar-10-batches-bin");
  tenas::Rng rng(1);
  std::vector<char> record(3073);
  for (int b = 1; b <= 5; ++b) {
    std::ofstream out(
        dir / "cifar-10-batches-bin" / absl::StrFormat("data_batch_%d.bin", b),
        std::ios::binary);
    for (int i = 0; i < 10000; ++i) {
      record[0] = static_cast<char>(rng.Uniform(10));
      for (int j = 1; j < 3073; ++j) record[j] = static_cast<char>(rng.Next());
      out.write(record.data(), record.size());
    }
  }
}

bool WriteImagenet16(const fs::path& dir) {
  fs::create_directories(dir);
  const std::string script = absl::StrFormat(
      "import numpy as np, pickle\n"
      "rng = np.random.default_rng(0)\n"
      "kept, other = 151700, 15000\n"
      "labels = np.concatenate([rng.integers(1, 121, kept), "
      "rng.integers(121, 1001, other)])\n"
      "rng.shuffle(labels)\n"
      "for i, part in enumerate(np.array_split(labels, 10)):\n"
      "    data = rng.integers(0, 256, (len(part), 768), dtype=np.uint8)\n"
      "    with open('%s/train_data_batch_%%d' %% (i + 1), 'wb') as f:\n"
      "        pickle.dump({'data': data, 'labels': part.tolist()}, f, 2)\n",
      dir.string());
  const fs::path py = dir / "gen.py";
  std::ofstream(py) << script;
  return std::system(("/usr/bin/python3 " + py.string()).c_str()) == 0;
}

void WriteJpegFolder(const fs::path& dir, int count) {
  tjhandle tj = tjInitCompress();
  tenas::Rng rng(2);
  const int classes = 100;
  for (int c = 0; c < classes; ++c) {
    fs::create_directories(dir / "train" / absl::StrFormat("n%08d", c));
  }
  std::vector<unsigned char> pixels;
  for (int i = 0; i < count; ++i) {
    const int w = 64 + static_cast<int>(rng.Uniform(337));
    const int h = 64 + static_cast<int>(rng.Uniform(337));
    pixels.resize(static_cast<size_t>(w) * h * 3);
    // Smooth content (like photos) compresses like real JPEGs do.
    const int fx = 1 + static_cast<int>(rng.Uniform(7));
    const int fy = 1 + static_cast<int>(rng.Uniform(7));
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        for (int ch = 0; ch < 3; ++ch) {
          pixels[(static_cast<size_t>(y) * w + x) * 3 + ch] =
              static_cast<unsigned char>((x * fx + y * fy + ch * 60 +
                                          static_cast<int>(rng.Uniform(16))) &
                                         255);
        }
      }
    }
    unsigned char* jpeg = nullptr;
    unsigned long size = 0;
    tjCompress2(tj, pixels.data(), w, 0, h, TJPF_RGB, &jpeg, &size, TJSAMP_420,
                90, 0);
    std::ofstream(dir / "train" / absl::StrFormat("n%08d", i % classes) /
                      absl::StrFormat("img_%06d.JPEG", i),
                  std::ios::binary)
        .write(reinterpret_cast<const char*>(jpeg), size);
    tjFree(jpeg);
  }
  tjDestroy(tj);
}

// Draws `per_thread` NTK batches (72) on `threads` threads; batches/s.
double DrawRate(const tenas::data::DatasetStore& store, const std::string& name,
                int threads, int per_thread, bool lr) {
  const tenas::data::ImageDataset& dataset = **store.Get(name);
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        tenas::Rng rng(static_cast<uint64_t>(t) * 100000 + i);
        auto b = lr ? tenas::data::SampleLrBatch(dataset, 1000, rng)
                    : tenas::data::SampleNtkBatch(dataset, 72, rng);
        if (!b.ok()) std::cerr << b.status() << "\n";
      }
    });
  }
  for (auto& t : pool) t.join();
  return threads * per_thread / Since(start);
}

}  // namespace

int main(int argc, char** argv) {
  fs::path work = fs::temp_directory_path() / "tenas_data_benchmark";
  int jpegs = 10000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--work-dir") work = argv[i + 1];
    if (std::string(argv[i]) == "--jpegs") jpegs = std::atoi(argv[i + 1]);
  }
  fs::create_directories(work);
  std::cerr << "generating datasets in " << work << "\n";
  if (!fs::exists(work / "cifar10")) WriteCifar10(work / "cifar10");
  if (!fs::exists(work / "imagenet16") &&
      !WriteImagenet16(work / "imagenet16")) {
    std::cerr << "could not generate ImageNet16 pickles\n";
    return 1;
  }
  if (!fs::exists(work / "imagenet" / "train")) {
    WriteJpegFolder(work / "imagenet", jpegs);
  }

  std::cout << "| dataset | images | load s | resident MiB added | NTK "
               "batches/s (1 thr) | NTK batches/s (8 thr) | LR batches/s (1 "
               "thr) |\n|---|---|---|---|---|---|---|\n";
  const std::vector<std::pair<std::string, fs::path>> specs = {
      {"cifar10", work / "cifar10"},
      {"ImageNet16-120", work / "imagenet16"},
      {"imagenet-1k", work / "imagenet"}};
  for (const auto& [name, dir] : specs) {
    const int64_t rss0 = ResidentBytes();
    const auto start = Clock::now();
    auto store = tenas::data::DatasetStore::Load({{name, dir.string()}});
    const double load = Since(start);
    if (!store.ok()) {
      std::cerr << store.status() << "\n";
      return 1;
    }
    const int64_t rss1 = ResidentBytes();
    const bool lazy = (*store)->Info()[0].lazy;
    const int n = lazy ? 20 : 200;
    const double one = DrawRate(**store, name, 1, n, false);
    const double eight = DrawRate(**store, name, 8, n / 4, false);
    const double lr = DrawRate(**store, name, 1, n / 4, true);
    std::cout << absl::StrFormat(
                     "| %s | %d | %.2f | %.1f | %.0f | %.0f | %.1f |\n", name,
                     (*store)->Info()[0].images, load,
                     (rss1 - rss0) / 1048576.0, one, eight, lr)
              << std::flush;
  }
  return 0;
}
