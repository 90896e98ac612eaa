// Copyright 2026 The tenas Authors.
//
// load_command.cc: `tenas load`, a load generator: N concurrent clients
// call ScoreArchitecture over and over for a fixed duration, drawing from
// a pool of (architecture, seed) requests. Every answer is checked: OK
// answers must name the requested architecture, carry finite values, and
// agree exactly with every other answer to the same request (the service is
// deterministic); RESOURCE_EXHAUSTED is the server's explicit overload
// policy and counts as refused, not failed; any other status is an error.
// Exit 0 when nothing failed and nothing disagreed, 1 otherwise.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "client/cli_support.h"
#include "client/client_commands.h"
#include "nlohmann/json.hpp"
#include "tenas/cli/command_line.h"
#include "tenas/space/nb201.h"
#include "tenas/v1/scorer.grpc.pb.h"

namespace tenas::client {
namespace {

using Clock = std::chrono::steady_clock;

// Architecture `i` of the pool: NB201 cells without `none`, spread over the
// space.
std::string PoolArch(int i) {
  nb201::Architecture a;
  uint64_t n = static_cast<uint64_t>(i) * 2654435761u + 12345;
  for (int e = 0; e < nb201::kNumEdges; ++e) {
    a.ops[e] = static_cast<nb201::Op>(1 + n % 4);
    n /= 4;
  }
  return nb201::FormatArchitecture(a);
}

struct Tally {
  int64_t ok = 0, refused = 0, errors = 0, mismatches = 0, cached = 0;
  std::vector<double> latencies;  // OK answers, seconds
  std::map<std::string, int64_t> error_codes;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

struct LoadFlags {
  int clients = 8;
  int duration = 30;
  int pool = 16;
  int seeds = 2;
  int batch_size = 8;
  int repeats = 1;
  std::string dataset = "cifar10";
  bool json = false;
};

int RunLoad(const LoadFlags& flags, const ConnectionFlags& connection) {
  const int clients = flags.clients;
  const int duration = flags.duration;
  const int pool = flags.pool;
  const int seeds = flags.seeds;
  const int batch = flags.batch_size;
  const int repeats = flags.repeats;
  const std::string& dataset = flags.dataset;
  auto channel = Channel(connection);
  auto stub = v1::ArchitectureScorer::NewStub(channel);

  std::mutex mu;
  Tally tally;
  // The first OK answer to each request: later ones must equal it.
  std::map<std::pair<int, int>, std::pair<double, double>> first;
  const auto start = Clock::now();
  const auto stop = start + std::chrono::seconds(duration);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int64_t n = 0; Clock::now() < stop; ++n) {
        const int a = static_cast<int>((c * 7 + n) % pool);
        const int s = static_cast<int>((c + n / pool) % seeds);
        v1::ScoreArchitectureRequest request;
        const std::string arch = PoolArch(a);
        request.mutable_architecture()->set_nb201_arch(arch);
        request.set_dataset(dataset);
        request.mutable_options()->set_seed(static_cast<uint64_t>(s));
        request.mutable_options()->set_batch_size(batch);
        request.mutable_options()->set_repeats(repeats);
        grpc::ClientContext context;
        // Without --timeout, 120 s: a call never hangs the run.
        SetDeadline(connection, &context, /*default_seconds=*/120);
        v1::ScoreArchitectureResponse response;
        const auto sent = Clock::now();
        grpc::Status status =
            stub->ScoreArchitecture(&context, request, &response);
        const double seconds =
            std::chrono::duration<double>(Clock::now() - sent).count();
        std::lock_guard<std::mutex> lock(mu);
        if (status.ok()) {
          ++tally.ok;
          tally.latencies.push_back(seconds);
          if (response.cached()) ++tally.cached;
          const auto values = std::make_pair(response.ntk_condition_number(),
                                             response.linear_regions());
          const bool sane = response.arch() == arch &&
                            std::isfinite(values.first) && values.first >= 1 &&
                            values.second >= 1 &&
                            response.repeats_size() == repeats;
          auto [it, inserted] = first.emplace(std::make_pair(a, s), values);
          if (!sane || (!inserted && it->second != values)) ++tally.mismatches;
        } else if (status.error_code() ==
                   grpc::StatusCode::RESOURCE_EXHAUSTED) {
          ++tally.refused;
          // Back off a little, as a well-behaved client would.
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        } else {
          ++tally.errors;
          ++tally.error_codes[absl::StrFormat(
              "%d %s", static_cast<int>(status.error_code()),
              status.error_message())];
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed =
      std::chrono::duration<double>(Clock::now() - start).count();

  nlohmann::json out = {
      {"clients", clients},
      {"seconds", elapsed},
      {"requests", tally.ok + tally.refused + tally.errors},
      {"ok", tally.ok},
      {"refused", tally.refused},
      {"errors", tally.errors},
      {"mismatches", tally.mismatches},
      {"cached", tally.cached},
      {"distinct_requests", static_cast<int64_t>(first.size())},
      {"ok_per_second", tally.ok / elapsed},
      {"latency_p50_seconds", Percentile(tally.latencies, 0.5)},
      {"latency_p99_seconds", Percentile(tally.latencies, 0.99)}};
  if (!tally.error_codes.empty()) out["error_codes"] = tally.error_codes;
  if (flags.json) {
    std::cout << out.dump() << std::endl;
  } else {
    std::cout << absl::StrFormat(
        "%d clients, %.1f s: %d ok (%d cached), %d refused "
        "(RESOURCE_EXHAUSTED), %d errors, %d mismatches; %.2f ok/s, "
        "latency p50 %.3f s, p99 %.3f s\n",
        clients, elapsed, tally.ok, tally.cached, tally.refused, tally.errors,
        tally.mismatches, tally.ok / elapsed, Percentile(tally.latencies, 0.5),
        Percentile(tally.latencies, 0.99));
    for (const auto& [what, n] : tally.error_codes) {
      std::cout << "  error " << what << ": " << n << "\n";
    }
  }
  return tally.errors == 0 && tally.mismatches == 0 ? kOk : kFailure;
}

}  // namespace

void AddLoadCommand(CLI::App* app, ConnectionFlags* connection,
                    CommandRunner* run) {
  auto flags = std::make_shared<LoadFlags>();
  CLI::App* command = app->add_subcommand(
      "load", "N concurrent clients scoring for a while; checks every answer");
  cli::AddInt(command, "--clients", &flags->clients, 1, 1024,
              "concurrent clients, in [1, 1024]");
  cli::AddInt(command, "--duration", &flags->duration, 1, 86400,
              "seconds to run, in [1, 86400]");
  cli::AddInt(command, "--pool", &flags->pool, 1, 15625,
              "distinct NB201 architectures requested, in [1, 15625]");
  cli::AddInt(command, "--seeds", &flags->seeds, 1, 1000,
              "distinct seeds per architecture, in [1, 1000]");
  cli::AddInt(command, "--batch-size", &flags->batch_size, 2, 4096,
              "NTK mini-batch of each request, in [2, 4096]");
  cli::AddInt(command, "--repeats", &flags->repeats, 1, 100,
              "repeats of each request, in [1, 100]");
  command->add_option("--dataset", flags->dataset, "dataset of the requests")
      ->type_name("NAME");
  cli::AddFlag(command, "--json", &flags->json,
               "print the tally as one JSON object");
  AddConnectionFlags(command, connection);
  command->callback([flags, connection, run] {
    *run = [flags, connection] { return RunLoad(*flags, *connection); };
  });
}

}  // namespace tenas::client
