// Copyright 2026 The tenas Authors.

#include "server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tenas/engine/device.h"

#ifndef TENAS_VERSION
#define TENAS_VERSION "0.1.0"
#endif

namespace tenas::server {
namespace {
constexpr char kServiceName[] = "tenas.v1.ArchitectureScorer";

absl::StatusOr<std::string> ReadPem(const std::string& path,
                                    const std::string& flag) {
  std::ifstream in(path);
  std::stringstream text;
  if (in) text << in.rdbuf();
  if (!in || text.str().find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": '", path, "' is not a readable PEM file"));
  }
  return text.str();
}

// Insecure, or TLS from the options' PEM files.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeCredentials(
    const ServerOptions& o) {
  if (o.tls_cert_file.empty() && o.tls_key_file.empty()) {
    if (!o.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "--tls-client-ca: needs --tls-cert and --tls-key");
    }
    return grpc::InsecureServerCredentials();
  }
  if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key: give both or neither");
  }
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  auto cert = ReadPem(o.tls_cert_file, "--tls-cert");
  if (!cert.ok()) return cert.status();
  auto key = ReadPem(o.tls_key_file, "--tls-key");
  if (!key.ok()) return key.status();
  pair.cert_chain = *cert;
  pair.private_key = *key;
  ssl.pem_key_cert_pairs.push_back(pair);
  if (!o.tls_client_ca_file.empty()) {
    auto ca = ReadPem(o.tls_client_ca_file, "--tls-client-ca");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
    ssl.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}
}  // namespace

absl::StatusOr<std::unique_ptr<TenasServer>> TenasServer::Start(
    const ServerOptions& options) {
  std::unique_ptr<TenasServer> s(new TenasServer());
  s->options_ = options;
  auto device = engine::ResolveDevice(options.device);
  if (!device.ok()) return device.status();
  s->device_ = *device;
  if (options.workers < 1 || options.workers > 256) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--workers: ", options.workers, " is out of range [1, 256]"));
  }
  if (options.max_queue < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max-queue: ", options.max_queue, " must be >= 1"));
  }
  if (options.max_searches < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max-searches: ", options.max_searches, " must be >= 1"));
  }
  if (options.max_searches_per_client < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max-searches-per-client: ", options.max_searches_per_client,
        " must be >= 1"));
  }
  if (absl::Status limits = options::ValidateRequestLimits(options.limits);
      !limits.ok()) {
    return limits;
  }
  if (options.max_message_bytes < 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max-message-bytes: ", options.max_message_bytes,
                     " must be >= 1024"));
  }
  auto credentials = MakeCredentials(options);
  if (!credentials.ok()) return credentials.status();
  if (!options.auth_token_file.empty()) {
    auto auth = TokenAuthenticator::LoadFile(options.auth_token_file);
    if (!auth.ok()) return auth.status();
    s->auth_ = std::move(*auth);
  }
  StateStoreOptions store_options;
  store_options.min_free_bytes = options.state_dir_min_free_bytes;
  store_options.reset = options.state_reset;
  auto store = options.state_dir.empty()
                   ? StateStore::OpenInMemory()
                   : StateStore::Open(options.state_dir, store_options);
  if (!store.ok()) return store.status();
  s->store_ = std::move(*store);
  if (!s->store_->open_report().empty()) {
    std::cerr << "tenas-server: " << s->store_->open_report() << std::endl;
  }
  auto metrics = ServerMetrics::Create(options.metrics_address);
  if (!metrics.ok()) return metrics.status();
  s->metrics_ = std::move(*metrics);
  s->cache_ = std::make_unique<ResultCache>(
      s->store_.get(), options.cache_max_bytes, s->metrics_.get());

  engine::EngineOptions engine_options;
  engine_options.workers = options.workers;
  engine_options.max_queue = options.max_queue;
  // Each running search holds at most one round in the search queue.
  engine_options.max_search_queue = options.max_searches;
  const int cores = std::max(1u, std::thread::hardware_concurrency());
  engine_options.threads_per_worker =
      options.threads > 0 ? options.threads
                          : std::max(1, cores / options.workers);
  s->engine_ = std::make_unique<engine::EvaluationEngine>(engine_options,
                                                          s->metrics_.get());
  ServiceInfo info;
  info.version = TENAS_VERSION;
  info.torch_version = engine::TorchVersion();
  info.device = s->device_;
  info.threads_per_worker = engine_options.threads_per_worker;
  info.ntk_method = options.ntk_method;
  info.ntk_max_memory_bytes = options.ntk_max_memory_bytes;
  info.max_message_bytes = options.max_message_bytes;
  s->metrics_->SetBuildInfo(info.version, info.torch_version, info.device);
  s->service_ =
      std::make_unique<ScorerService>(*s->engine_, *s->metrics_, options.limits,
                                      info, *s->cache_, s->auth_.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.address, *credentials, &s->port_);
  builder.RegisterService(s->service_.get());
  if (s->auth_) {
    // Reflection is gRPC's service: its token check is an interceptor.
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(ReflectionAuthInterceptorFactory(s->auth_.get()));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, 30 * 60 * 1000);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             5 * 60 * 1000);
  s->server_ = builder.BuildAndStart();
  if (!s->server_ || s->port_ == 0) {
    return absl::UnavailableError(absl::StrCat(
        "port: cannot listen on ", options.address,
        options.tls_cert_file.empty()
            ? ""
            : " (or --tls-cert / --tls-key are not a matching PEM pair)"));
  }
  auto* health = s->server_->GetHealthCheckService();
  health->SetServingStatus("", true);             // live
  health->SetServingStatus(kServiceName, false);  // not ready yet
  s->loader_ = std::thread([raw = s.get()] { raw->LoadDatasets(); });
  return s;
}

void TenasServer::LoadDatasets() {
  if (options_.before_loading) options_.before_loading();
  auto store = data::DatasetStore::Load(options_.datasets);
  if (!store.ok()) {
    load_status_ = store.status();
    loaded_.Notify();
    return;
  }
  datasets_ = std::move(*store);
  for (const auto& d : datasets_->Info()) {
    metrics_->SetDatasetImages(d.name, d.images);
  }
  searches_ = std::make_unique<SearchManager>(
      *datasets_, *engine_, metrics_.get(), store_.get(),
      SearchLimits{options_.max_searches, options_.max_searches_per_client},
      options_.limits,
      EvaluationSettings{device_, options_.ntk_method,
                         options_.ntk_max_memory_bytes, options_.ntk_group});
  absl::StatusOr<int> resumed = searches_->Recover();
  if (!resumed.ok()) {
    load_status_ = absl::Status(
        resumed.status().code(),
        absl::StrCat("--state-dir: cannot load the stored searches: ",
                     resumed.status().message()));
    loaded_.Notify();
    return;
  }
  service_->SetReady(datasets_.get(), searches_.get());
  server_->GetHealthCheckService()->SetServingStatus(kServiceName, true);
  loaded_.Notify();
}

absl::Status TenasServer::WaitUntilReady() {
  loaded_.WaitForNotification();
  return load_status_;
}

void TenasServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  // Start() may have failed part-way: every member can still be empty.
  if (server_)
    server_->GetHealthCheckService()->SetServingStatus(kServiceName, false);
  if (service_) service_->SetDraining();
  if (loader_.joinable()) loader_.join();
  if (searches_) searches_->Shutdown();
  // Let queued and running evaluations finish, then stop the transport.
  if (engine_) engine_->Shutdown(options_.drain_timeout);
  if (server_) {
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::seconds(5));
    server_->Wait();
  }
}

TenasServer::~TenasServer() { Shutdown(); }

}  // namespace tenas::server
