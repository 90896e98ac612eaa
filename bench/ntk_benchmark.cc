// Copyright 2026 The tenas Authors.
//
// ntk_benchmark: the reference and the fast NTK side by side, interleaved in
// one process on the same network and batch (the machines are shared and
// noisy: compare within one run only). Reports per method the median and
// range of the wall time, the peak resident memory, the FLOP rate reached on
// the convolution and linear layers, and its ratio to the measured conv
// rate of this machine; then the same for one full architecture score.
//
//   build/bench/ntk_benchmark [--reps 5] [--threads 1] [--batch 72]
//                             [--arch ARCH] [--replicas-per-pass 0]
//                             [--profile PREFIX]  (Chrome traces, then exit)

#include <ATen/record_function.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "tenas/cli/command_line.h"
#include "tenas/data/cifar.h"
#include "tenas/data/transforms.h"
#include "tenas/measures/ntk.h"
#include "tenas/measures/score.h"
#include "tenas/nn/init.h"
#include "tenas/nn/nb201_network.h"
#include "tenas/util/allocator_tuning.h"
#include "tenas/util/rng.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Peak resident set since the last ResetPeakRss(), in MiB (Linux).
void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }
double PeakRssMib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      double kib = 0;
      status >> kib;
      return kib / 1024.0;
    }
  }
  return 0;
}

// FLOPs of the convolutions and linear layers of one forward, counted from
// the dispatcher's record-function events.
double ForwardFlops(tenas::nn::SearchNetwork& net, const at::Tensor& batch) {
  static thread_local double flops = 0;
  flops = 0;
  auto handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback([](const at::RecordFunction& fn)
                                     -> std::unique_ptr<at::ObserverContext> {
        const std::string name = fn.name();
        const auto inputs = fn.inputs();
        if (name == "aten::convolution" && inputs.size() >= 9) {
          const auto x = inputs[0].toTensor().sizes();
          const auto w = inputs[1].toTensor().sizes();
          const auto stride = inputs[3].toIntVector();
          const auto pad = inputs[4].toIntVector();
          const auto dil = inputs[5].toIntVector();
          double out = static_cast<double>(x[0] * w[0]);
          for (int d = 0; d < 2; ++d) {
            out *= (x[2 + d] + 2 * pad[d] - dil[d] * (w[2 + d] - 1) - 1) /
                       stride[d] +
                   1;
          }
          flops += 2.0 * out * static_cast<double>(w[1] * w[2] * w[3]);
        } else if ((name == "aten::addmm" && inputs.size() >= 3) ||
                   (name == "aten::mm" && inputs.size() >= 2)) {
          const size_t a = name == "aten::addmm" ? 1 : 0;
          const auto m1 = inputs[a].toTensor().sizes();
          const auto m2 = inputs[a + 1].toTensor().sizes();
          flops += 2.0 * static_cast<double>(m1[0] * m1[1] * m2[1]);
        }
        return nullptr;
      }).needsInputs(true));
  {
    torch::NoGradGuard no_grad;
    net.train();
    net.forward(batch);
  }
  at::removeCallback(handle);
  return flops;
}

// Sustained fp32 rate of a large, compute-bound oneDNN convolution (256 ->
// 256 channels, 3x3, 8 x 32 x 32, channels-last) at the current thread
// count: the practical peak of this machine for convolutions. (Debian's
// default libblas.so.3 is the reference BLAS, so a GEMM would not measure
// the machine.)
double PeakGflops() {
  const auto cl = at::MemoryFormat::ChannelsLast;
  const at::Tensor x = torch::randn({8, 256, 32, 32}).contiguous(cl);
  const at::Tensor w = torch::randn({256, 256, 3, 3}).contiguous(cl);
  torch::NoGradGuard no_grad;
  at::conv2d(x, w, {}, 1, 1);
  const double flops = 2.0 * 8 * 32 * 32 * 256 * 256 * 9;
  std::vector<double> rates;
  for (int i = 0; i < 5; ++i) {
    const auto start = Clock::now();
    at::conv2d(x, w, {}, 1, 1);
    rates.push_back(flops / Seconds(start) / 1e9);
  }
  return *std::max_element(rates.begin(), rates.end());
}

// Backward nodes run for one row (one backward pass of the reference path).
int64_t BackwardNodesPerRow(tenas::nn::SearchNetwork& net,
                            const at::Tensor& batch) {
  static thread_local int64_t nodes = 0;
  nodes = 0;
  net.train();
  const at::Tensor logits = net.forward(batch);
  auto handle = at::addThreadLocalCallback(at::RecordFunctionCallback(
      [](const at::RecordFunction& fn) -> std::unique_ptr<at::ObserverContext> {
        if (std::string(fn.name()).rfind("autograd::engine::evaluate_function",
                                         0) == 0) {
          ++nodes;
        }
        return nullptr;
      }));
  auto params = net.WeightParameters();
  torch::autograd::grad({logits[0].sum()}, params, {}, false, false, true);
  at::removeCallback(handle);
  return nodes;
}

// Streaming rate of a simple elementwise op (read + write), GB/s.
double StreamGbps(int64_t floats) {
  const at::Tensor a = torch::randn({floats});
  at::Tensor b = a * 2;
  std::vector<double> rates;
  for (int i = 0; i < 20; ++i) {
    const auto start = Clock::now();
    at::mul_out(b, a, 2);
    rates.push_back(2.0 * 4 * floats / Seconds(start) / 1e9);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

struct Samples {
  std::vector<double> seconds;
  double peak_mib = 0;
  double kappa = 0;
};

std::string Summary(const Samples& s) {
  std::vector<double> v = s.seconds;
  std::sort(v.begin(), v.end());
  return absl::StrFormat(
      "median %.3f s  [min %.3f, max %.3f]  peak RSS %.0f MiB", v[v.size() / 2],
      v.front(), v.back(), s.peak_mib);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tenas;
  tenas::TuneAllocatorForTensors();
  int reps = 5;
  int threads = 1;
  int batch_size = 72;
  int rpp = 0;
  std::string arch_text;
  std::string profile;
  CLI::App app(
      "The reference and the fast NTK side by side on the same network and "
      "batch, then one full architecture score.",
      "ntk_benchmark");
  cli::ConfigureApp(&app);
  cli::AddInt(&app, "--reps", &reps, 1, 1000, "timed repetitions per method");
  cli::AddInt(&app, "--threads", &threads, 1, 256, "LibTorch threads");
  cli::AddInt(&app, "--batch", &batch_size, 2, 4096, "NTK batch");
  app.add_option("--arch", arch_text,
                 "NB201 architecture (its alphas set on the supernet)")
      ->type_name("ARCH")
      ->default_str("the supernet");
  cli::AddInt(&app, "--replicas-per-pass", &rpp, 0, 4096,
              "fast NTK: replicas per batched pass (0: as memory allows)");
  app.add_option("--profile", profile,
                 "write Chrome traces PREFIX.reference.json and "
                 "PREFIX.fast.json, then exit")
      ->type_name("PREFIX");
  if (auto exit_code = cli::ParseCommandLine(&app, argc, argv)) {
    return *exit_code;
  }
  at::set_num_threads(threads);

  auto dataset = data::LoadBundledCifar10();
  if (!dataset.ok()) {
    std::cerr << dataset.status() << std::endl;
    return 1;
  }
  std::shared_ptr<nn::Nb201SearchNetwork> net;
  nn::RunSeeded(0, [&] {
    net = std::make_shared<nn::Nb201SearchNetwork>(nn::Nb201NtkConfig(10));
  });
  std::optional<nb201::Architecture> arch;
  if (!arch_text.empty()) {
    auto parsed = nb201::ParseArchitecture(arch_text);
    if (!parsed.ok()) {
      std::cerr << parsed.status().message() << std::endl;
      return 2;
    }
    arch = *parsed;
    net->SetAlphas(nn::Nb201ArchitectureAlphas(*arch));
  }
  Rng rng(1);
  const at::Tensor batch = *data::SampleNtkBatch(*dataset, batch_size, rng);

  const double fwd = ForwardFlops(*net, batch);
  // Per row, the backward does an input-grad and a weight-grad convolution
  // of the forward's size over the whole batch: 2 x forward FLOPs.
  const double ntk_flops = fwd + 2.0 * batch_size * fwd;
  const double gemm = PeakGflops();
  std::cout << absl::StrFormat(
      "network: %s, batch %d, %d thread(s)\n"
      "conv+linear FLOPs: forward %.3g, NTK (forward + 2 x B x forward) "
      "%.3g\nmeasured oneDNN conv peak (256->256, 3x3): %.1f GFLOP/s\n",
      arch_text.empty() ? "NB201 supernet (C=3, N=1)" : arch_text, batch_size,
      threads, fwd, ntk_flops, gemm);

  // The floor of an unfused implementation: every backward node reads about
  // two and writes one activation-sized tensor ([B, C, H, W]; C·H·W is the
  // same at every stage of these networks), once per row.
  const int64_t nodes = BackwardNodesPerRow(*net, batch);
  const double tensor_bytes = 4.0 * static_cast<double>(batch.numel());
  const double traffic = 3.0 * tensor_bytes * nodes * batch_size;
  const double stream = StreamGbps(4 * batch.numel());
  std::cout << absl::StrFormat(
      "backward nodes per row %d; unfused traffic estimate %.1f GB per NTK; "
      "streaming rate %.1f GB/s -> floor %.2f s; FLOP floor at the conv peak "
      "%.2f s\n",
      nodes, traffic / 1e9, stream, traffic / 1e9 / stream,
      ntk_flops / 1e9 / gemm);

  measures::NtkOptions options;
  options.replicas_per_pass = rpp;
  if (!profile.empty()) {
    // Chrome traces of one evaluation of each method:
    // PREFIX.{reference,fast}.json
    const std::string& prefix = profile;
    {
      torch::autograd::profiler::RecordProfile guard(prefix +
                                                     ".reference.json");
      (void)measures::ComputeNtkReference(*net, batch, options);
    }
    {
      torch::autograd::profiler::RecordProfile guard(prefix + ".fast.json");
      (void)measures::ComputeNtkFast(*net, batch, options);
    }
    std::cout << "profiles written to " << prefix << ".{reference,fast}.json\n";
    return 0;
  }
  // Three methods in turn, each rep: the reference, the previous fast path
  // (vmap over autograd) and the default fast path (explicit backward).
  measures::NtkOptions vmap_options = options;
  vmap_options.explicit_backward = false;
  Samples ref, vmap, fast;
  for (int r = 0; r < reps; ++r) {
    for (auto* s : {&ref, &vmap, &fast}) {
      if (r == 0) ResetPeakRss();
      const auto start = Clock::now();
      auto result =
          s == &ref    ? measures::ComputeNtkReference(*net, batch, options)
          : s == &vmap ? measures::ComputeNtkFast(*net, batch, vmap_options)
                       : measures::ComputeNtkFast(*net, batch, options);
      s->seconds.push_back(Seconds(start));
      if (!result.ok()) {
        std::cerr << result.status() << std::endl;
        return 1;
      }
      s->kappa = result->kappa;
      if (r == 0) s->peak_mib = PeakRssMib();
    }
  }
  std::vector<double> ratios, vmap_ratios;
  for (int r = 0; r < reps; ++r) {
    ratios.push_back(ref.seconds[r] / fast.seconds[r]);
    vmap_ratios.push_back(vmap.seconds[r] / fast.seconds[r]);
  }
  for (const auto& [name, s] :
       {std::pair{"reference", &ref}, {"vmap", &vmap}, {"fast", &fast}}) {
    const double rate = ntk_flops / Median(s->seconds) / 1e9;
    std::cout << absl::StrFormat(
        "NTK %-9s %s  kappa %.6g  %.2f GFLOP/s = %.1f%% of peak, "
        "%.2fx the FLOP floor, %.2fx the traffic floor\n",
        name, Summary(*s), s->kappa, rate, 100.0 * rate / gemm,
        Median(s->seconds) / (ntk_flops / 1e9 / gemm),
        Median(s->seconds) / (traffic / 1e9 / stream));
  }
  std::cout << absl::StrFormat(
      "NTK speed-up (reference / fast): median of per-rep ratios %.2fx "
      "[min %.2f, max %.2f]\n"
      "NTK speed-up (vmap / fast, the explicit backward's gain): median "
      "%.2fx [min %.2f, max %.2f]\n",
      Median(ratios), *std::min_element(ratios.begin(), ratios.end()),
      *std::max_element(ratios.begin(), ratios.end()), Median(vmap_ratios),
      *std::min_element(vmap_ratios.begin(), vmap_ratios.end()),
      *std::max_element(vmap_ratios.begin(), vmap_ratios.end()));

  // Origin and candidate of a search round (the candidate: the same network
  // and weights with one op removed): separate fast NTKs vs one joint call.
  {
    std::shared_ptr<nn::Nb201SearchNetwork> candidate;
    nn::RunSeeded(0, [&] {
      candidate =
          std::make_shared<nn::Nb201SearchNetwork>(nn::Nb201NtkConfig(10));
    });
    at::Tensor alphas =
        arch ? nn::Nb201ArchitectureAlphas(*arch) : nn::Nb201InitialAlphas();
    alphas[0][nb201::kNorConv3x3] = nn::kMaskedAlpha;  // drop one op
    candidate->SetAlphas(alphas);
    candidate->CopyParametersFrom(*net);
    std::vector<double> separate, joint;
    for (int r = 0; r < reps; ++r) {
      auto start = Clock::now();
      (void)measures::ComputeNtkFast(*net, batch, options);
      (void)measures::ComputeNtkFast(*candidate, batch, options);
      separate.push_back(Seconds(start));
      start = Clock::now();
      (void)measures::ComputeNtkFastJoint({net.get(), candidate.get()}, batch,
                                          options);
      joint.push_back(Seconds(start));
    }
    std::cout << absl::StrFormat(
        "origin + candidate: separate median %.3f s, joint median %.3f s "
        "(%.2fx)\n",
        Median(separate), Median(joint), Median(separate) / Median(joint));
  }

  // One architecture's full score: κ and R, 3 repeats (paper settings).
  const nb201::Architecture score_arch =
      arch ? *arch
           : *nb201::ParseArchitecture(
                 "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_"
                 "connect~0|nor_conv_3x3~1|nor_conv_3x3~2|");
  Samples score_ref, score_fast;
  for (int r = 0; r < reps; ++r) {
    for (auto* s : {&score_ref, &score_fast}) {
      measures::ScoreOptions so;
      so.ntk_method = s == &score_ref ? measures::NtkMethod::kReference
                                      : measures::NtkMethod::kFast;
      auto result = measures::ScoreNb201(score_arch, *dataset, so);
      if (!result.ok()) {
        std::cerr << result.status() << std::endl;
        return 1;
      }
      s->seconds.push_back(result->seconds);
      s->kappa = result->kappa_mean;
    }
  }
  std::vector<double> score_ratios;
  for (int r = 0; r < reps; ++r) {
    score_ratios.push_back(score_ref.seconds[r] / score_fast.seconds[r]);
  }
  for (const auto& [name, s] :
       {std::pair{"reference", &score_ref}, {"fast", &score_fast}}) {
    std::vector<double> v = s->seconds;
    std::sort(v.begin(), v.end());
    std::cout << absl::StrFormat(
        "score (3 repeats, kappa+R) %-9s median %.3f s [min %.3f, max %.3f]  "
        "mean kappa %.6g\n",
        name, v[v.size() / 2], v.front(), v.back(), s->kappa);
  }
  std::cout << absl::StrFormat("score speed-up: median %.2fx\n",
                               Median(score_ratios));
  return 0;
}
