// Copyright 2026 The tenas Authors.
//
// server_testing.h: helpers shared by the in-process server tests: start a
// real TenasServer on port 0, connect real channels, wait for its engine's
// state, hold its workers, read streams and scrape /metrics over a plain
// socket. No test waits a fixed time or bounds how long something takes.

#ifndef TENAS_TESTS_INTEGRATION_SERVER_TESTING_H_
#define TENAS_TESTS_INTEGRATION_SERVER_TESTING_H_

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/server.h"
#include "tenas/engine/evaluation_engine.h"
#include "tenas/v1/scorer.grpc.pb.h"

namespace tenas::server_test {

using Stub = v1::ArchitectureScorer::Stub;

// NB201 architectures in the official (canonical) form.
inline constexpr char kConvArch[] =
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+"
    "|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|";
inline constexpr char kMixedArch[] =
    "|nor_conv_3x3~0|+|skip_connect~0|skip_connect~1|+"
    "|nor_conv_3x3~0|skip_connect~1|nor_conv_3x3~2|";
inline constexpr char kSkipArch[] =
    "|skip_connect~0|+|skip_connect~0|skip_connect~1|+"
    "|skip_connect~0|skip_connect~1|skip_connect~2|";
inline constexpr char kPoolArch[] =
    "|avg_pool_3x3~0|+|nor_conv_1x1~0|none~1|+"
    "|nor_conv_1x1~0|skip_connect~1|nor_conv_3x3~2|";

/// Options of a test server: both ports picked by the OS, CPU only, one
/// LibTorch thread per worker (the CI machine has 2 busy cores; spinning
/// intra-op threads on an oversubscribed machine cost 10-50x).
inline server::ServerOptions TestServerOptions() {
  server::ServerOptions options;
  options.threads = 1;
  options.address = "127.0.0.1:0";
  options.metrics_address = "127.0.0.1:0";
  options.device = "cpu";
  options.drain_timeout = absl::Seconds(10);
  return options;
}

/// Bound on waiting for a state the test brings about: only a guard against
/// a test that would hang (a broken build), never a measured time.
inline constexpr absl::Duration kHangGuard = absl::Minutes(5);

/// A deadline on a test's call that only guards against a hang (a broken
/// build), never a measured time: kHangGuard from now.
inline void GuardAgainstHangs(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoSeconds(kHangGuard));
}

/// Starts a server; with `wait_ready`, also waits until it is SERVING.
inline std::unique_ptr<server::TenasServer> StartServer(
    const server::ServerOptions& options, bool wait_ready = true) {
  auto started = server::TenasServer::Start(options);
  EXPECT_TRUE(started.ok()) << started.status();
  if (!started.ok()) return nullptr;
  std::unique_ptr<server::TenasServer> s = std::move(*started);
  EXPECT_GT(s->port(), 0);
  if (wait_ready) {
    absl::Status ready = s->WaitUntilReady();
    EXPECT_TRUE(ready.ok()) << ready;
  }
  return s;
}

/// An empty folder `name` under the test's temporary directory (removed
/// first if a previous run left it).
inline std::string FreshTempDir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

inline std::shared_ptr<grpc::Channel> Connect(int port) {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                             grpc::InsecureChannelCredentials());
}

inline std::unique_ptr<Stub> NewStub(int port) {
  return v1::ArchitectureScorer::NewStub(Connect(port));
}

/// A cheap NB201 score request (NTK batch 4..8, one repeat by default).
inline v1::ScoreArchitectureRequest ScoreRequest(const std::string& arch,
                                                 uint64_t seed = 0,
                                                 int batch_size = 4,
                                                 int repeats = 1) {
  v1::ScoreArchitectureRequest request;
  request.mutable_architecture()->set_nb201_arch(arch);
  request.set_dataset("cifar10");
  request.mutable_options()->set_seed(seed);
  request.mutable_options()->set_batch_size(batch_size);
  request.mutable_options()->set_repeats(repeats);
  return request;
}

/// A slow but cancellable score: a conv-heavy cell, NTK batch 64, 20
/// repeats (tens of seconds on a CPU; the tests cancel it early).
inline v1::ScoreArchitectureRequest SlowScoreRequest(uint64_t seed = 0) {
  return ScoreRequest(kConvArch, seed, /*batch_size=*/64, /*repeats=*/20);
}

/// A cheap NB201 search (NTK batch 4, one repeat).
inline v1::RunSearchRequest SearchRequest(uint64_t seed = 1) {
  v1::RunSearchRequest request;
  request.set_space(v1::SEARCH_SPACE_NB201);
  request.set_dataset("cifar10");
  request.set_seed(seed);
  request.set_repeats(1);
  request.set_batch_size(4);
  return request;
}

inline grpc::Status Score(Stub& stub, const v1::ScoreArchitectureRequest& req,
                          v1::ScoreArchitectureResponse* response) {
  grpc::ClientContext context;
  GuardAgainstHangs(&context);
  return stub.ScoreArchitecture(&context, req, response);
}

inline v1::GetServerInfoResponse ServerInfo(Stub& stub) {
  grpc::ClientContext context;
  GuardAgainstHangs(&context);
  v1::GetServerInfoResponse info;
  grpc::Status status =
      stub.GetServerInfo(&context, v1::GetServerInfoRequest(), &info);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return info;
}

/// Whether `text` contains `part`, with both in the failure message.
inline ::testing::AssertionResult HasText(const std::string& text,
                                          const std::string& part) {
  if (text.find(part) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "'" << text << "' does not contain '" << part << "'";
}

/// Waits until the server's engine has nothing queued or running.
inline ::testing::AssertionResult WaitUntilIdle(server::TenasServer& server) {
  if (server.engine().WaitUntilIdle(kHangGuard)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "the engine never became idle";
}

/// Waits until `busy` of the server's workers run a job.
inline ::testing::AssertionResult WaitUntilBusy(server::TenasServer& server,
                                                int busy) {
  if (server.engine().AwaitStats(
          [busy](const engine::EngineStats& s) {
            return s.busy_workers == busy;
          },
          kHangGuard)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "the engine never had " << busy << " busy workers";
}

/// Occupies one worker of `engine` with a job that waits until Release()
/// (or the end of the scope): work queued behind it stays queued until the
/// test says so.
class WorkerHold {
 public:
  explicit WorkerHold(engine::EvaluationEngine& engine)
      : state_(std::make_shared<State>()) {
    absl::Status queued = engine.TrySubmit([state = state_] {
      state->holding.Notify();
      state->release.WaitForNotification();
    });
    EXPECT_TRUE(queued.ok()) << queued;
    if (queued.ok()) state_->holding.WaitForNotification();
  }
  ~WorkerHold() { Release(); }
  WorkerHold(const WorkerHold&) = delete;
  WorkerHold& operator=(const WorkerHold&) = delete;

  void Release() {
    if (!state_->release.HasBeenNotified()) state_->release.Notify();
  }

 private:
  // Shared with the job, which may outlive the hold by a moment.
  struct State {
    absl::Notification holding;
    absl::Notification release;
  };
  std::shared_ptr<State> state_;
};

/// Reads a server stream to its end.
template <typename T>
struct StreamResult {
  std::vector<T> messages;
  grpc::Status status;
};

template <typename T>
StreamResult<T> ReadAll(grpc::ClientReader<T>* reader) {
  StreamResult<T> out;
  T message;
  while (reader->Read(&message)) out.messages.push_back(message);
  out.status = reader->Finish();
  return out;
}

inline StreamResult<v1::SearchEvent> WatchAll(Stub& stub, const std::string& id,
                                              int64_t from_sequence) {
  grpc::ClientContext context;
  GuardAgainstHangs(&context);
  v1::WatchSearchRequest request;
  request.set_search_id(id);
  request.set_from_sequence(from_sequence);
  auto reader = stub.WatchSearch(&context, request);
  return ReadAll(reader.get());
}

inline grpc::Status GetSearch(Stub& stub, const std::string& id,
                              v1::SearchInfo* info) {
  grpc::ClientContext context;
  v1::GetSearchRequest request;
  request.set_search_id(id);
  v1::GetSearchResponse response;
  grpc::Status status = stub.GetSearch(&context, request, &response);
  *info = response.search();
  return status;
}

inline grpc::Status CancelSearch(Stub& stub, const std::string& id,
                                 v1::SearchState* state) {
  grpc::ClientContext context;
  v1::CancelSearchRequest request;
  request.set_search_id(id);
  v1::CancelSearchResponse response;
  grpc::Status status = stub.CancelSearch(&context, request, &response);
  *state = response.state();
  return status;
}

/// Checks the event stream of one whole NB201 search: one search_id,
/// sequences 0, 1, 2, ... from `first_sequence`, and (when it reaches the
/// end) a result without `none`.
inline void ExpectContiguous(const std::vector<v1::SearchEvent>& events,
                             const std::string& id, int64_t first_sequence) {
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].search_id(), id) << "event " << i;
    EXPECT_EQ(events[i].sequence(), first_sequence + static_cast<int64_t>(i))
        << "event " << i;
  }
}

inline int CountCandidates(const std::vector<v1::SearchEvent>& events) {
  int n = 0;
  for (const auto& e : events) n += e.has_candidate_scored() ? 1 : 0;
  return n;
}

/// `GET path` on 127.0.0.1:port over HTTP/1.0; returns the body ("" on
/// failure, with a test failure recorded).
inline std::string HttpGet(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    ADD_FAILURE() << "socket() failed";
    return "";
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    ADD_FAILURE() << "cannot connect to 127.0.0.1:" << port;
    return "";
  }
  const std::string request =
      absl::StrCat("GET ", path,
                   " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n =
        ::send(fd, request.data() + sent, request.size() - sent, 0);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string response;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    response.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  const size_t body = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || body == std::string::npos ||
      response.find(" 200 ") == std::string::npos) {
    ADD_FAILURE() << "bad HTTP response: " << response.substr(0, 200);
    return "";
  }
  return response.substr(body + 4);
}

/// The value of the sample `name{labels...}` in Prometheus text `text`
/// whose labels include all of `labels`; nullopt if there is none.
inline std::optional<double> FindSample(
    const std::string& text, const std::string& name,
    const std::map<std::string, std::string>& labels) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    if (!absl::ConsumePrefix(&line, name)) continue;
    std::map<std::string, std::string> found;
    if (absl::ConsumePrefix(&line, "{")) {
      const size_t close = line.find('}');
      if (close == absl::string_view::npos) continue;
      for (absl::string_view pair :
           absl::StrSplit(line.substr(0, close), ',', absl::SkipEmpty())) {
        std::pair<std::string, std::string> kv =
            absl::StrSplit(pair, absl::MaxSplits('=', 1));
        found[kv.first] = std::string(
            absl::StripSuffix(absl::StripPrefix(kv.second, "\""), "\""));
      }
      line.remove_prefix(close + 1);
    }
    if (line.empty() || line[0] != ' ') continue;  // a longer metric name
    bool match = true;
    for (const auto& [key, value] : labels) {
      auto it = found.find(key);
      if (it == found.end() || it->second != value) match = false;
    }
    if (!match) continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    double value = 0;
    if (!fields.empty() && absl::SimpleAtod(fields[0], &value)) return value;
  }
  return std::nullopt;
}

/// Scrapes /metrics on `port` until `done` holds for the text, and returns
/// that text: a call is counted once it is over on the server (whether its
/// answer reached the client is known only then), which can be a moment
/// after the client has the answer. Gives up (a test failure) after
/// kHangGuard.
inline std::string ScrapeUntil(
    int port, const std::function<bool(const std::string&)>& done) {
  const absl::Time give_up = absl::Now() + kHangGuard;
  std::string text;
  do {
    text = HttpGet(port, "/metrics");
    if (done(text)) return text;
  } while (absl::Now() < give_up);
  ADD_FAILURE() << "/metrics never showed what the test waits for";
  return text;
}

}  // namespace tenas::server_test

#endif  // TENAS_TESTS_INTEGRATION_SERVER_TESTING_H_
