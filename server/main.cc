// Copyright 2026 The tenas Authors.
//
// tenas-server: one process pinned to one device, serving
// tenas.v1.ArchitectureScorer over gRPC and Prometheus metrics over HTTP.
// SIGTERM / SIGINT drain in-flight work and exit 0.

#include <algorithm>
#include <csignal>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/server.h"
#include "tenas/util/allocator_tuning.h"

ABSL_FLAG(int, port, 50051, "gRPC port (0: pick a free one and print it)");
ABSL_FLAG(std::string, host, "0.0.0.0", "address to listen on");
ABSL_FLAG(int, metrics_port, 9464, "Prometheus /metrics port (-1: off)");
ABSL_FLAG(std::string, device, "auto", "auto, cpu or cuda:N");
ABSL_FLAG(std::string, data_dir, "",
          "folder with the datasets' original files (empty: the bundled "
          "CIFAR-10 sample); per dataset: NAME=DIR,NAME=DIR");
ABSL_FLAG(std::string, datasets, "cifar10",
          "comma-separated datasets to load: cifar10, cifar100, "
          "ImageNet16-120, imagenet-1k");
ABSL_FLAG(int, workers, 1, "evaluation worker threads sharing the device");
ABSL_FLAG(int, max_queue, 64,
          "scoring calls waiting at most (a ScoreArchitectures call is one, "
          "whatever its items); more get RESOURCE_EXHAUSTED. Searches queue "
          "apart (one round per running search) and are served in turn");
ABSL_FLAG(int, threads, 0, "LibTorch threads per worker (0: cores/workers)");
ABSL_FLAG(int, max_searches, 4, "searches running at once");
ABSL_FLAG(int, max_batch_size, 512, "largest NTK batch a client may ask");
ABSL_FLAG(int, max_repeats, 20, "most repeats a client may ask");
ABSL_FLAG(int, max_architectures, 1024, "architectures per ScoreArchitectures");
ABSL_FLAG(std::string, ntk, "fast",
          "NTK implementation: fast (batched backward passes) or reference "
          "(one backward pass per sample, as the original code)");
ABSL_FLAG(std::string, max_memory, "2G",
          "memory bound of one evaluation (a score, or one step of a "
          "search): bytes with an optional K, M or G suffix. A request whose "
          "smallest estimate exceeds it gets INVALID_ARGUMENT with the "
          "estimate; the others run in a plan that keeps within it. With "
          "--workers N, up to N evaluations run at once");
ABSL_FLAG(int, ntk_group, 0,
          "searches: NTK evaluations per batched pass, 0 = auto (1 on CPU; "
          "on CUDA as many as --max-memory allows)");
ABSL_FLAG(int, drain_seconds, 30,
          "shutdown: time given to in-flight work; running searches stop "
          "at once and resume on the next start with the same --state-dir");
ABSL_FLAG(std::string, state_dir, "",
          "folder of the durable state (SQLite: searches, result cache); "
          "empty: kept in memory, lost on exit");
ABSL_FLAG(std::string, state_dir_min_free, "64M",
          "start-up fails when the state dir's filesystem has less free "
          "space (bytes, K/M/G suffix)");
ABSL_FLAG(bool, state_reset, false,
          "start even though the --state-dir's database is lost (missing or "
          "empty where tenas.marker shows it held one) or damaged: it is "
          "moved aside and an empty one created; a sound one is kept");
ABSL_FLAG(std::string, backup_to, "",
          "copy the --state-dir's database into this file (SQLite online "
          "backup; works while a server owns the directory), print what was "
          "written and exit");
ABSL_FLAG(bool, no_cache, false,
          "do not cache ScoreArchitecture results (the cache is on by "
          "default, in --state-dir when given)");
ABSL_FLAG(std::string, cache_max_bytes, "256M",
          "result cache bound (bytes, K/M/G suffix); least recently used "
          "entries are evicted");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain: serve over TLS");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls-cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA: require client certificates signed by it (mutual TLS)");
ABSL_FLAG(std::string, auth_token_file, "",
          "bearer tokens, one per line ('TOKEN' or 'NAME TOKEN'): calls "
          "without a valid one get UNAUTHENTICATED (health and /metrics "
          "stay open)");
ABSL_FLAG(int, max_searches_per_client, 2,
          "searches one client (token name, else peer address) runs at once");
ABSL_FLAG(int, max_message_bytes, 16 << 20,
          "largest gRPC message accepted or sent, in bytes");

namespace {

// Parses --datasets and --data-dir into specs. --data-dir is either one
// folder for every dataset (each found in it or in its archive's folder) or
// NAME=DIR pairs.
absl::StatusOr<std::vector<tenas::data::DatasetSpec>> DatasetSpecs() {
  std::vector<tenas::data::DatasetSpec> specs;
  std::map<std::string, std::string> dirs;
  std::string common;
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  for (absl::string_view part :
       absl::StrSplit(data_dir, ',', absl::SkipEmpty())) {
    std::vector<std::string> kv = absl::StrSplit(part, absl::MaxSplits('=', 1));
    if (kv.size() == 2) {
      dirs[kv[0]] = kv[1];
    } else {
      common = std::string(part);
    }
  }
  for (absl::string_view name :
       absl::StrSplit(absl::GetFlag(FLAGS_datasets), ',', absl::SkipEmpty())) {
    const std::string n(name);
    specs.push_back({n, dirs.count(n) ? dirs[n] : common});
  }
  if (specs.empty()) {
    return absl::InvalidArgumentError("--datasets: no dataset given");
  }
  return specs;
}

}  // namespace

int main(int argc, char** argv) {
  tenas::TuneAllocatorForTensors();
  absl::SetProgramUsageMessage(
      "tenas-server: TE-NAS scoring and search over gRPC. See README.md.");
  // The documented spelling is --metrics-port, --max-queue, --data-dir...;
  // abseil flags use underscores, so accept both.
  std::vector<std::string> storage(argv, argv + argc);
  for (size_t i = 1; i < storage.size(); ++i) {
    std::string& a = storage[i];
    if (a.rfind("--", 0) != 0) continue;
    const size_t end = std::min(a.find('='), a.size());
    std::replace(a.begin() + 2, a.begin() + end, '-', '_');
  }
  std::vector<char*> fixed;
  for (auto& s : storage) fixed.push_back(s.data());
  absl::ParseCommandLine(static_cast<int>(fixed.size()), fixed.data());

  // --backup-to: a copy of the live database, then exit; no server starts.
  if (const std::string to = absl::GetFlag(FLAGS_backup_to); !to.empty()) {
    auto backup =
        tenas::server::StateStore::Backup(absl::GetFlag(FLAGS_state_dir), to);
    if (!backup.ok()) {
      std::cerr << "tenas-server: " << backup.status().message() << std::endl;
      return 1;
    }
    std::cout << "tenas-server: backed up " << backup->source << " to "
              << backup->destination << " (" << backup->bytes << " bytes, "
              << backup->searches << " searches, " << backup->cache_entries
              << " cache entries)" << std::endl;
    return 0;
  }

  // Block the stop signals in every thread; one thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto specs = DatasetSpecs();
  if (!specs.ok()) {
    std::cerr << "tenas-server: " << specs.status().message() << std::endl;
    return 2;
  }
  // A port outside [0, 65535] would otherwise wrap (70000 listened on 4464).
  const int port = absl::GetFlag(FLAGS_port);
  if (port < 0 || port > 65535) {
    std::cerr << "tenas-server: --port: " << port
              << " is out of range [0, 65535] (0: pick a free one)"
              << std::endl;
    return 2;
  }
  const int metrics_port = absl::GetFlag(FLAGS_metrics_port);
  if (metrics_port < -1 || metrics_port > 65535) {
    std::cerr << "tenas-server: --metrics-port: " << metrics_port
              << " is out of range [-1, 65535] (-1: off, 0: pick a free one)"
              << std::endl;
    return 2;
  }
  tenas::server::ServerOptions options;
  options.address = absl::StrCat(absl::GetFlag(FLAGS_host), ":", port);
  options.metrics_address =
      metrics_port < 0
          ? ""
          : absl::StrCat(absl::GetFlag(FLAGS_host), ":", metrics_port);
  options.device = absl::GetFlag(FLAGS_device);
  auto ntk_method =
      tenas::measures::ParseNtkMethod(absl::GetFlag(FLAGS_ntk), "--ntk");
  auto max_memory = tenas::measures::ParseByteSize(
      absl::GetFlag(FLAGS_max_memory), "--max-memory");
  auto min_free = tenas::measures::ParseByteSize(
      absl::GetFlag(FLAGS_state_dir_min_free), "--state-dir-min-free");
  auto cache_bytes = tenas::measures::ParseByteSize(
      absl::GetFlag(FLAGS_cache_max_bytes), "--cache-max-bytes");
  for (const absl::Status& s : {ntk_method.status(), max_memory.status(),
                                min_free.status(), cache_bytes.status()}) {
    if (!s.ok()) {
      std::cerr << "tenas-server: " << s.message() << std::endl;
      return 2;
    }
  }
  options.ntk_method = *ntk_method;
  options.ntk_max_memory_bytes = *max_memory;
  options.ntk_group = absl::GetFlag(FLAGS_ntk_group);
  options.state_dir = absl::GetFlag(FLAGS_state_dir);
  options.state_dir_min_free_bytes = *min_free;
  options.state_reset = absl::GetFlag(FLAGS_state_reset);
  options.cache_max_bytes = absl::GetFlag(FLAGS_no_cache) ? 0 : *cache_bytes;
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  options.auth_token_file = absl::GetFlag(FLAGS_auth_token_file);
  options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  options.max_searches_per_client =
      absl::GetFlag(FLAGS_max_searches_per_client);
  // Limits the server itself checks in TenasServer::Start (zero workers,
  // queue, searches, repeats, ... exit 2 naming the flag); these two only
  // main reads.
  if (absl::GetFlag(FLAGS_threads) < 0) {
    std::cerr << "tenas-server: --threads: " << absl::GetFlag(FLAGS_threads)
              << " must be >= 0 (0: cores / workers)" << std::endl;
    return 2;
  }
  if (absl::GetFlag(FLAGS_drain_seconds) < 0) {
    std::cerr << "tenas-server: --drain-seconds: "
              << absl::GetFlag(FLAGS_drain_seconds) << " must be >= 0"
              << std::endl;
    return 2;
  }
  if (options.ntk_group < 0 || options.ntk_group > 1024) {
    std::cerr << "tenas-server: --ntk-group: " << options.ntk_group
              << " is out of range [0, 1024]" << std::endl;
    return 2;
  }
  options.datasets = *specs;
  options.workers = absl::GetFlag(FLAGS_workers);
  options.max_queue = absl::GetFlag(FLAGS_max_queue);
  options.threads = absl::GetFlag(FLAGS_threads);
  options.max_searches = absl::GetFlag(FLAGS_max_searches);
  options.limits.max_batch_size = absl::GetFlag(FLAGS_max_batch_size);
  options.limits.max_repeats = absl::GetFlag(FLAGS_max_repeats);
  options.limits.max_architectures_per_call =
      absl::GetFlag(FLAGS_max_architectures);
  options.drain_timeout = absl::Seconds(absl::GetFlag(FLAGS_drain_seconds));

  auto server = tenas::server::TenasServer::Start(options);
  if (!server.ok()) {
    std::cerr << "tenas-server: " << server.status().message() << std::endl;
    return server.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  // "listening" only once everything has opened: the port, the state dir,
  // the datasets and the stored searches (a failure of any exits without
  // it, so that nothing waiting for the line takes a dying server for up).
  absl::Status ready = (*server)->WaitUntilReady();
  if (!ready.ok()) {
    std::cerr << "tenas-server: " << ready.message() << std::endl;
    (*server)->Shutdown();
    return 1;
  }
  const std::string metrics =
      metrics_port < 0
          ? std::string("metrics off")
          : absl::StrCat("metrics port ", (*server)->metrics_port());
  std::cout << "tenas-server listening on port " << (*server)->port() << " ("
            << metrics << ", device " << (*server)->device() << ")"
            << std::endl;
  std::cout << "tenas-server ready" << std::endl;

  int sig = 0;
  sigwait(&signals, &sig);
  std::cout << "tenas-server: signal " << sig << ", draining" << std::endl;
  (*server)->Shutdown();
  std::cout << "tenas-server: stopped" << std::endl;
  return 0;
}
