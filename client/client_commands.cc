// Copyright 2026 The tenas Authors.
//
// client_commands.cc: `tenas score|search|watch|info|searches|cancel|health`.

#include "client/client_commands.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "client/cli_support.h"
#include "client/event_json.h"
#include "flag_parser.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tenas/space/accuracy_table.h"
#include "tenas/space/nb201.h"
#include "tenas/v1/scorer.grpc.pb.h"

namespace tenas::client {
namespace {

using cli::Flags;

bool ReadInit(const std::string& command, const Flags& flags,
              v1::InitMode* init, const char* usage, int* exit_code) {
  const std::string s = flags.GetString("init", "shipped");
  if (s == "shipped") {
    *init = v1::INIT_MODE_SHIPPED;
  } else if (s == "paper") {
    *init = v1::INIT_MODE_PAPER;
  } else {
    *exit_code = UsageError(
        command, "--init: '" + s + "' (expected shipped or paper)", usage);
    return false;
  }
  return true;
}

// Draws a progress bar from search events on a terminal (stderr).
class ProgressBar {
 public:
  void Update(const v1::SearchEvent& e) {
    if (e.has_round_started()) {
      total_ = e.round_started().num_candidates();
      done_ = 0;
      label_ = absl::StrFormat(
          "%s %d", e.round_started().stage() == "ops" ? "round" : "edges",
          e.round_started().round() + 1);
    } else if (e.has_candidate_scored()) {
      ++done_;
    } else if (e.has_round_finished()) {
      done_ = total_;
    } else {
      return;
    }
    if (total_ == 0) return;
    const int width = 30;
    const int filled = done_ * width / total_;
    std::cerr << absl::StrFormat("\r%-9s [%s%s] %3d/%-3d candidates %7.1f s",
                                 label_, std::string(filled, '#'),
                                 std::string(width - filled, '.'), done_,
                                 total_, e.seconds())
              << (e.has_round_finished() ? "\n" : "") << std::flush;
  }

 private:
  int total_ = 0;
  int done_ = 0;
  std::string label_;
};

// Streams search events until the end; prints JSON lines or progress and a
// summary. Returns the exit code.
int FollowSearch(const std::string& command,
                 grpc::ClientReaderInterface<v1::SearchEvent>* reader,
                 grpc::ClientContext* context, bool json,
                 const std::optional<nb201::AccuracyTable>& table) {
  v1::SearchEvent event;
  ProgressBar bar;
  const bool tty = isatty(STDERR_FILENO);
  std::string search_id;
  std::optional<v1::SearchResult> result;
  while (reader->Read(&event)) {
    if (search_id.empty()) {
      search_id = event.search_id();
      if (!json) std::cerr << "search " << search_id << std::endl;
    }
    if (event.has_result()) result = event.result();
    if (json) {
      nlohmann::json line = SearchEventJson(event);
      if (event.has_result() && table) {
        auto arch = nb201::ParseArchitecture(event.result().arch());
        const nb201::BenchmarkAccuracy* acc =
            arch.ok() ? table->Find(*arch) : nullptr;
        if (acc != nullptr) {
          line["benchmark"] = {{"index", acc->index},
                               {"cifar10_test", acc->cifar10_test},
                               {"cifar100_test", acc->cifar100_test},
                               {"imagenet16_test", acc->imagenet16_test}};
        }
      }
      std::cout << line.dump() << "\n" << std::flush;
    } else if (tty) {
      bar.Update(event);
    } else if (event.has_round_finished()) {
      // Not a terminal: one line per finished round instead of a bar.
      std::cerr << absl::StrFormat(
          "%s %d finished in %.1f s (%.1f s total)\n",
          event.round_finished().stage() == "ops" ? "round" : "edge group",
          event.round_finished().round() + 1,
          event.round_finished().round_seconds(), event.seconds());
    }
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return RpcError(command, status);
  if (!json && result) {
    std::cout << "search " << search_id << ": " << result->space() << " on "
              << result->dataset() << ", " << result->rounds_size()
              << " rounds, " << absl::StrFormat("%.1f", result->seconds())
              << " s\narchitecture: " << result->arch() << "\n";
    if (table) {
      auto arch = nb201::ParseArchitecture(result->arch());
      const nb201::BenchmarkAccuracy* acc =
          arch.ok() ? table->Find(*arch) : nullptr;
      if (acc != nullptr) {
        std::cout << absl::StrFormat(
            "NAS-Bench-201 #%d test accuracy: CIFAR-10 %.2f %%, CIFAR-100 "
            "%.2f %%, ImageNet16-120 %.2f %%\n",
            acc->index, acc->cifar10_test, acc->cifar100_test,
            acc->imagenet16_test);
      }
    }
  }
  return kOk;
}

}  // namespace

int RunScore(const std::vector<std::string>& args) {
  constexpr char kUsageText[] =
      "usage: tenas score --space nb201|darts --arch STR [--dataset NAME] "
      "[--seed N] [--repeats N] [--batch-size N] [--init shipped|paper] "
      "[--fp64] [--server HOST:PORT] [--timeout S] [--json]";
  int code = 0;
  auto flags = ParseFlags(
      "score", args,
      {"space", "arch", "dataset", "seed", "repeats", "batch-size", "init"},
      {"fp64"}, kUsageText, &code);
  if (!flags) return code;
  if (!flags->Has("arch"))
    return UsageError("score", "--arch is required", kUsageText);
  v1::ScoreArchitectureRequest request;
  const std::string space = flags->GetString("space", "nb201");
  if (space == "nb201") {
    request.mutable_architecture()->set_nb201_arch(flags->GetString("arch"));
  } else if (space == "darts") {
    request.mutable_architecture()->set_darts_genotype_text(
        flags->GetString("arch"));
  } else {
    return UsageError("score",
                      "--space: '" + space + "' (expected nb201 or darts)",
                      kUsageText);
  }
  request.set_dataset(flags->GetString("dataset", "cifar10"));
  int64_t seed, repeats, batch;
  if (!ReadInt("score", *flags, "seed", 0, 0, int64_t{1} << 62, &seed,
               kUsageText, &code) ||
      !ReadInt("score", *flags, "repeats", 0, 0, 100, &repeats, kUsageText,
               &code) ||
      !ReadInt("score", *flags, "batch-size", 0, 0, 4096, &batch, kUsageText,
               &code)) {
    return code;
  }
  v1::InitMode init;
  if (!ReadInit("score", *flags, &init, kUsageText, &code)) return code;
  auto* o = request.mutable_options();
  o->set_seed(static_cast<uint64_t>(seed));
  o->set_repeats(static_cast<int>(repeats));
  o->set_batch_size(static_cast<int>(batch));
  o->set_init(init);
  o->set_fp64(flags->Has("fp64"));

  auto stub = v1::ArchitectureScorer::NewStub(Channel(*flags));
  grpc::ClientContext context;
  SetDeadline(*flags, &context);
  v1::ScoreArchitectureResponse response;
  grpc::Status status = stub->ScoreArchitecture(&context, request, &response);
  if (!status.ok()) return RpcError("score", status);
  if (flags->Has("json")) {
    std::cout << ScoreJson(response).dump() << std::endl;
  } else {
    std::cout << absl::StrFormat(
        "arch     %s\ndataset  %s, seed %d, %d repeats, batch %d, device "
        "%s\nkappa    %.6g\nregions  %.6g\ntime     %.3f s (queued %.3f s)%s\n",
        response.arch(), response.dataset(), response.seed(),
        response.repeats_size(), response.batch_size(), response.device(),
        response.ntk_condition_number(), response.linear_regions(),
        response.timing().total_seconds(), response.timing().queue_seconds(),
        response.cached() ? ", from the server's result cache" : "");
  }
  return kOk;
}

int RunSearch(const std::vector<std::string>& args) {
  constexpr char kUsageText[] =
      "usage: tenas search --space nb201|darts [--dataset NAME] [--seed N] "
      "[--repeats N] [--batch-size N] [--prune-number N] [--init "
      "shipped|paper] [--fp64] [--fix-stale-origin] [--accuracy-table CSV] "
      "[--server HOST:PORT] [--json]";
  int code = 0;
  auto flags = ParseFlags("search", args,
                          {"space", "dataset", "seed", "repeats", "batch-size",
                           "prune-number", "init", "accuracy-table"},
                          {"fp64", "fix-stale-origin"}, kUsageText, &code);
  if (!flags) return code;
  v1::RunSearchRequest request;
  const std::string space = flags->GetString("space", "nb201");
  if (space == "nb201") {
    request.set_space(v1::SEARCH_SPACE_NB201);
  } else if (space == "darts") {
    request.set_space(v1::SEARCH_SPACE_DARTS);
  } else {
    return UsageError("search",
                      "--space: '" + space + "' (expected nb201 or darts)",
                      kUsageText);
  }
  request.set_dataset(flags->GetString("dataset", "cifar10"));
  int64_t seed, repeats, batch, prune;
  if (!ReadInt("search", *flags, "seed", 0, 0, int64_t{1} << 62, &seed,
               kUsageText, &code) ||
      !ReadInt("search", *flags, "repeats", 0, 0, 100, &repeats, kUsageText,
               &code) ||
      !ReadInt("search", *flags, "batch-size", 0, 0, 4096, &batch, kUsageText,
               &code) ||
      !ReadInt("search", *flags, "prune-number", 0, 0, 7, &prune, kUsageText,
               &code)) {
    return code;
  }
  v1::InitMode init;
  if (!ReadInit("search", *flags, &init, kUsageText, &code)) return code;
  request.set_seed(static_cast<uint64_t>(seed));
  request.set_repeats(static_cast<int>(repeats));
  request.set_batch_size(static_cast<int>(batch));
  request.set_prune_number(static_cast<int>(prune));
  request.set_init(init);
  request.set_fp64(flags->Has("fp64"));
  request.set_fix_stale_origin(flags->Has("fix-stale-origin"));
  std::optional<nb201::AccuracyTable> table;
  if (flags->Has("accuracy-table")) {
    auto t = nb201::AccuracyTable::Load(flags->GetString("accuracy-table"));
    if (!t.ok()) {
      return UsageError("search", std::string(t.status().message()),
                        kUsageText);
    }
    table = std::move(*t);
  }
  auto stub = v1::ArchitectureScorer::NewStub(Channel(*flags));
  grpc::ClientContext context;
  SetDeadline(*flags, &context);
  auto reader = stub->RunSearch(&context, request);
  return FollowSearch("search", reader.get(), &context, flags->Has("json"),
                      table);
}

int RunWatch(const std::vector<std::string>& args) {
  constexpr char kUsageText[] =
      "usage: tenas watch SEARCH_ID [--from N] [--accuracy-table CSV] "
      "[--server HOST:PORT] [--json]";
  int code = 0;
  auto flags = ParseFlags("watch", args, {"from", "accuracy-table"}, {},
                          kUsageText, &code);
  if (!flags) return code;
  if (flags->positional().size() != 1) {
    return UsageError("watch", "exactly one SEARCH_ID is required", kUsageText);
  }
  int64_t from;
  if (!ReadInt("watch", *flags, "from", 0, 0, int64_t{1} << 40, &from,
               kUsageText, &code)) {
    return code;
  }
  std::optional<nb201::AccuracyTable> table;
  if (flags->Has("accuracy-table")) {
    auto t = nb201::AccuracyTable::Load(flags->GetString("accuracy-table"));
    if (!t.ok())
      return UsageError("watch", std::string(t.status().message()), kUsageText);
    table = std::move(*t);
  }
  v1::WatchSearchRequest request;
  request.set_search_id(flags->positional()[0]);
  request.set_from_sequence(from);
  auto stub = v1::ArchitectureScorer::NewStub(Channel(*flags));
  grpc::ClientContext context;
  SetDeadline(*flags, &context);
  auto reader = stub->WatchSearch(&context, request);
  return FollowSearch("watch", reader.get(), &context, flags->Has("json"),
                      table);
}

int RunInfo(const std::vector<std::string>& args) {
  constexpr char kUsageText[] =
      "usage: tenas info [--server HOST:PORT] [--json]";
  int code = 0;
  auto flags = ParseFlags("info", args, {}, {}, kUsageText, &code);
  if (!flags) return code;
  auto stub = v1::ArchitectureScorer::NewStub(Channel(*flags));
  grpc::ClientContext context;
  SetDeadline(*flags, &context);
  v1::GetServerInfoResponse r;
  grpc::Status status = stub->GetServerInfo(&context, {}, &r);
  if (!status.ok()) return RpcError("info", status);
  nlohmann::json datasets = nlohmann::json::array();
  for (const auto& d : r.datasets()) {
    datasets.push_back({{"name", d.name()},
                        {"images", d.images()},
                        {"num_classes", d.num_classes()},
                        {"memory_bytes", d.memory_bytes()},
                        {"lazy", d.lazy()},
                        {"source", d.source()}});
  }
  nlohmann::json j = {{"version", r.version()},
                      {"torch_version", r.torch_version()},
                      {"device", r.device()},
                      {"datasets", datasets},
                      {"queue_depth", r.queue_depth()},
                      {"queue_capacity", r.queue_capacity()},
                      {"workers", r.workers()},
                      {"busy_workers", r.busy_workers()},
                      {"threads_per_worker", r.threads_per_worker()},
                      {"active_searches", r.active_searches()}};
  std::cout << (flags->Has("json") ? j.dump() : j.dump(2)) << std::endl;
  return kOk;
}

int RunSearches(const std::vector<std::string>& args) {
  constexpr char kUsageText[] =
      "usage: tenas searches [--server HOST:PORT] [--json]";
  int code = 0;
  auto flags = ParseFlags("searches", args, {}, {}, kUsageText, &code);
  if (!flags) return code;
  auto stub = v1::ArchitectureScorer::NewStub(Channel(*flags));
  grpc::ClientContext context;
  SetDeadline(*flags, &context);
  v1::ListSearchesResponse r;
  grpc::Status status = stub->ListSearches(&context, {}, &r);
  if (!status.ok()) return RpcError("searches", status);
  for (const auto& s : r.searches()) {
    nlohmann::json j = SearchInfoJson(s);
    if (flags->Has("json")) {
      std::cout << j.dump() << "\n";
    } else {
      std::cout << absl::StrFormat(
          "%s  %-9s  %s %s seed %d  round %d  %.1f s\n", s.search_id(),
          j["state"].get<std::string>(), j["space"].get<std::string>(),
          j["dataset"].get<std::string>(), s.request().seed(), s.round(),
          s.seconds());
    }
  }
  return kOk;
}

int RunCancel(const std::vector<std::string>& args) {
  constexpr char kUsageText[] =
      "usage: tenas cancel SEARCH_ID [--server HOST:PORT]";
  int code = 0;
  auto flags = ParseFlags("cancel", args, {}, {}, kUsageText, &code);
  if (!flags) return code;
  if (flags->positional().size() != 1) {
    return UsageError("cancel", "exactly one SEARCH_ID is required",
                      kUsageText);
  }
  auto stub = v1::ArchitectureScorer::NewStub(Channel(*flags));
  grpc::ClientContext context;
  SetDeadline(*flags, &context);
  v1::CancelSearchRequest request;
  request.set_search_id(flags->positional()[0]);
  v1::CancelSearchResponse response;
  grpc::Status status = stub->CancelSearch(&context, request, &response);
  if (!status.ok()) return RpcError("cancel", status);
  std::cout << "cancel requested for " << request.search_id() << std::endl;
  return kOk;
}

int RunHealth(const std::vector<std::string>& args) {
  constexpr char kUsageText[] =
      "usage: tenas health [--service NAME] [--server HOST:PORT]  (default "
      "service: tenas.v1.ArchitectureScorer; '' checks liveness)";
  int code = 0;
  auto flags = ParseFlags("health", args, {"service"}, {}, kUsageText, &code);
  if (!flags) return code;
  auto stub = grpc::health::v1::Health::NewStub(Channel(*flags));
  grpc::ClientContext context;
  context.set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::seconds(flags->GetInt("timeout", 5, 0, 3600).value_or(5)));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(
      flags->GetString("service", "tenas.v1.ArchitectureScorer"));
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return RpcError("health", status);
  const bool serving =
      response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  std::cout << (serving ? "SERVING" : "NOT_SERVING") << std::endl;
  return serving ? kOk : kFailure;
}

}  // namespace tenas::client
