// Copyright 2026 The tenas Authors.
//
// request_flags.h: the flags that the scoring commands of `tenas` (score,
// scan, search) share: space, dataset, seed, repeats, batch size, init,
// fp64, measures, proxy batch and --json, and how they fill the API's
// request messages.

#ifndef TENAS_CLIENT_REQUEST_FLAGS_H_
#define TENAS_CLIENT_REQUEST_FLAGS_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tenas/v1/scorer.pb.h"

namespace tenas::client {

/// Flags that score, scan and search share; defaults are the server's.
struct RequestFlags {
  std::string space = "nb201";
  std::string dataset = "cifar10";
  uint64_t seed = 0;
  int repeats = 0;
  int batch_size = 0;
  std::string init = "shipped";
  bool fp64 = false;
  /// --measures: comma-separated measure names; empty: the server's
  /// default (ntk, lr).
  std::string measures;
  /// --proxy-batch-size; 0: the server's default (32).
  int proxy_batch_size = 0;
  bool json = false;
};

/// Adds --space, --dataset, --seed, --repeats, --batch-size, --init and
/// --fp64 (not --json) bound to `*flags`, which must outlive `command`.
void AddRequestFlags(CLI::App* command, RequestFlags* flags);

/// Adds --measures (described by `what`) and --proxy-batch-size bound to
/// `*flags`, which must outlive `command`.
void AddMeasureFlags(CLI::App* command, RequestFlags* flags,
                     const std::string& what);

/// The measure names of --measures to send, in canonical order ("all"
/// expanded); empty when --measures is not given (the server's default).
/// InvalidArgument naming --measures for an unknown or repeated name.
absl::StatusOr<std::vector<std::string>> MeasureNamesOf(
    const RequestFlags& flags);

/// Adds --json bound to `*json`, described by `what`.
void AddJsonFlag(CLI::App* command, bool* json, const std::string& what);

/// The API's InitMode for --init ("shipped" or "paper").
v1::InitMode InitOf(const std::string& init);

/// Sets seed, repeats, batch size, init, fp64, measure names and proxy
/// batch of `options` from `flags`; InvalidArgument naming --measures for a
/// bad list (MeasureNamesOf).
absl::Status FillScoreOptions(const RequestFlags& flags,
                              v1::ScoreOptions* options);

/// Sets `architecture` to `text` as an NB201 string (space "nb201") or a
/// DARTS genotype (space "darts"); the server validates the text.
void SetArchitecture(const std::string& space, const std::string& text,
                     v1::Architecture* architecture);

}  // namespace tenas::client

#endif  // TENAS_CLIENT_REQUEST_FLAGS_H_
