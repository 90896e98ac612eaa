// Copyright 2026 The tenas Authors.
//
// client_commands.cc: `tenas score|search|watch|info|searches|cancel|health`
// and the `tenas` app that holds them.

#include "client/client_commands.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/event_json.h"
#include "client/request_flags.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tenas/cli/command_line.h"
#include "tenas/cli/dot_file.h"
#include "tenas/events/search_events.h"
#include "tenas/space/accuracy_table.h"
#include "tenas/v1/scorer.grpc.pb.h"

namespace tenas::client {
namespace {

// Adds --accuracy-table (default: the bundled table).
void AddAccuracyTableFlag(CLI::App* command, std::string* path) {
  command
      ->add_option("--accuracy-table", *path,
                   "NAS-Bench-201 accuracies CSV: an NB201 result also gives "
                   "the benchmark's test accuracies")
      ->type_name("CSV")
      ->default_str("the bundled table, when present");
}

// Draws a progress bar from search events on a terminal (stderr).
class ProgressBar {
 public:
  void Update(const events::EventRecord& e) {
    using Type = events::EventRecord::Type;
    if (e.type == Type::kRoundStarted) {
      total_ = e.num_candidates;
      done_ = 0;
      label_ = absl::StrFormat("%s %d", e.stage == "ops" ? "round" : "edges",
                               e.round + 1);
    } else if (e.type == Type::kCandidateScored) {
      ++done_;
    } else if (e.type == Type::kRoundFinished) {
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
                                 total_, e.seconds)
              << (e.type == Type::kRoundFinished ? "\n" : "") << std::flush;
  }

 private:
  int total_ = 0;
  int done_ = 0;
  std::string label_;
};

// Streams search events until the end; prints JSON lines or progress and a
// summary; with `dot_path` (--dot), draws the found cell(s) there. Returns
// the exit code.
int FollowSearch(const std::string& command,
                 grpc::ClientReaderInterface<v1::SearchEvent>* reader,
                 bool json, const std::optional<nb201::AccuracyTable>& table,
                 const std::string& dot_path = "") {
  v1::SearchEvent event;
  ProgressBar bar;
  const bool tty = isatty(STDERR_FILENO);
  std::string search_id;
  std::optional<events::ResultSummary> result;
  while (reader->Read(&event)) {
    if (search_id.empty()) {
      search_id = event.search_id();
      if (!json) std::cerr << "search " << search_id << std::endl;
    }
    events::EventRecord record = EventRecordOf(event);
    if (record.type == events::EventRecord::Type::kResult) {
      if (table) {
        record.result.benchmark =
            events::FindBenchmark(*table, record.result.arch);
      }
      result = record.result;
    }
    if (json) {
      std::cout << events::EventJson(record).dump() << "\n" << std::flush;
    } else if (tty) {
      bar.Update(record);
    } else if (record.type == events::EventRecord::Type::kRoundFinished) {
      // Not a terminal: one line per finished round instead of a bar.
      std::cerr << absl::StrFormat(
          "%s %d finished in %.1f s (%.1f s total)\n",
          record.stage == "ops" ? "round" : "edge group", record.round + 1,
          record.round_seconds, record.seconds);
    }
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return RpcError(command, status);
  if (!json && result) {
    std::cout << "search " << search_id << ": " << result->space << " on "
              << result->dataset << ", mode " << result->mode << ", "
              << (result->measures.empty()
                      ? ""
                      : absl::StrCat("measures ",
                                     absl::StrJoin(result->measures, ","),
                                     ", "))
              << result->repeats << " repeats, " << result->rounds.size()
              << " rounds, " << absl::StrFormat("%.1f", result->seconds)
              << " s\narchitecture: " << result->arch << "\n";
    if (result->benchmark) {
      std::cout << events::BenchmarkLine(*result->benchmark) << "\n";
    }
  }
  if (!dot_path.empty() && result) {
    absl::StatusOr<std::string> text =
        cli::ArchitectureDot(result->space, result->arch);
    absl::StatusOr<cli::DotFiles> files =
        text.ok() ? cli::WriteDotFiles(dot_path, *text)
                  : absl::StatusOr<cli::DotFiles>(text.status());
    if (!files.ok())
      return cli::ReportError("tenas " + command, files.status());
    if (!files->note.empty()) {
      std::cerr << "tenas " << command << ": " << files->note << std::endl;
    }
  }
  return kOk;
}

// The accuracy table of --accuracy-table (default: the bundled one); on
// error prints it and sets `exit_code`.
std::optional<std::optional<nb201::AccuracyTable>> LoadTable(
    const std::string& command, const std::string& path, int* exit_code) {
  auto table = cli::LoadAccuracyTable(path);
  if (!table.ok()) {
    *exit_code = cli::ReportError("tenas " + command, table.status());
    return std::nullopt;
  }
  return std::move(*table);
}

// --- score -----------------------------------------------------------------

struct ScoreFlags {
  RequestFlags request;
  std::string arch;
};

// The text line of one measure of a score: label, mean, standard error and
// the value of each repeat.
std::string MeasureLine(const v1::MeasureValue& m) {
  std::string label = m.name();
  if (label == "ntk") label = "kappa";
  if (label == "lr") label = "regions";
  std::string line = absl::StrFormat("%-9s%.6g  sem %.3g  (per repeat:", label,
                                     m.mean(), m.sem());
  for (double v : m.values()) absl::StrAppendFormat(&line, " %.6g", v);
  return line + ")\n";
}

int RunScore(const ScoreFlags& flags, const ConnectionFlags& connection) {
  v1::ScoreArchitectureRequest request;
  SetArchitecture(flags.request.space, flags.arch,
                  request.mutable_architecture());
  request.set_dataset(flags.request.dataset);
  if (absl::Status s =
          FillScoreOptions(flags.request, request.mutable_options());
      !s.ok()) {
    return UsageError("score", std::string(s.message()));
  }

  auto stub = v1::ArchitectureScorer::NewStub(Channel(connection));
  grpc::ClientContext context;
  SetDeadline(connection, &context);
  v1::ScoreArchitectureResponse response;
  grpc::Status status = stub->ScoreArchitecture(&context, request, &response);
  if (!status.ok()) return RpcError("score", status);
  if (flags.request.json) {
    std::cout << ScoreJson(response).dump() << std::endl;
    return kOk;
  }
  std::string text = absl::StrFormat(
      "arch     %s\ndataset  %s, seed %d, %d repeats, batch %d, device %s\n",
      response.arch(), response.dataset(), response.seed(),
      response.repeats_size(), response.batch_size(), response.device());
  if (response.measures_size() == 0) {  // a server without `measures`
    absl::StrAppendFormat(
        &text, "kappa    %.6g  sem %.3g\nregions  %.6g  sem %.3g\n",
        response.ntk_condition_number(), response.ntk_condition_number_sem(),
        response.linear_regions(), response.linear_regions_sem());
  }
  for (const v1::MeasureValue& m : response.measures()) {
    text += MeasureLine(m);
  }
  absl::StrAppendFormat(
      &text, "time     %.3f s (queued %.3f s)%s\n",
      response.timing().total_seconds(), response.timing().queue_seconds(),
      response.cached() ? ", from the server's result cache" : "");
  std::cout << text;
  return kOk;
}

void AddScoreCommand(CLI::App* app, ConnectionFlags* connection,
                     CommandRunner* run) {
  auto flags = std::make_shared<ScoreFlags>();
  CLI::App* command = app->add_subcommand(
      "score",
      "the measures of one architecture (TE-NAS's two unless --measures)");
  cli::AddArchOption(command, &flags->arch);
  AddRequestFlags(command, &flags->request);
  AddMeasureFlags(command, &flags->request, "the measures to compute");
  AddJsonFlag(command, &flags->request.json,
              "print the reply as one JSON object");
  AddConnectionFlags(command, connection);
  command->callback([flags, connection, run] {
    *run = [flags, connection] { return RunScore(*flags, *connection); };
  });
}

// --- search ----------------------------------------------------------------

struct SearchFlags {
  RequestFlags request;
  std::string mode = "faithful";
  int prune_number = 0;
  bool fix_stale_origin = false;
  std::string accuracy_table;
  std::string dot;          // --dot FILE; empty: off
  bool init_given = false;  // --init on the command line
};

int RunSearch(const SearchFlags& flags, const ConnectionFlags& connection) {
  v1::RunSearchRequest request;
  request.set_space(flags.request.space == "darts" ? v1::SEARCH_SPACE_DARTS
                                                   : v1::SEARCH_SPACE_NB201);
  request.set_dataset(flags.request.dataset);
  request.set_seed(flags.request.seed);
  request.set_repeats(flags.request.repeats);
  request.set_batch_size(flags.request.batch_size);
  request.set_prune_number(flags.prune_number);
  // Without --init the server applies the mode's default.
  if (flags.init_given) request.set_init(InitOf(flags.request.init));
  request.set_fp64(flags.request.fp64);
  request.set_fix_stale_origin(flags.fix_stale_origin);
  request.set_mode(flags.mode == "robust" ? v1::SEARCH_MODE_ROBUST
                                          : v1::SEARCH_MODE_FAITHFUL);
  absl::StatusOr<std::vector<std::string>> names =
      MeasureNamesOf(flags.request);
  if (!names.ok()) {
    return UsageError("search", std::string(names.status().message()));
  }
  for (const std::string& name : *names) request.add_measures(name);
  request.set_proxy_batch_size(flags.request.proxy_batch_size);
  int code = kOk;
  // Before the search: a --dot that cannot be written fails at once.
  if (!flags.dot.empty()) {
    absl::Status writable = cli::CheckDotPath(flags.dot);
    if (!writable.ok()) return cli::ReportError("tenas search", writable);
  }
  std::optional<nb201::AccuracyTable> table;
  if (flags.request.space == "nb201" || !flags.accuracy_table.empty()) {
    auto loaded = LoadTable("search", flags.accuracy_table, &code);
    if (!loaded) return code;
    table = std::move(*loaded);
  }
  auto stub = v1::ArchitectureScorer::NewStub(Channel(connection));
  grpc::ClientContext context;
  SetDeadline(connection, &context);
  auto reader = stub->RunSearch(&context, request);
  return FollowSearch("search", reader.get(), flags.request.json, table,
                      flags.dot);
}

void AddSearchCommand(CLI::App* app, ConnectionFlags* connection,
                      CommandRunner* run) {
  auto flags = std::make_shared<SearchFlags>();
  CLI::App* command = app->add_subcommand(
      "search", "run a TE-NAS search, with progress (--json: event lines)");
  AddRequestFlags(command, &flags->request);
  command->get_option("--init")->default_str(
      "the mode's: shipped (faithful), paper (robust)");
  cli::AddChoice(command, "--mode", &flags->mode, {"faithful", "robust"},
                 "faithful: the original code's draws; robust: common weights "
                 "and batches per repeat, the origin once per repeat "
                 "(docs/ALGORITHM.md §5.6)");
  cli::AddInt(command, "--prune-number", &flags->prune_number, 0, 7,
              "ops removed per edge per round; 0: the server's default per "
              "space and dataset");
  cli::AddFlag(command, "--fix-stale-origin", &flags->fix_stale_origin,
               "DARTS edge stage: refresh the NTK origin per node");
  AddMeasureFlags(command, &flags->request,
                  "the measures whose rank sum prunes (kappa and R are "
                  "measured in every search)");
  AddAccuracyTableFlag(command, &flags->accuracy_table);
  AddJsonFlag(command, &flags->request.json,
              "one JSON line per event, the last is the result");
  cli::AddDotOption(command, &flags->dot);
  AddConnectionFlags(command, connection);
  command->callback([flags, connection, run, command] {
    flags->init_given = command->count("--init") > 0;
    *run = [flags, connection] { return RunSearch(*flags, *connection); };
  });
}

// --- watch -----------------------------------------------------------------

struct WatchFlags {
  std::string search_id;
  int64_t from = 0;
  std::string accuracy_table;
  bool json = false;
};

int RunWatch(const WatchFlags& flags, const ConnectionFlags& connection) {
  int code = kOk;
  auto table = LoadTable("watch", flags.accuracy_table, &code);
  if (!table) return code;
  v1::WatchSearchRequest request;
  request.set_search_id(flags.search_id);
  request.set_from_sequence(flags.from);
  auto stub = v1::ArchitectureScorer::NewStub(Channel(connection));
  grpc::ClientContext context;
  SetDeadline(connection, &context);
  auto reader = stub->WatchSearch(&context, request);
  return FollowSearch("watch", reader.get(), flags.json, *table);
}

void AddWatchCommand(CLI::App* app, ConnectionFlags* connection,
                     CommandRunner* run) {
  auto flags = std::make_shared<WatchFlags>();
  CLI::App* command = app->add_subcommand(
      "watch", "re-attach to a search's events; ends with the result");
  command->add_option("SEARCH_ID", flags->search_id, "the search")->required();
  cli::AddInt(command, "--from", &flags->from, 0, int64_t{1} << 40,
              "replay the events from this sequence number");
  AddAccuracyTableFlag(command, &flags->accuracy_table);
  AddJsonFlag(command, &flags->json,
              "one JSON line per event, the last is the result");
  AddConnectionFlags(command, connection);
  command->callback([flags, connection, run] {
    *run = [flags, connection] { return RunWatch(*flags, *connection); };
  });
}

// --- info, searches
// ----------------------------------------------------------

int RunInfo(bool json, const ConnectionFlags& connection) {
  auto stub = v1::ArchitectureScorer::NewStub(Channel(connection));
  grpc::ClientContext context;
  SetDeadline(connection, &context);
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
  nlohmann::json queues = nlohmann::json::array();
  for (const auto& q : r.queues()) {
    queues.push_back({{"class", q.job_class()},
                      {"queued_requests", q.queued_requests()},
                      {"capacity", q.capacity()},
                      {"queued_jobs", q.queued_jobs()},
                      {"clients", q.clients()},
                      {"started_jobs", q.started_jobs()},
                      {"rejected_requests", q.rejected_requests()},
                      {"mean_wait_seconds", q.mean_wait_seconds()},
                      {"last_wait_seconds", q.last_wait_seconds()}});
  }
  nlohmann::json j = {
      {"version", r.version()},
      {"torch_version", r.torch_version()},
      {"device", r.device()},
      {"datasets", datasets},
      {"queue_depth", r.queue_depth()},
      {"queue_capacity", r.queue_capacity()},
      {"queues", queues},
      {"workers", r.workers()},
      {"busy_workers", r.busy_workers()},
      {"threads_per_worker", r.threads_per_worker()},
      {"active_searches", r.active_searches()},
      {"measures",
       std::vector<std::string>(r.measures().begin(), r.measures().end())}};
  std::cout << (json ? j.dump() : j.dump(2)) << std::endl;
  return kOk;
}

int RunSearches(bool json, const ConnectionFlags& connection) {
  auto stub = v1::ArchitectureScorer::NewStub(Channel(connection));
  grpc::ClientContext context;
  SetDeadline(connection, &context);
  v1::ListSearchesResponse r;
  grpc::Status status = stub->ListSearches(&context, {}, &r);
  if (!status.ok()) return RpcError("searches", status);
  for (const auto& s : r.searches()) {
    nlohmann::json j = SearchInfoJson(s);
    if (json) {
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

// A subcommand whose only own flag is --json.
void AddJsonOnlyCommand(CLI::App* app, const std::string& name,
                        const std::string& description,
                        const std::string& json_description,
                        int (*runner)(bool, const ConnectionFlags&),
                        ConnectionFlags* connection, CommandRunner* run) {
  auto json = std::make_shared<bool>(false);
  CLI::App* command = app->add_subcommand(name, description);
  AddJsonFlag(command, json.get(), json_description);
  AddConnectionFlags(command, connection);
  command->callback([json, runner, connection, run] {
    *run = [json, runner, connection] { return runner(*json, *connection); };
  });
}

// --- cancel ----------------------------------------------------------------

struct CancelFlags {
  std::string search_id;
  bool json = false;
};

int RunCancel(const CancelFlags& flags, const ConnectionFlags& connection) {
  auto stub = v1::ArchitectureScorer::NewStub(Channel(connection));
  grpc::ClientContext context;
  SetDeadline(connection, &context);
  v1::CancelSearchRequest request;
  request.set_search_id(flags.search_id);
  v1::CancelSearchResponse response;
  grpc::Status status = stub->CancelSearch(&context, request, &response);
  if (!status.ok()) return RpcError("cancel", status);
  if (flags.json) {
    std::cout << nlohmann::json{{"search_id", request.search_id()},
                                {"cancel_requested", true}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "cancel requested for " << request.search_id() << std::endl;
  }
  return kOk;
}

void AddCancelCommand(CLI::App* app, ConnectionFlags* connection,
                      CommandRunner* run) {
  auto flags = std::make_shared<CancelFlags>();
  CLI::App* command = app->add_subcommand("cancel", "cancel a search");
  command->add_option("SEARCH_ID", flags->search_id, "the search")->required();
  AddJsonFlag(command, &flags->json, "print the answer as one JSON object");
  AddConnectionFlags(command, connection);
  command->callback([flags, connection, run] {
    *run = [flags, connection] { return RunCancel(*flags, *connection); };
  });
}

// --- health ----------------------------------------------------------------

struct HealthFlags {
  std::string service = "tenas.v1.ArchitectureScorer";
  bool json = false;
};

int RunHealth(const HealthFlags& flags, const ConnectionFlags& connection) {
  auto stub = grpc::health::v1::Health::NewStub(Channel(connection));
  grpc::ClientContext context;
  SetDeadline(connection, &context, /*default_seconds=*/5);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(flags.service);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return RpcError("health", status);
  const bool serving =
      response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  const char* text = serving ? "SERVING" : "NOT_SERVING";
  if (flags.json) {
    std::cout
        << nlohmann::json{{"service", flags.service}, {"status", text}}.dump()
        << std::endl;
  } else {
    std::cout << text << std::endl;
  }
  return serving ? kOk : kFailure;
}

void AddHealthCommand(CLI::App* app, ConnectionFlags* connection,
                      CommandRunner* run) {
  auto flags = std::make_shared<HealthFlags>();
  CLI::App* command = app->add_subcommand(
      "health", "grpc.health.v1 check (exit 0 when SERVING)");
  command
      ->add_option("--service", flags->service,
                   "service to check; '' checks liveness")
      ->type_name("NAME");
  AddJsonFlag(command, &flags->json, "print the answer as one JSON object");
  AddConnectionFlags(command, connection);
  command->callback([flags, connection, run] {
    *run = [flags, connection] { return RunHealth(*flags, *connection); };
  });
}

}  // namespace

void AddServiceCommands(CLI::App* app, ConnectionFlags* connection,
                        CommandRunner* run) {
  AddScoreCommand(app, connection, run);
  AddSearchCommand(app, connection, run);
  AddWatchCommand(app, connection, run);
  AddJsonOnlyCommand(app, "info",
                     "server version, device, datasets, queue and workers",
                     "print one JSON object on one line (not indented)",
                     &RunInfo, connection, run);
  AddJsonOnlyCommand(app, "searches", "list the server's searches",
                     "one JSON object per search", &RunSearches, connection,
                     run);
  AddCancelCommand(app, connection, run);
  AddHealthCommand(app, connection, run);
}

int RunTenas(int argc, const char* const* argv) {
  CLI::App app(
      "The command-line client of tenas-server (TE-NAS as a gRPC "
      "service).",
      "tenas");
  cli::ConfigureApp(&app);
  app.require_subcommand(1);
  app.footer(
      "Run 'tenas COMMAND --help' for the flags of a command. Exit codes: 0 "
      "success, 2 bad usage or INVALID_ARGUMENT, 1 any other failure.");
  ConnectionFlags connection;
  AddConnectionFlags(&app, &connection);
  CommandRunner run;
  AddServiceCommands(&app, &connection, &run);
  AddLoadCommand(&app, &connection, &run);
  AddScanCommand(&app, &connection, &run);
  if (auto exit_code = cli::ParseCommandLine(&app, argc, argv)) {
    return *exit_code;
  }
  if (!run) return kUsage;
  if (absl::Status s = CheckConnectionFlags(connection); !s.ok()) {
    return UsageError(app.get_subcommands().front()->get_name(),
                      std::string(s.message()));
  }
  return run();
}

}  // namespace tenas::client
