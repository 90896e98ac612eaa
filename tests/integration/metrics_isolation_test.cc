// Copyright 2026 The tenas Authors.
//
// /metrics under shared use: idle TCP connections to the metrics port (a
// port scanner, a half-open client) neither block scrapes nor stay open.
// A scrape is given 20 s, far more than it needs (milliseconds, or the 5 s
// after which idle connections are dropped) and far less than the old
// server blocked it (until the idle connections closed): the bound tells a
// blocked scrape from a served one and keeps a failure from hanging, it
// measures no speed. Only 127.0.0.1 is contacted.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "server_testing.h"

namespace tenas::server_test {
namespace {

using Clock = std::chrono::steady_clock;

// A socket connected to 127.0.0.1:`port` whose reads and writes give up
// after `timeout`; -1 on failure.
int ConnectWithTimeout(int port, std::chrono::milliseconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// GET /metrics within `timeout` in all: the body of a 200 response, or
// nullopt (with the reason in `error`) on a timeout or a bad response.
std::optional<std::string> ScrapeWithin(int port,
                                        std::chrono::milliseconds timeout,
                                        std::string* error) {
  const Clock::time_point deadline = Clock::now() + timeout;
  const int fd = ConnectWithTimeout(port, timeout);
  if (fd < 0) {
    *error = "cannot connect";
    return std::nullopt;
  }
  const std::string request =
      "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ::close(fd);
    *error = "cannot send the request";
    return std::nullopt;
  }
  std::string response;
  char buffer[4096];
  for (;;) {
    if (Clock::now() > deadline) {
      ::close(fd);
      *error = "timed out reading the response";
      return std::nullopt;
    }
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n == 0) break;
    if (n < 0) {
      ::close(fd);
      *error = "timed out (or failed) waiting for the response";
      return std::nullopt;
    }
    response.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  const size_t body = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || body == std::string::npos ||
      response.find(" 200 ") > response.find("\r\n")) {
    *error = "bad HTTP response: " + response.substr(0, 200);
    return std::nullopt;
  }
  return response.substr(body + 4);
}

// `count` connections to the metrics port that send nothing.
std::vector<int> OpenIdle(int port, int count) {
  std::vector<int> fds;
  for (int i = 0; i < count; ++i) {
    const int fd = ConnectWithTimeout(port, std::chrono::seconds(30));
    EXPECT_GE(fd, 0) << "idle connection " << i;
    if (fd >= 0) fds.push_back(fd);
  }
  return fds;
}

void CloseAll(const std::vector<int>& fds) {
  for (int fd : fds) ::close(fd);
}

TEST(MetricsIsolationTest, IdleConnectionsDoNotBlockScrapes) {
  auto server = StartServer(TestServerOptions());
  ASSERT_NE(server, nullptr);
  ASSERT_GT(server->metrics_port(), 0);
  // prometheus-cpp's default served 2 connections at a time, idle ones for
  // civetweb's 30 s request timeout: 12 idle connections blocked it.
  const std::vector<int> idle = OpenIdle(server->metrics_port(), 12);
  std::string error;
  // The scrape gets a free handler thread while the idle ones stay open.
  const std::optional<std::string> body =
      ScrapeWithin(server->metrics_port(), std::chrono::seconds(20), &error);
  CloseAll(idle);
  ASSERT_TRUE(body.has_value()) << error;
  EXPECT_NE(body->find("tenas_queue_depth"), std::string::npos);
  EXPECT_NE(body->find("tenas_cache_size"), std::string::npos);
  server->Shutdown();
}

TEST(MetricsIsolationTest, MoreIdleConnectionsThanThreadsOnlyDelayScrapes) {
  auto server = StartServer(TestServerOptions());
  ASSERT_NE(server, nullptr);
  // More than the 16 handler threads: the scrape waits in civetweb's queue
  // until the server drops idle connections (5 s), then is served.
  const std::vector<int> idle = OpenIdle(server->metrics_port(), 20);
  std::string error;
  const std::optional<std::string> body =
      ScrapeWithin(server->metrics_port(), std::chrono::seconds(20), &error);
  ASSERT_TRUE(body.has_value()) << error;
  EXPECT_NE(body->find("tenas_queue_depth"), std::string::npos);
  // The server closed the first idle connection by itself: reading it ends
  // (EOF or a reset, after an error response if any) rather than timing out.
  char buffer[512];
  ssize_t n;
  while ((n = ::recv(idle.front(), buffer, sizeof(buffer), 0)) > 0) {
  }
  const bool timed_out = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  EXPECT_FALSE(timed_out) << "the server kept an idle connection open";
  CloseAll(idle);
  server->Shutdown();
}

}  // namespace
}  // namespace tenas::server_test
