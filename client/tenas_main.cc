// Copyright 2026 The tenas Authors.
//
// tenas: the command-line client of tenas-server.

#include <iostream>
#include <string>
#include <vector>

#include "client/client_commands.h"

namespace {

constexpr char kUsage[] =
    "usage: tenas <command> [flags]   (--server HOST:PORT, default "
    "localhost:50051)\n"
    "commands:\n"
    "  score     both TE-NAS measures of one architecture\n"
    "  search    run a TE-NAS search, with progress (--json: event lines)\n"
    "  watch ID  re-attach to a search's events\n"
    "  info      server version, device, datasets, queue and workers\n"
    "  searches  list the server's searches\n"
    "  cancel ID cancel a search\n"
    "  health    grpc.health.v1 check (exit 0 when SERVING)\n"
    "  load      N concurrent clients scoring for a while; checks answers\n"
    "connection flags (every command):\n"
    "  --server HOST:PORT  --timeout SECONDS\n"
    "  --tls (system CAs) | --tls-ca PEM  [--tls-server-name NAME]\n"
    "  --tls-cert PEM --tls-key PEM   client certificate (mutual TLS)\n"
    "  --auth-token-file FILE         bearer token (first line, or the\n"
    "                                 TOKEN of a 'NAME TOKEN' line)\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  using namespace tenas::client;  // NOLINT
  if (command == "score") return RunScore(args);
  if (command == "search") return RunSearch(args);
  if (command == "watch") return RunWatch(args);
  if (command == "info") return RunInfo(args);
  if (command == "searches") return RunSearches(args);
  if (command == "cancel") return RunCancel(args);
  if (command == "health") return RunHealth(args);
  if (command == "load") return RunLoad(args);
  std::cerr << "tenas: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
