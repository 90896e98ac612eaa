// Copyright 2026 The tenas Authors.

#include "server/scorer_service.h"

#include <chrono>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/status_mapping.h"
#include "server/stream_reactor.h"
#include "tenas/engine/device.h"
#include "tenas/engine/exception_status.h"
#include "tenas/measures/score.h"
#include "tenas/options/memory_estimate.h"
#include "tenas/util/status_macros.h"

namespace tenas::server {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// A unary reactor that records metrics and exposes cancellation (client
// cancel or deadline) as an atomic flag for the worker.
class UnaryReactor : public grpc::ServerUnaryReactor {
 public:
  UnaryReactor(ServerMetrics& metrics, std::string method)
      : metrics_(metrics), method_(std::move(method)), start_(Clock::now()) {}

  void Done(const absl::Status& status) {
    const grpc::Status answer = ToGrpcStatus(status);
    metrics_.RecordRequest(method_, GrpcCodeName(answer.error_code()),
                           Since(start_));
    Finish(answer);
  }
  std::shared_ptr<std::atomic<bool>> cancel() const { return cancel_; }
  void OnCancel() override { cancel_->store(true); }
  void OnDone() override { delete this; }

 private:
  ServerMetrics& metrics_;
  const std::string method_;
  const Clock::time_point start_;
  std::shared_ptr<std::atomic<bool>> cancel_ =
      std::make_shared<std::atomic<bool>>(false);
};

// Attaches a RunSearch/WatchSearch stream to a search.
class SearchStream : public SearchSubscriber {
 public:
  explicit SearchStream(std::shared_ptr<StreamSink<v1::SearchEvent>> sink)
      : sink_(std::move(sink)) {}
  void OnEvent(const v1::SearchEvent& event) override { sink_->Push(event); }
  void OnEnd(const absl::Status& status) override { sink_->Close(status); }

 private:
  std::shared_ptr<StreamSink<v1::SearchEvent>> sink_;
};

std::function<void(const grpc::Status&)> RecordOnFinish(ServerMetrics& metrics,
                                                        std::string method) {
  const auto start = Clock::now();
  return [&metrics, method = std::move(method), start](const grpc::Status& s) {
    metrics.RecordRequest(method, GrpcCodeName(s.error_code()), Since(start));
  };
}

// `options` with this server's evaluation settings: what runs, and what the
// result cache keys on.
measures::ScoreOptions WithServerSettings(measures::ScoreOptions options,
                                          const ServiceInfo& info) {
  options.device = info.device;
  options.ntk_method = info.ntk_method;
  options.ntk_max_memory_bytes = info.ntk_max_memory_bytes;
  return options;
}

// Admission, before any work: one evaluation of `options` (with the
// server's settings) must fit --max-memory (docs/RELIABILITY.md §6.6).
absl::Status CheckScoreMemory(const measures::ScoreOptions& options,
                              search::SpaceKind space,
                              const data::ImageDataset& dataset) {
  return measures::CheckEvaluationMemory(
      measures::ScoreShape(options, space, dataset.num_classes,
                           dataset.channels, dataset.height, dataset.width),
      options.ntk_max_memory_bytes, "options.", "server limit --max-memory");
}

// Runs one score on a worker: the shared body of both scoring RPCs.
// `options` carry the server's settings (WithServerSettings).
absl::StatusOr<v1::ScoreArchitectureResponse> RunScore(
    const ParsedArchitecture& arch, const data::ImageDataset& dataset,
    measures::ScoreOptions options, const std::atomic<bool>* cancel,
    const ServiceInfo& info, Clock::time_point accepted,
    ServerMetrics& metrics) {
  const double queued = Since(accepted);
  options.cancel = cancel;
  absl::StatusOr<measures::ScoreResult> result =
      engine::RunGuarded("score", [&] {
        return arch.nb201 ? measures::ScoreNb201(*arch.nb201, dataset, options)
                          : measures::ScoreDarts(*arch.darts, dataset, options);
      });
  if (!result.ok()) {
    if (cancel->load() &&
        result.status().code() == absl::StatusCode::kCancelled) {
      return absl::CancelledError("call cancelled or deadline exceeded");
    }
    return result.status();
  }
  const std::string space(search::SpaceName(arch.space));
  metrics.RecordEvaluations(
      "ntk", space, static_cast<int>(result->kappa.size()),
      result->kappa.empty() ? 0 : result->ntk_seconds / result->kappa.size());
  metrics.RecordEvaluations(
      "linear_regions", space, static_cast<int>(result->regions.size()),
      result->regions.empty()
          ? 0
          : result->regions_seconds / result->regions.size());
  if (auto memory = engine::QueryDeviceMemory(info.device)) {
    metrics.SetDeviceMemory(memory->used_bytes, memory->total_bytes);
  }
  v1::ScoreArchitectureResponse response;
  ScoreResultToProto(arch, dataset.name, options, *result, &response);
  response.set_device(info.device);
  response.mutable_timing()->set_queue_seconds(queued);
  response.mutable_timing()->set_total_seconds(Since(accepted));
  return response;
}

// The searches `caller` may see (SearchManager's owner argument): all of
// them, or its own.
std::optional<std::string> SearchOwner(const Caller& caller) {
  if (caller.sees_all) return std::nullopt;
  return caller.client;
}

}  // namespace

ScorerService::ScorerService(engine::EvaluationEngine& engine,
                             ServerMetrics& metrics,
                             const RequestLimits& limits,
                             const ServiceInfo& info, ResultCache& cache,
                             const TokenAuthenticator* auth)
    : engine_(engine),
      metrics_(metrics),
      limits_(limits),
      info_(info),
      cache_(cache),
      auth_(auth) {}

void ScorerService::SetReady(const data::DatasetStore* datasets,
                             SearchManager* searches) {
  searches_ = searches;
  datasets_ = datasets;
}

void ScorerService::SetDraining() { draining_ = true; }

absl::Status ScorerService::CheckServing() const {
  if (draining_.load()) {
    return absl::UnavailableError("server is shutting down");
  }
  if (datasets_.load() == nullptr) {
    return absl::UnavailableError("server is loading its datasets; retry");
  }
  return absl::OkStatus();
}

absl::StatusOr<Caller> ScorerService::Authenticate(
    grpc::CallbackServerContext* context) const {
  if (auth_ != nullptr) return auth_->Authenticate(context->client_metadata());
  // Without tokens there is no identity to keep searches apart by.
  return Caller{PeerHost(context->peer()), /*sees_all=*/true};
}

absl::StatusOr<Caller> ScorerService::Admit(
    grpc::CallbackServerContext* context) const {
  absl::StatusOr<Caller> client = Authenticate(context);
  if (!client.ok()) return client;
  absl::Status serving = CheckServing();
  if (!serving.ok()) return serving;
  return client;
}

grpc::ServerUnaryReactor* ScorerService::ScoreArchitecture(
    grpc::CallbackServerContext* context,
    const v1::ScoreArchitectureRequest* request,
    v1::ScoreArchitectureResponse* response) {
  auto* reactor = new UnaryReactor(metrics_, "ScoreArchitecture");
  if (auto client = Admit(context); !client.ok()) {
    reactor->Done(client.status());
    return reactor;
  }
  auto arch = ParseArchitectureProto(request->architecture(), "architecture");
  if (!arch.ok()) {
    reactor->Done(arch.status());
    return reactor;
  }
  auto dataset_name = DatasetFromProto(request->dataset());
  if (!dataset_name.ok()) {
    reactor->Done(dataset_name.status());
    return reactor;
  }
  auto dataset = datasets_.load()->Get(*dataset_name);
  if (!dataset.ok()) {
    reactor->Done(absl::InvalidArgumentError(dataset.status().message()));
    return reactor;
  }
  auto options =
      ScoreOptionsFromProto(request->options(), arch->space, *dataset_name,
                            limits_, (*dataset)->size());
  if (!options.ok()) {
    reactor->Done(options.status());
    return reactor;
  }
  *options = WithServerSettings(*options, info_);
  if (absl::Status memory = CheckScoreMemory(*options, arch->space, **dataset);
      !memory.ok()) {
    reactor->Done(memory);
    return reactor;
  }
  std::string key = cache_.enabled()
                        ? ResultCache::Key(*arch, *dataset_name, *options)
                        : std::string();
  if (auto hit = cache_.Lookup(key)) {
    *response = std::move(*hit);
    reactor->Done(absl::OkStatus());
    return reactor;
  }
  auto cancel = reactor->cancel();
  const Clock::time_point accepted = Clock::now();
  absl::Status queued = engine_.TrySubmit(
      [this, reactor, response, cancel, arch = *arch, dataset = *dataset,
       options = *options, accepted, key = std::move(key)] {
        if (cancel->load()) {
          reactor->Done(absl::CancelledError("cancelled before it started"));
          return;
        }
        auto result = RunScore(arch, *dataset, options, cancel.get(), info_,
                               accepted, metrics_);
        if (result.ok()) {
          cache_.Store(key, *result);
          *response = std::move(*result);
        }
        reactor->Done(result.status());
      },
      [reactor] {
        reactor->Done(absl::UnavailableError("server is shutting down"));
      });
  if (!queued.ok()) reactor->Done(queued);
  return reactor;
}

grpc::ServerWriteReactor<v1::ScoreArchitecturesResponse>*
ScorerService::ScoreArchitectures(
    grpc::CallbackServerContext* context,
    const v1::ScoreArchitecturesRequest* request) {
  auto sink = std::make_shared<StreamSink<v1::ScoreArchitecturesResponse>>();
  auto* reactor = new StreamReactor<v1::ScoreArchitecturesResponse>(
      sink, RecordOnFinish(metrics_, "ScoreArchitectures"), nullptr);
  auto fail = [&](const absl::Status& s) {
    sink->Close(s);
    return reactor;
  };
  if (auto client = Admit(context); !client.ok()) {
    return fail(client.status());
  }
  const int n = request->architectures_size();
  if (absl::Status count = options::ValidateArchitectureCount(n, limits_);
      !count.ok()) {
    return fail(count);
  }
  std::vector<ParsedArchitecture> archs;
  for (int i = 0; i < n; ++i) {
    auto arch = ParseArchitectureProto(request->architectures(i),
                                       absl::StrCat("architectures[", i, "]"));
    if (!arch.ok()) return fail(arch.status());
    archs.push_back(std::move(*arch));
  }
  auto dataset_name = DatasetFromProto(request->dataset());
  if (!dataset_name.ok()) return fail(dataset_name.status());
  auto dataset = datasets_.load()->Get(*dataset_name);
  if (!dataset.ok()) {
    return fail(absl::InvalidArgumentError(dataset.status().message()));
  }
  // Options are shared; validate them against the first space used.
  std::vector<measures::ScoreOptions> options;
  for (const auto& arch : archs) {
    auto o = ScoreOptionsFromProto(request->options(), arch.space,
                                   *dataset_name, limits_, (*dataset)->size());
    if (!o.ok()) return fail(o.status());
    options.push_back(WithServerSettings(*o, info_));
    if (absl::Status memory =
            CheckScoreMemory(options.back(), arch.space, **dataset);
        !memory.ok()) {
      return fail(memory);
    }
  }
  // One job per architecture; results stream back as they finish.
  auto remaining = std::make_shared<std::atomic<int>>(n);
  auto finish_one = [sink, remaining] {
    if (remaining->fetch_sub(1) == 1) sink->Close(absl::OkStatus());
  };
  const Clock::time_point accepted = Clock::now();
  for (int i = 0; i < n; ++i) {
    auto push_error = [sink, i](const absl::Status& s) {
      v1::ScoreArchitecturesResponse item;
      item.set_index(i);
      ToScoreError(s, item.mutable_error());
      sink->Push(std::move(item));
    };
    std::string key =
        cache_.enabled() ? ResultCache::Key(archs[i], *dataset_name, options[i])
                         : std::string();
    if (auto hit = cache_.Lookup(key)) {
      v1::ScoreArchitecturesResponse item;
      item.set_index(i);
      *item.mutable_result() = std::move(*hit);
      sink->Push(std::move(item));
      finish_one();
      continue;
    }
    absl::Status queued = engine_.TrySubmit(
        [this, sink, i, arch = archs[i], dataset = *dataset,
         option = options[i], accepted, push_error, finish_one,
         key = std::move(key)] {
          if (sink->cancelled()) {
            finish_one();
            return;
          }
          auto result = RunScore(arch, *dataset, option, sink->cancel_flag(),
                                 info_, accepted, metrics_);
          if (result.ok()) {
            cache_.Store(key, *result);
            v1::ScoreArchitecturesResponse item;
            item.set_index(i);
            *item.mutable_result() = std::move(*result);
            sink->Push(std::move(item));
          } else {
            push_error(result.status());
          }
          finish_one();
        },
        [push_error, finish_one] {
          push_error(absl::UnavailableError("server is shutting down"));
          finish_one();
        });
    if (!queued.ok()) {
      push_error(queued);
      finish_one();
    }
  }
  return reactor;
}

grpc::ServerWriteReactor<v1::SearchEvent>* ScorerService::RunSearch(
    grpc::CallbackServerContext* context, const v1::RunSearchRequest* request) {
  auto sink = std::make_shared<StreamSink<v1::SearchEvent>>();
  auto subscriber = std::make_shared<SearchStream>(sink);
  auto search_id = std::make_shared<std::string>();
  SearchManager* manager = searches_.load();
  auto* reactor = new StreamReactor<v1::SearchEvent>(
      sink, RecordOnFinish(metrics_, "RunSearch"),
      [manager, subscriber, search_id] {
        if (manager != nullptr && !search_id->empty()) {
          manager->Unsubscribe(*search_id, subscriber.get());
        }
      });
  absl::StatusOr<Caller> client = Admit(context);
  if (client.ok() && manager == nullptr) {
    client = absl::UnavailableError("server is loading its datasets; retry");
  }
  if (!client.ok()) {
    sink->Close(client.status());
    return reactor;
  }
  auto id = manager->Start(*request, subscriber.get(), client->client);
  if (!id.ok()) {
    sink->Close(id.status());
    return reactor;
  }
  *search_id = *id;
  return reactor;
}

grpc::ServerWriteReactor<v1::SearchEvent>* ScorerService::WatchSearch(
    grpc::CallbackServerContext* context,
    const v1::WatchSearchRequest* request) {
  auto sink = std::make_shared<StreamSink<v1::SearchEvent>>();
  auto subscriber = std::make_shared<SearchStream>(sink);
  SearchManager* manager = searches_.load();
  const std::string id = request->search_id();
  auto* reactor = new StreamReactor<v1::SearchEvent>(
      sink, RecordOnFinish(metrics_, "WatchSearch"), [manager, subscriber, id] {
        if (manager != nullptr) manager->Unsubscribe(id, subscriber.get());
      });
  absl::StatusOr<Caller> client = Admit(context);
  if (client.ok() && manager == nullptr) {
    client = absl::UnavailableError("server is loading its datasets; retry");
  }
  if (!client.ok()) {
    sink->Close(client.status());
    return reactor;
  }
  absl::Status s = manager->Subscribe(id, request->from_sequence(),
                                      subscriber.get(), SearchOwner(*client));
  if (!s.ok()) sink->Close(s);
  return reactor;
}

grpc::ServerUnaryReactor* ScorerService::GetSearch(
    grpc::CallbackServerContext* context, const v1::GetSearchRequest* request,
    v1::GetSearchResponse* response) {
  auto* reactor = new UnaryReactor(metrics_, "GetSearch");
  absl::StatusOr<Caller> client = Admit(context);
  if (!client.ok()) {
    reactor->Done(client.status());
    return reactor;
  }
  auto info = searches_.load()->Get(request->search_id(), SearchOwner(*client));
  if (info.ok()) *response->mutable_search() = std::move(*info);
  reactor->Done(info.status());
  return reactor;
}

grpc::ServerUnaryReactor* ScorerService::CancelSearch(
    grpc::CallbackServerContext* context,
    const v1::CancelSearchRequest* request,
    v1::CancelSearchResponse* response) {
  auto* reactor = new UnaryReactor(metrics_, "CancelSearch");
  absl::StatusOr<Caller> client = Admit(context);
  if (!client.ok()) {
    reactor->Done(client.status());
    return reactor;
  }
  auto state =
      searches_.load()->Cancel(request->search_id(), SearchOwner(*client));
  if (state.ok()) response->set_state(*state);
  reactor->Done(state.status());
  return reactor;
}

grpc::ServerUnaryReactor* ScorerService::ListSearches(
    grpc::CallbackServerContext* context,
    const v1::ListSearchesRequest* request,
    v1::ListSearchesResponse* response) {
  auto* reactor = new UnaryReactor(metrics_, "ListSearches");
  absl::StatusOr<Caller> client = Admit(context);
  if (!client.ok()) {
    reactor->Done(client.status());
    return reactor;
  }
  for (auto& info : searches_.load()->List(SearchOwner(*client))) {
    *response->add_searches() = std::move(info);
  }
  reactor->Done(absl::OkStatus());
  return reactor;
}

grpc::ServerUnaryReactor* ScorerService::GetServerInfo(
    grpc::CallbackServerContext* context,
    const v1::GetServerInfoRequest* request,
    v1::GetServerInfoResponse* response) {
  auto* reactor = new UnaryReactor(metrics_, "GetServerInfo");
  if (auto client = Authenticate(context); !client.ok()) {
    reactor->Done(client.status());
    return reactor;
  }
  response->set_version(info_.version);
  response->set_torch_version(info_.torch_version);
  response->set_device(info_.device);
  response->set_threads_per_worker(info_.threads_per_worker);
  if (const data::DatasetStore* store = datasets_.load()) {
    for (const auto& d : store->Info()) {
      v1::DatasetInfo* out = response->add_datasets();
      out->set_name(d.name);
      out->set_images(d.images);
      out->set_num_classes(d.num_classes);
      out->set_memory_bytes(d.memory_bytes);
      out->set_lazy(d.lazy);
      out->set_source(d.source);
    }
  }
  const engine::EngineStats stats = engine_.stats();
  response->set_queue_depth(stats.queue_depth);
  response->set_queue_capacity(stats.queue_capacity);
  response->set_workers(stats.workers);
  response->set_busy_workers(stats.busy_workers);
  if (SearchManager* m = searches_.load())
    response->set_active_searches(m->active());
  reactor->Done(absl::OkStatus());
  return reactor;
}

}  // namespace tenas::server
