// Copyright 2026 The tenas Authors.

#include "cli_common.h"

#include <torch/torch.h>

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tenas/engine/device.h"
#include "tenas/util/status_macros.h"

namespace tenas::cli {

void AddMeasureFlags(CLI::App* command, MeasureFlags* flags, MeasureFlagSet set,
                     const std::string& threads_default) {
  command
      ->add_option("--dataset", flags->dataset,
                   "cifar10, cifar100, ImageNet16-120 or imagenet-1k")
      ->type_name("NAME");
  command
      ->add_option("--data-dir", flags->data_dir,
                   "folder of the dataset's original files")
      ->type_name("DIR")
      ->default_str("the bundled CIFAR-10 sample");
  AddInt(command, "--seed", &flags->seed, 0, int64_t{1} << 62,
         "seeds the weights (as torch.manual_seed) and the data sampling");
  AddInt(command, "--repeats", &flags->repeats, 1, 100,
         "repeats of each measure, each with a fresh batch, in [1, 100]");
  CLI::Option* batch = AddInt(command, "--batch-size", &flags->batch_size, 2,
                              4096, "NTK mini-batch, in [2, 4096]");
  if (flags->batch_size == 0) {
    batch->default_str("72 (NB201), 14 / 24 (DARTS CIFAR / ImageNet)");
  }
  AddChoice(command, "--init", &flags->init, {"shipped", "paper"},
            "shipped: PyTorch default init, never re-drawn (as the original "
            "code); paper: Kaiming, re-drawn per repeat");
  AddFlag(command, "--fp64", &flags->fp64,
          "Gram matrix and eigenvalues in float64");
  if (set == MeasureFlagSet::kAll) {
    AddChoice(command, "--ntk", &flags->ntk, {"fast", "reference"},
              "NTK implementation: fast (batched backward passes) or "
              "reference (one backward pass per sample, as the original)");
    AddChoice(command, "--ntk-backward", &flags->ntk_backward,
              {"explicit", "vmap"},
              "the fast NTK's backward on CPU: explicit (default) or vmap "
              "(vmap over autograd, the path it replaced; for benchmarks)");
    command
        ->add_option("--max-memory", flags->max_memory,
                     "memory bound of one evaluation (bytes, K/M/G suffix): "
                     "its estimate must fit, its NTK runs in a plan that "
                     "keeps it within")
        ->type_name("BYTES");
  }
  AddInt(command, "--threads", &flags->threads, 1, 1024,
         "LibTorch threads per worker, in [1, 1024]")
      ->default_str(threads_default);
  command
      ->add_option("--device", flags->device,
                   "auto (cuda:0 if this machine has a CUDA device, else "
                   "cpu), cpu, cuda or cuda:N")
      ->type_name("DEVICE");
}

void AddMeasureListFlags(CLI::App* command, MeasureFlags* flags) {
  command
      ->add_option("--measures", flags->measures,
                   "comma-separated measures: ntk, lr and the zero-cost "
                   "proxies of docs/PROXIES.md (params, flops, synflow, snip, "
                   "grasp, fisher, grad_norm, l2_norm, plain, jacov, nwot, "
                   "epe_nas, zen, zico), or all")
      ->type_name("LIST")
      ->default_str("ntk,lr");
  AddInt(command, "--proxy-batch-size", &flags->proxy_batch_size, 2,
         measures::kMaxProxyBatchSize,
         "images per zero-cost proxy batch, in [2, 256]");
}

int ConfigureThreads(int threads, int workers) {
  if (threads <= 0) {
    const int cores =
        std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    threads = std::max(1, cores / std::max(1, workers));
  }
  at::set_num_threads(threads);
  return threads;
}

absl::StatusOr<measures::ScoreOptions> ToScoreOptions(
    const MeasureFlags& flags) {
  measures::ScoreOptions options;
  options.seed = flags.seed;
  options.repeats = flags.repeats;
  options.batch_size = flags.batch_size;
  TENAS_ASSIGN_OR_RETURN(options.init, nn::ParseInitMode(flags.init));
  options.fp64 = flags.fp64;
  TENAS_ASSIGN_OR_RETURN(options.ntk_method,
                         measures::ParseNtkMethod(flags.ntk, "--ntk"));
  options.ntk_explicit_backward = flags.ntk_backward != "vmap";
  TENAS_ASSIGN_OR_RETURN(
      options.ntk_max_memory_bytes,
      measures::ParseByteSize(flags.max_memory, "--max-memory"));
  TENAS_ASSIGN_OR_RETURN(
      const std::vector<measures::Measure> wanted,
      measures::ParseMeasureList(flags.measures, "--measures"));
  measures::SetMeasures(wanted, options);
  options.proxy_batch_size = flags.proxy_batch_size;
  TENAS_ASSIGN_OR_RETURN(options.device,
                         engine::ResolveDevice(flags.device, "--device"));
  return options;
}

absl::StatusOr<ArchFlag> ParseArchFlag(search::SpaceKind space,
                                       const std::string& text) {
  ArchFlag arch;
  if (space == search::SpaceKind::kNb201) {
    auto parsed = nb201::ParseArchitecture(text);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--arch: ", parsed.status().message()));
    }
    arch.nb201 = *parsed;
    return arch;
  }
  auto parsed = darts::ParseGenotype(text);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--arch: ", parsed.status().message()));
  }
  for (const auto& [name, concat] :
       {std::pair{"normal_concat", &parsed->normal_concat},
        std::pair{"reduce_concat", &parsed->reduce_concat}}) {
    if (absl::Status s = darts::CheckScoredConcat(*concat); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--arch: ", name, ": ", s.message()));
    }
  }
  arch.darts = *std::move(parsed);
  return arch;
}

}  // namespace tenas::cli
