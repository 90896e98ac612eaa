// Copyright 2026 The tenas Authors.
//
// request_flags.cc: the shared request flags of `tenas` (request_flags.h).

#include "client/request_flags.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tenas/cli/command_line.h"
#include "tenas/options/measures.h"
#include "tenas/util/status_macros.h"

namespace tenas::client {
namespace {

// --seed: any uint64, as the API's ScoreOptions.seed and
// RunSearchRequest.seed take (0 .. 2^64-1).
CLI::Option* AddSeedOption(CLI::App* app, uint64_t* seed) {
  return app
      ->add_option("--seed", *seed, "seeds the weights and the data sampling")
      ->type_name("UINT64")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            uint64_t v = 0;
            if (!text.empty() && text[0] != '-' && text[0] != '+' &&
                absl::SimpleAtoi(text, &v)) {
              return "";
            }
            return absl::StrCat("'", text, "' is not an integer in [0, ",
                                std::numeric_limits<uint64_t>::max(), "]");
          },
          /*validator_desc=*/""));
}

}  // namespace

void AddRequestFlags(CLI::App* command, RequestFlags* flags) {
  cli::AddChoice(command, "--space", &flags->space, {"nb201", "darts"},
                 "search space");
  command
      ->add_option("--dataset", flags->dataset,
                   "cifar10, cifar100, ImageNet16-120 or imagenet-1k (as "
                   "loaded by the server)")
      ->type_name("NAME");
  AddSeedOption(command, &flags->seed);
  cli::AddInt(command, "--repeats", &flags->repeats, 0, 100,
              "repeats of each measure; 0: the server's default (3; a robust "
              "search 4)");
  cli::AddInt(command, "--batch-size", &flags->batch_size, 0, 4096,
              "NTK mini-batch; 0: the server's default per space and "
              "dataset");
  cli::AddChoice(command, "--init", &flags->init, {"shipped", "paper"},
                 "shipped: PyTorch default init (as the original code); "
                 "paper: Kaiming, re-drawn per repeat");
  cli::AddFlag(command, "--fp64", &flags->fp64,
               "Gram matrix and eigenvalues in float64");
}

v1::InitMode InitOf(const std::string& init) {
  return init == "paper" ? v1::INIT_MODE_PAPER : v1::INIT_MODE_SHIPPED;
}

void AddJsonFlag(CLI::App* command, bool* json, const std::string& what) {
  cli::AddFlag(command, "--json", json, what);
}

void AddMeasureFlags(CLI::App* command, RequestFlags* flags,
                     const std::string& what) {
  std::vector<std::string> proxies;
  for (const std::string& name : measures::AllMeasureNames()) {
    if (name != "ntk" && name != "lr") proxies.push_back(name);
  }
  command
      ->add_option("--measures", flags->measures,
                   absl::StrCat(what,
                                ", comma-separated: ntk, lr and the "
                                "zero-cost proxies of docs/PROXIES.md (",
                                absl::StrJoin(proxies, ", "), "), or all"))
      ->type_name("LIST")
      ->default_str("ntk,lr");
  cli::AddInt(command, "--proxy-batch-size", &flags->proxy_batch_size, 0, 4096,
              "images per zero-cost proxy batch; 0: the server's default "
              "(32)");
}

absl::StatusOr<std::vector<std::string>> MeasureNamesOf(
    const RequestFlags& flags) {
  if (flags.measures.empty()) return std::vector<std::string>();
  TENAS_ASSIGN_OR_RETURN(
      const std::vector<measures::Measure> parsed,
      measures::ParseMeasureList(flags.measures, "--measures"));
  std::vector<std::string> names;
  for (measures::Measure m : parsed) {
    names.emplace_back(measures::MeasureName(m));
  }
  return names;
}

absl::Status FillScoreOptions(const RequestFlags& flags,
                              v1::ScoreOptions* options) {
  TENAS_ASSIGN_OR_RETURN(const std::vector<std::string> names,
                         MeasureNamesOf(flags));
  options->set_seed(flags.seed);
  options->set_repeats(flags.repeats);
  options->set_batch_size(flags.batch_size);
  options->set_init(InitOf(flags.init));
  options->set_fp64(flags.fp64);
  for (const std::string& name : names) options->add_measure_names(name);
  options->set_proxy_batch_size(flags.proxy_batch_size);
  return absl::OkStatus();
}

void SetArchitecture(const std::string& space, const std::string& text,
                     v1::Architecture* architecture) {
  if (space == "darts") {
    architecture->set_darts_genotype_text(text);
  } else {
    architecture->set_nb201_arch(text);
  }
}

}  // namespace tenas::client
