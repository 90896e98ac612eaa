// Copyright 2026 The tenas Authors.
//
// measures_benchmark: Google Benchmarks of one NTK evaluation (batch 72) and
// one linear-region evaluation (3 x 1000 crops), on the NB201 supernet and on
// a single architecture, with the bundled real CIFAR-10 images; and the cost
// of building a score's networks.
//
//   build/bench/measures_benchmark --benchmark_repetitions=5

#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <thread>

#include "tenas/data/cifar.h"
#include "tenas/data/transforms.h"
#include "tenas/measures/linear_regions.h"
#include "tenas/measures/ntk.h"
#include "tenas/nn/init.h"
#include "tenas/nn/nb201_network.h"

namespace {

using tenas::nn::Nb201SearchNetwork;

const char kBestArch[] =
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|"
    "nor_conv_3x3~1|nor_conv_1x1~2|";

const tenas::data::ImageDataset& Dataset() {
  static const tenas::data::ImageDataset* dataset = [] {
    auto d = tenas::data::LoadBundledCifar10();
    if (!d.ok()) {
      std::fprintf(stderr, "%s\n", std::string(d.status().message()).c_str());
      std::exit(1);
    }
    return new tenas::data::ImageDataset(std::move(*d));
  }();
  return *dataset;
}

std::shared_ptr<Nb201SearchNetwork> Build(
    const tenas::nn::Nb201NetworkConfig& c, bool supernet) {
  std::shared_ptr<Nb201SearchNetwork> net;
  tenas::nn::RunSeeded(0,
                       [&] { net = std::make_shared<Nb201SearchNetwork>(c); });
  if (!supernet) {
    net->SetAlphas(tenas::nn::Nb201ArchitectureAlphas(
        *tenas::nb201::ParseArchitecture(kBestArch)));
  }
  return net;
}

void BM_NtkReference(benchmark::State& state) {
  at::set_num_threads(static_cast<int>(state.range(1)));
  auto net = Build(tenas::nn::Nb201NtkConfig(10), state.range(0) == 1);
  tenas::Rng rng(1);
  at::Tensor batch = *tenas::data::SampleNtkBatch(Dataset(), 72, rng);
  for (auto _ : state) {
    auto r = tenas::measures::ComputeNtkReference(*net, batch);
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel(state.range(0) == 1 ? "nb201 supernet" : "single arch");
}
BENCHMARK(BM_NtkReference)
    ->ArgNames({"supernet", "threads"})
    ->Args({1, 1})
    ->Args({1, 2})
    ->Args({0, 1})
    ->Args({0, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_LinearRegions(benchmark::State& state) {
  at::set_num_threads(static_cast<int>(state.range(1)));
  auto net = Build(tenas::nn::Nb201LrConfig(10), state.range(0) == 1);
  tenas::Rng rng(2);
  std::vector<at::Tensor> batches;
  for (int i = 0; i < 3; ++i) {
    batches.push_back(*tenas::data::SampleLrBatch(Dataset(), 1000, rng));
  }
  for (auto _ : state) {
    auto r = tenas::measures::CountLinearRegions(*net, batches);
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel(state.range(0) == 1 ? "nb201 supernet" : "single arch");
}
BENCHMARK(BM_LinearRegions)
    ->ArgNames({"supernet", "threads"})
    ->Args({1, 1})
    ->Args({1, 2})
    ->Args({0, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_SampleNtkBatch(benchmark::State& state) {
  tenas::Rng rng(3);
  for (auto _ : state) {
    auto b = tenas::data::SampleNtkBatch(Dataset(), 72, rng);
    benchmark::DoNotOptimize(b);
  }
}
BENCHMARK(BM_SampleNtkBatch)->Unit(benchmark::kMicrosecond);

// One network build as a score makes it (seeded construction, alphas set):
// the per-score overhead that a scan of many architectures pays 4 times
// (3 NTK repeats, 1 linear-region network).
void BM_BuildNb201Network(benchmark::State& state) {
  at::set_num_threads(1);
  const bool ntk = state.range(0) == 1;
  for (auto _ : state) {
    auto net = Build(
        ntk ? tenas::nn::Nb201NtkConfig(10) : tenas::nn::Nb201LrConfig(10),
        /*supernet=*/false);
    benchmark::DoNotOptimize(net);
  }
  state.SetLabel(ntk ? "NTK network" : "linear-region network");
}
BENCHMARK(BM_BuildNb201Network)
    ->ArgName("ntk")
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
