// Copyright 2026 The tenas Authors.
//
// fuzz_request_validation.cc: libFuzzer target for the server's request
// validation (server/proto_convert.cc), the path every RPC takes from wire
// bytes to library options. The first input byte selects the message
// (ScoreArchitectureRequest, ScoreArchitecturesRequest or RunSearchRequest),
// the rest is parsed as its protobuf encoding and validated exactly as
// ScorerService and SearchManager do. Any input must give a value or an
// INVALID_ARGUMENT naming the field, never a crash; accepted values must be
// in range and an accepted architecture's canonical text must reparse to
// the same architecture.
//
// Besides proto_convert.cc, it links the library's LibTorch-free targets
// (tenas_space, tenas_options): no LibTorch library is linked.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz_check.h"
#include "google/protobuf/stubs/logging.h"
#include "server/proto_convert.h"
#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"
#include "tenas/v1/scorer.pb.h"

namespace {

using tenas::server::ParsedArchitecture;
using tenas::server::RequestLimits;

/// An error must be INVALID_ARGUMENT and start with the field it names.
void CheckInvalid(const absl::Status& status, absl::string_view field) {
  FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  FUZZ_CHECK(absl::StartsWith(status.message(), field));
}

/// Parses one architecture; on success checks its canonical text.
absl::StatusOr<ParsedArchitecture> CheckArchitecture(
    const tenas::v1::Architecture& proto, const std::string& field) {
  auto arch = tenas::server::ParseArchitectureProto(proto, field);
  if (!arch.ok()) {
    CheckInvalid(arch.status(), field);
    return arch;
  }
  if (arch->space == tenas::search::SpaceKind::kNb201) {
    FUZZ_CHECK(arch->nb201.has_value() && !arch->darts.has_value());
    auto again = tenas::nb201::ParseArchitecture(arch->canonical);
    FUZZ_CHECK(again.ok() && *again == *arch->nb201);
  } else {
    FUZZ_CHECK(arch->darts.has_value() && !arch->nb201.has_value());
    auto again = tenas::darts::ParseGenotype(arch->canonical);
    FUZZ_CHECK(again.ok() && *again == *arch->darts);
  }
  return arch;
}

absl::StatusOr<std::string> CheckDataset(const std::string& dataset) {
  auto name = tenas::server::DatasetFromProto(dataset);
  if (!name.ok()) {
    CheckInvalid(name.status(), "dataset");
  } else {
    FUZZ_CHECK(*name == (dataset.empty() ? "cifar10" : dataset));
  }
  return name;
}

/// Score options of `arch`; on success also fills a response as the service
/// does.
void CheckScoreOptions(const tenas::v1::ScoreOptions& proto,
                       const ParsedArchitecture& arch,
                       const std::string& dataset,
                       const RequestLimits& limits) {
  auto options =
      tenas::server::ScoreOptionsFromProto(proto, arch.space, dataset, limits);
  if (!options.ok()) {
    CheckInvalid(options.status(), "options.");
    return;
  }
  FUZZ_CHECK(options->repeats >= 1 && options->repeats <= limits.max_repeats);
  FUZZ_CHECK(options->batch_size >= 2 &&
             options->batch_size <= limits.max_batch_size);
  FUZZ_CHECK(options->compute_ntk || options->compute_regions);
  tenas::measures::ScoreResult result;
  result.kappa.assign(options->repeats, 1.0);
  result.regions.assign(options->repeats, 2.0);
  tenas::v1::ScoreArchitectureResponse response;
  tenas::server::ScoreResultToProto(arch, dataset, *options, result, &response);
  FUZZ_CHECK(response.arch() == arch.canonical);
  FUZZ_CHECK(response.repeats_size() == options->repeats);
}

void ScoreArchitecture(const tenas::v1::ScoreArchitectureRequest& request,
                       const RequestLimits& limits) {
  auto arch = CheckArchitecture(request.architecture(), "architecture");
  if (!arch.ok()) return;
  auto dataset = CheckDataset(request.dataset());
  if (!dataset.ok()) return;
  CheckScoreOptions(request.options(), *arch, *dataset, limits);
}

void ScoreArchitectures(const tenas::v1::ScoreArchitecturesRequest& request,
                        const RequestLimits& limits) {
  const int n = request.architectures_size();
  if (n < 1 || n > limits.max_architectures_per_call) return;
  std::vector<ParsedArchitecture> archs;
  for (int i = 0; i < n; ++i) {
    auto arch = CheckArchitecture(request.architectures(i),
                                  absl::StrCat("architectures[", i, "]"));
    if (!arch.ok()) return;
    archs.push_back(*std::move(arch));
  }
  auto dataset = CheckDataset(request.dataset());
  if (!dataset.ok()) return;
  for (const ParsedArchitecture& arch : archs) {
    CheckScoreOptions(request.options(), arch, *dataset, limits);
  }
}

void RunSearch(const tenas::v1::RunSearchRequest& request,
               const RequestLimits& limits) {
  auto options = tenas::server::SearchOptionsFromProto(request, limits);
  if (!options.ok()) {
    FUZZ_CHECK(options.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  FUZZ_CHECK(options->repeats >= 1 && options->repeats <= limits.max_repeats);
  FUZZ_CHECK(options->batch_size == 0 ||
             (options->batch_size >= 2 &&
              options->batch_size <= limits.max_batch_size));
  FUZZ_CHECK(options->prune_number >= 0 &&
             options->prune_number <=
                 tenas::search::MaxPruneNumber(options->space));
  CheckDataset(request.dataset()).IgnoreError();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  // Mutated strings are often invalid UTF-8, which protobuf rejects with an
  // ERROR log line per input; discard those lines (FATAL still aborts).
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const RequestLimits limits;  // the server's defaults
  const uint8_t selector = data[0] % 3;
  const void* body = data + 1;
  const int body_size = static_cast<int>(size - 1);
  if (selector == 0) {
    tenas::v1::ScoreArchitectureRequest request;
    if (request.ParseFromArray(body, body_size)) {
      ScoreArchitecture(request, limits);
    }
  } else if (selector == 1) {
    tenas::v1::ScoreArchitecturesRequest request;
    if (request.ParseFromArray(body, body_size)) {
      ScoreArchitectures(request, limits);
    }
  } else {
    tenas::v1::RunSearchRequest request;
    if (request.ParseFromArray(body, body_size)) RunSearch(request, limits);
  }
  return 0;
}
