// Copyright 2026 The tenas Authors.
//
// load_benchmark: ScoreArchitecture latency (p50/p99) and throughput of an
// in-process tenas-server (real gRPC over loopback) at 1, 4 and 16
// concurrent clients, and the server's overhead against calling the library
// in-process (ScoreNb201) for the same work.
//
//   build/bench/load_benchmark [--requests-per-client 6] [--batch-size 16]
//                              [--workers 2]

#include <ATen/Parallel.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "server/server.h"
#include "tenas/data/cifar.h"
#include "tenas/measures/score.h"
#include "tenas/space/nb201.h"
#include "tenas/v1/scorer.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * v.size()));
  return v[i];
}

std::string ArchOf(int i) {
  // Architectures without `none`, spread over the space.
  tenas::nb201::Architecture a;
  int n = i * 7919 + 11;
  for (int e = 0; e < 6; ++e) {
    a.ops[e] = static_cast<tenas::nb201::Op>(1 + n % 4);
    n /= 4;
  }
  return tenas::nb201::FormatArchitecture(a);
}

}  // namespace

int main(int argc, char** argv) {
  int per_client = 6, batch = 16, workers = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string f = argv[i];
    if (f == "--requests-per-client") per_client = std::atoi(argv[i + 1]);
    if (f == "--batch-size") batch = std::atoi(argv[i + 1]);
    if (f == "--workers") workers = std::atoi(argv[i + 1]);
  }
  tenas::server::ServerOptions options;
  options.address = "127.0.0.1:0";
  options.metrics_address = "";
  options.device = "cpu";
  options.workers = workers;
  options.threads = 1;
  options.max_queue = 1024;
  auto server = tenas::server::TenasServer::Start(options);
  if (!server.ok() || !(*server)->WaitUntilReady().ok()) {
    std::cerr << "server failed to start\n";
    return 1;
  }
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                          grpc::InsecureChannelCredentials());
  auto stub = tenas::v1::ArchitectureScorer::NewStub(channel);

  // Server overhead: the same 8 requests in-process (ScoreNb201, 1 thread)
  // and through the server (1 client), interleaved A/B after a warm-up so
  // that machine noise hits both alike.
  auto dataset = tenas::data::LoadBundledCifar10();
  at::set_num_threads(1);
  std::vector<double> local, remote;
  auto score_local = [&](int i) {
    tenas::measures::ScoreOptions o;
    o.batch_size = batch;
    o.repeats = 1;
    o.seed = i;
    auto arch = tenas::nb201::ParseArchitecture(ArchOf(i));
    const auto t = Clock::now();
    auto r = tenas::measures::ScoreNb201(*arch, *dataset, o);
    return Since(t);
  };
  auto score_remote = [&](int i) {
    tenas::v1::ScoreArchitectureRequest req;
    req.mutable_architecture()->set_nb201_arch(ArchOf(i));
    req.mutable_options()->set_batch_size(batch);
    req.mutable_options()->set_repeats(1);
    req.mutable_options()->set_seed(i);
    tenas::v1::ScoreArchitectureResponse resp;
    grpc::ClientContext ctx;
    const auto t = Clock::now();
    grpc::Status s = stub->ScoreArchitecture(&ctx, req, &resp);
    return Since(t);
  };
  score_local(0);
  score_remote(0);
  for (int rep = 0; rep < 2; ++rep) {
    for (int i = 0; i < 8; ++i) {
      local.push_back(score_local(i));
      remote.push_back(score_remote(i));
    }
  }
  std::cout << absl::StrFormat(
      "ScoreArchitecture, NB201 single architectures, batch %d, 1 repeat, "
      "%d workers x 1 thread\n\n",
      batch, workers);
  std::cout << "| clients | requests | p50 s | p99 s | throughput req/s |\n"
               "|---|---|---|---|---|\n";
  for (int clients : {1, 4, 16}) {
    std::vector<std::vector<double>> lat(clients);
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        for (int i = 0; i < per_client; ++i) {
          tenas::v1::ScoreArchitectureRequest req;
          req.mutable_architecture()->set_nb201_arch(
              ArchOf(c * per_client + i));
          req.mutable_options()->set_batch_size(batch);
          req.mutable_options()->set_repeats(1);
          req.mutable_options()->set_seed(c * per_client + i);
          tenas::v1::ScoreArchitectureResponse resp;
          grpc::ClientContext ctx;
          const auto t = Clock::now();
          grpc::Status s = stub->ScoreArchitecture(&ctx, req, &resp);
          if (s.ok()) lat[c].push_back(Since(t));
        }
      });
    }
    for (auto& t : threads) t.join();
    const double wall = Since(start);
    std::vector<double> all;
    for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
    std::cout << absl::StrFormat("| %d | %d | %.3f | %.3f | %.2f |\n", clients,
                                 all.size(), Percentile(all, 0.5),
                                 Percentile(all, 0.99), all.size() / wall);
  }
  const double local_median = Percentile(local, 0.5);
  const double remote_median = Percentile(remote, 0.5);
  std::cout << absl::StrFormat(
      "\nSame 8 requests x 2, interleaved: in-process ScoreNb201 median %.3f "
      "s (min %.3f, max %.3f); through the server median %.3f s (min %.3f, "
      "max %.3f); overhead ratio server/in-process %.3f\n",
      local_median, *std::min_element(local.begin(), local.end()),
      *std::max_element(local.begin(), local.end()), remote_median,
      *std::min_element(remote.begin(), remote.end()),
      *std::max_element(remote.begin(), remote.end()),
      remote_median / local_median);
  (*server)->Shutdown();
  return 0;
}
