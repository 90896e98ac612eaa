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
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "client/cli_support.h"
#include "client/client_commands.h"
#include "nlohmann/json.hpp"
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

}  // namespace

int RunLoad(const std::vector<std::string>& args) {
  constexpr char kUsageText[] =
      "usage: tenas load [--clients N] [--duration SECONDS] [--pool N] "
      "[--seeds N] [--batch-size N] [--repeats N] [--dataset NAME] [--json]";
  int code = 0;
  auto flags = ParseFlags("load", args,
                          {"clients", "duration", "pool", "seeds", "batch-size",
                           "repeats", "dataset"},
                          {}, kUsageText, &code);
  if (!flags) return code;
  int64_t clients = 0, duration = 0, pool = 0, seeds = 0, batch = 0,
          repeats = 0;
  if (!ReadInt("load", *flags, "clients", 8, 1, 1024, &clients, kUsageText,
               &code) ||
      !ReadInt("load", *flags, "duration", 30, 1, 86400, &duration, kUsageText,
               &code) ||
      !ReadInt("load", *flags, "pool", 16, 1, 15625, &pool, kUsageText,
               &code) ||
      !ReadInt("load", *flags, "seeds", 2, 1, 1000, &seeds, kUsageText,
               &code) ||
      !ReadInt("load", *flags, "batch-size", 8, 2, 4096, &batch, kUsageText,
               &code) ||
      !ReadInt("load", *flags, "repeats", 1, 1, 100, &repeats, kUsageText,
               &code)) {
    return code;
  }
  const std::string dataset = flags->GetString("dataset", "cifar10");
  auto channel = Channel(*flags);
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
        request.mutable_options()->set_batch_size(static_cast<int>(batch));
        request.mutable_options()->set_repeats(static_cast<int>(repeats));
        grpc::ClientContext context;
        SetDeadline(*flags, &context);
        if (!flags->Has("timeout")) {  // a call never hangs the run
          context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(120));
        }
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
  if (flags->Has("json")) {
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

}  // namespace tenas::client
