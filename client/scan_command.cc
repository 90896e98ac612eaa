// Copyright 2026 The tenas Authors.
//
// scan_command.cc: `tenas scan`, the measures (TE-NAS's two unless
// --measures) of many architectures
// (one per line of --arch-file) through the streaming ScoreArchitectures
// call, --chunk architectures per call. One result line per architecture,
// in completion order, each with its 0-based index among the file's
// architectures; a summary line on stderr. Exit 0 when every architecture
// was scored, 1 when some failed (each failure is a line too) or the call
// failed, 2 for bad usage (an unreadable or empty file, INVALID_ARGUMENT).

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "client/cli_support.h"
#include "client/client_commands.h"
#include "client/event_json.h"
#include "client/request_flags.h"
#include "nlohmann/json.hpp"
#include "tenas/cli/command_line.h"
#include "tenas/v1/scorer.grpc.pb.h"

namespace tenas::client {
namespace {

using Clock = std::chrono::steady_clock;

// A line longer than this is not an architecture (the longest DARTS
// genotype is under 1 KiB).
constexpr size_t kMaxLineBytes = 64 << 10;

struct ScanFlags {
  RequestFlags request;
  std::string arch_file;
  int chunk = 256;
  int retries = 5;
};

// The architectures of `path` ("-": stdin): one per line, surrounding
// whitespace trimmed; blank lines and lines starting with '#' skipped.
// InvalidArgument naming --arch-file (and the line) otherwise.
absl::StatusOr<std::vector<std::string>> ReadArchitectures(
    const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path);
    if (!file) {
      return absl::InvalidArgumentError(
          absl::StrCat("--arch-file: cannot read '", path, "'"));
    }
    in = &file;
  }
  std::vector<std::string> archs;
  std::string line;
  for (int number = 1; std::getline(*in, line); ++number) {
    if (line.size() > kMaxLineBytes) {
      return absl::InvalidArgumentError(absl::StrCat("--arch-file: line ",
                                                     number, " is longer than ",
                                                     kMaxLineBytes, " bytes"));
    }
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    archs.emplace_back(text);
  }
  if (in->bad()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--arch-file: read error in '", path, "'"));
  }
  if (archs.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--arch-file: no architectures in '", path, "'"));
  }
  return archs;
}

struct Tally {
  int ok = 0;
  int cached = 0;
  int failed = 0;
};

// Prints one streamed item; `offset` is the chunk's first index.
void PrintItem(const v1::ScoreArchitecturesResponse& item, int offset,
               const std::vector<std::string>& archs, bool json, Tally* tally) {
  const int index = offset + item.index();
  const std::string& arch =
      index >= 0 && index < static_cast<int>(archs.size()) ? archs[index] : "";
  if (item.has_result()) {
    const auto& r = item.result();
    ++tally->ok;
    if (r.cached()) ++tally->cached;
    if (json) {
      nlohmann::json j = ScoreJson(r);
      j["index"] = index;
      std::cout << j.dump() << "\n";
    } else {
      std::string line =
          absl::StrFormat("%d\t%.6g\t%.6g\t%s", index, r.ntk_condition_number(),
                          r.linear_regions(), r.arch());
      for (const v1::MeasureValue& m : r.measures()) {
        if (m.name() == "ntk" || m.name() == "lr") continue;
        absl::StrAppendFormat(&line, "\t%s=%.6g", m.name(), m.mean());
      }
      std::cout << line << "\n";
    }
    return;
  }
  ++tally->failed;
  const char* code = StatusCodeName(item.error().code());
  // The server names the item by its place in the call; name it by its
  // place in the file.
  std::string message = item.error().message();
  const std::string local = absl::StrCat("architectures[", item.index(), "]");
  if (absl::StartsWith(message, local)) {
    message = absl::StrCat("architectures[", index, "]",
                           message.substr(local.size()));
  }
  if (json) {
    std::cout << nlohmann::json{{"index", index},
                                {"arch", arch},
                                {"error",
                                 {{"code", code}, {"message", message}}}}
                     .dump()
              << "\n";
  } else {
    std::cout << absl::StrFormat("%d\terror %s: %s\t%s\n", index, code,
                                 cli::OneLine(message), arch);
  }
}

int RunScan(const ScanFlags& flags, const ConnectionFlags& connection) {
  auto archs = ReadArchitectures(flags.arch_file);
  if (!archs.ok()) {
    return UsageError("scan", std::string(archs.status().message()));
  }
  auto stub = v1::ArchitectureScorer::NewStub(Channel(connection));
  const int n = static_cast<int>(archs->size());
  const auto start = Clock::now();
  Tally tally;
  int exit_code = kOk;
  for (int offset = 0; offset < n && exit_code == kOk; offset += flags.chunk) {
    v1::ScoreArchitecturesRequest request;
    const int end = std::min(n, offset + flags.chunk);
    for (int i = offset; i < end; ++i) {
      SetArchitecture(flags.request.space, (*archs)[i],
                      request.add_architectures());
    }
    request.set_dataset(flags.request.dataset);
    if (absl::Status s =
            FillScoreOptions(flags.request, request.mutable_options());
        !s.ok()) {
      return UsageError("scan", std::string(s.message()));
    }
    // A call refused before any item (RESOURCE_EXHAUSTED: the server's
    // queue is full) is retried after a growing pause.
    for (int attempt = 0;; ++attempt) {
      grpc::ClientContext context;
      SetDeadline(connection, &context);
      auto reader = stub->ScoreArchitectures(&context, request);
      v1::ScoreArchitecturesResponse item;
      int received = 0;
      while (reader->Read(&item)) {
        ++received;
        PrintItem(item, offset, *archs, flags.request.json, &tally);
      }
      std::cout.flush();
      const grpc::Status status = reader->Finish();
      if (status.ok()) break;
      if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
          received == 0 && attempt < flags.retries) {
        std::this_thread::sleep_for(std::chrono::milliseconds(
            std::min(5000, 100 << std::min(attempt, 6))));
        continue;
      }
      exit_code = RpcError("scan", status);
      break;
    }
  }
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  std::cerr << absl::StrFormat(
                   "tenas scan: %d of %d architectures scored (%d from the "
                   "server's cache), %d failed, in %.1f s: %.3f per second",
                   tally.ok, n, tally.cached, tally.failed, seconds,
                   tally.ok / std::max(seconds, 1e-9))
            << std::endl;
  if (exit_code != kOk) return exit_code;
  return tally.failed == 0 && tally.ok == n ? kOk : kFailure;
}

}  // namespace

void AddScanCommand(CLI::App* app, ConnectionFlags* connection,
                    CommandRunner* run) {
  auto flags = std::make_shared<ScanFlags>();
  CLI::App* command = app->add_subcommand(
      "scan",
      "the measures of every architecture of a file (one per line), "
      "streamed");
  command
      ->add_option("--arch-file", flags->arch_file,
                   "architectures, one per line (NB201 strings or DARTS "
                   "genotypes); blank lines and '#' comments skipped; - "
                   "reads stdin")
      ->type_name("FILE")
      ->required();
  AddRequestFlags(command, &flags->request);
  AddMeasureFlags(command, &flags->request,
                  "the measures to compute (text lines: kappa, R, then "
                  "name=mean of each zero-cost proxy; --json: every measure's "
                  "mean, sem and values)");
  cli::AddInt(command, "--chunk", &flags->chunk, 1, 1 << 20,
              "architectures per ScoreArchitectures call (the server takes "
              "at most its --max-architectures)");
  cli::AddInt(command, "--retries", &flags->retries, 0, 100,
              "retries of a call the server refuses as overloaded "
              "(RESOURCE_EXHAUSTED), with a growing pause");
  AddJsonFlag(command, &flags->request.json,
              "print one JSON object per architecture (the score's fields "
              "and its index), or its error");
  AddConnectionFlags(command, connection);
  command->callback([flags, connection, run] {
    *run = [flags, connection] { return RunScan(*flags, *connection); };
  });
}

}  // namespace tenas::client
