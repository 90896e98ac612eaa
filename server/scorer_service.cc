// Copyright 2026 The tenas Authors.

#include "server/scorer_service.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message_lite.h"
#include "server/status_mapping.h"
#include "server/stream_reactor.h"
#include "tenas/engine/device.h"
#include "tenas/engine/exception_status.h"
#include "tenas/measures/score.h"
#include "tenas/options/measures.h"
#include "tenas/options/memory_estimate.h"
#include "tenas/util/status_macros.h"

namespace tenas::server {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The status of an answer of `bytes` bytes: RESOURCE_EXHAUSTED naming
// `field` (what makes it large) when it exceeds `max_bytes`, the send limit
// of this server (--max-message-bytes), else OK.
absl::Status CheckAnswerSize(size_t bytes, int64_t max_bytes,
                             absl::string_view field) {
  if (static_cast<int64_t>(bytes) <= max_bytes) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat(field, ": the answer would take ", bytes,
                   " bytes, more than this server sends in one message "
                   "(--max-message-bytes ",
                   max_bytes, ")"));
}

// A unary reactor that records metrics and exposes cancellation (client
// cancel or deadline) as an atomic flag for the worker.
class UnaryReactor : public grpc::ServerUnaryReactor {
 public:
  /// `response` (null: none worth checking) is the call's answer message;
  /// an OK answer larger than `max_response_bytes` is replaced by
  /// RESOURCE_EXHAUSTED instead of failing in gRPC's send.
  UnaryReactor(grpc::CallbackServerContext* context, ServerMetrics& metrics,
               std::string method,
               const google::protobuf::MessageLite* response = nullptr,
               int64_t max_response_bytes = 0)
      : context_(context),
        metrics_(metrics),
        method_(std::move(method)),
        response_(response),
        max_response_bytes_(max_response_bytes),
        start_(Clock::now()) {}

  void Done(const absl::Status& status) {
    absl::Status answer = status;
    if (answer.ok() && response_ != nullptr) {
      answer = CheckAnswerSize(response_->ByteSizeLong(), max_response_bytes_,
                               "answer");
    }
    const grpc::Status sent = ToGrpcStatus(answer);
    code_ = sent.error_code();
    Finish(sent);
  }
  std::shared_ptr<std::atomic<bool>> cancel() const { return cancel_; }
  void OnCancel() override { cancel_->store(true); }
  void OnDone() override {
    // Counted once the call is over: an answer that never reached the
    // client (it went away, its deadline passed, the send failed) is
    // CANCELLED, never the OK the server meant to send.
    const grpc::StatusCode code =
        context_->IsCancelled() ? grpc::StatusCode::CANCELLED : code_.load();
    metrics_.RecordRequest(method_, GrpcCodeName(code), Since(start_));
    delete this;
  }

 private:
  grpc::CallbackServerContext* const context_;
  ServerMetrics& metrics_;
  const std::string method_;
  const google::protobuf::MessageLite* const response_;
  const int64_t max_response_bytes_;
  const Clock::time_point start_;
  std::atomic<grpc::StatusCode> code_{grpc::StatusCode::OK};
  std::shared_ptr<std::atomic<bool>> cancel_ =
      std::make_shared<std::atomic<bool>>(false);
};

// The most bytes a ScoreArchitecture answer for `arch` scored with
// `options` on `dataset` can take: the answer with every number set (the
// measured values only change fixed-size doubles).
size_t MaxScoreAnswerBytes(const ParsedArchitecture& arch,
                           const std::string& dataset,
                           const measures::ScoreOptions& options,
                           const std::string& device) {
  measures::ScoreResult full;
  full.kappa.assign(options.repeats, 1.0);
  full.regions.assign(options.repeats, 1.0);
  full.kappa_mean = full.regions_mean = 1.0;
  full.kappa_sem = full.regions_sem = 1.0;
  full.ntk_seconds = full.regions_seconds = full.proxies_seconds = 1.0;
  for (measures::Measure m : options.proxies) {
    measures::ProxyScore p;
    p.measure = m;
    p.values.assign(options.repeats, 1.0);
    p.mean = p.sem = 1.0;
    full.proxies.push_back(std::move(p));
  }
  v1::ScoreArchitectureResponse answer;
  ScoreResultToProto(arch, dataset, options, full, &answer);
  answer.set_device(device);
  answer.set_cached(true);
  answer.mutable_timing()->set_queue_seconds(1.0);
  answer.mutable_timing()->set_total_seconds(1.0);
  return answer.ByteSizeLong();
}

// Refuses, before any work, a score whose answer would not fit in one
// message (`extra` bytes of wrapping, e.g. a ScoreArchitectures item):
// RESOURCE_EXHAUSTED naming the architecture or options.repeats, whichever
// makes it large.
absl::Status CheckScoreAnswerSize(const ParsedArchitecture& arch,
                                  const std::string& dataset,
                                  const measures::ScoreOptions& options,
                                  const ServiceInfo& info,
                                  const std::string& arch_field, size_t extra) {
  const size_t bytes =
      MaxScoreAnswerBytes(arch, dataset, options, info.device) + extra;
  // One repeat takes about 22 bytes plus 9 per measure; the rest is mostly
  // the canonical text.
  const size_t per_repeat =
      22 + 9 * measures::RequestedMeasures(options).size();
  const bool repeats_dominate =
      static_cast<size_t>(options.repeats) * per_repeat > arch.canonical.size();
  return CheckAnswerSize(bytes, info.max_message_bytes,
                         repeats_dominate ? "options.repeats" : arch_field);
}

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

// Records a streaming call in the metrics once it is over (StreamReactor
// passes CANCELLED for a call whose status never reached the client).
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
  if (!result->proxies.empty()) {
    std::vector<std::string> names;
    for (const measures::ProxyScore& p : result->proxies) {
      names.emplace_back(measures::MeasureName(p.measure));
    }
    const int networks = static_cast<int>(result->proxies[0].values.size());
    metrics.RecordProxyEvaluations(
        names, space, networks,
        networks == 0 ? 0 : result->proxies_seconds / networks);
  }
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
  auto* reactor = new UnaryReactor(context, metrics_, "ScoreArchitecture",
                                   response, info_.max_message_bytes);
  absl::StatusOr<Caller> client = Admit(context);
  if (!client.ok()) {
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
  if (absl::Status size = CheckScoreAnswerSize(*arch, *dataset_name, *options,
                                               info_, "architecture", 0);
      !size.ok()) {
    reactor->Done(size);
    return reactor;
  }
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
      engine::JobSource{engine::JobClass::kScore, client->client},
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
      context, sink, RecordOnFinish(metrics_, "ScoreArchitectures"), nullptr);
  auto fail = [&](const absl::Status& s) {
    sink->Close(s);
    return reactor;
  };
  absl::StatusOr<Caller> client = Admit(context);
  if (!client.ok()) return fail(client.status());
  const int n = request->architectures_size();
  if (absl::Status count = options::ValidateArchitectureCount(n, limits_);
      !count.ok()) {
    return fail(count);
  }
  // A malformed architecture is an item error (its index, INVALID_ARGUMENT
  // naming architectures[i]); the others are scored.
  std::vector<absl::StatusOr<ParsedArchitecture>> archs;
  archs.reserve(n);
  for (int i = 0; i < n; ++i) {
    archs.push_back(ParseArchitectureProto(
        request->architectures(i), absl::StrCat("architectures[", i, "]")));
  }
  auto dataset_name = DatasetFromProto(request->dataset());
  if (!dataset_name.ok()) return fail(dataset_name.status());
  auto dataset = datasets_.load()->Get(*dataset_name);
  if (!dataset.ok()) {
    return fail(absl::InvalidArgumentError(dataset.status().message()));
  }
  // Options are shared; validate them against the first space used.
  std::vector<measures::ScoreOptions> options(n);
  for (int i = 0; i < n; ++i) {
    if (!archs[i].ok()) continue;
    auto o = ScoreOptionsFromProto(request->options(), archs[i]->space,
                                   *dataset_name, limits_, (*dataset)->size());
    if (!o.ok()) return fail(o.status());
    options[i] = WithServerSettings(*o, info_);
    // The memory bound holds for the whole call (one options set).
    if (absl::Status memory =
            CheckScoreMemory(options[i], archs[i]->space, **dataset);
        !memory.ok()) {
      return fail(memory);
    }
    // An answer too large to send is this item's error, found before work.
    // 16 bytes: the item's index and the framing of its result.
    if (absl::Status size =
            CheckScoreAnswerSize(*archs[i], *dataset_name, options[i], info_,
                                 absl::StrCat("architectures[", i, "]"), 16);
        !size.ok()) {
      archs[i] = size;
    }
  }
  // Results stream back as they finish: cached ones now, the others from
  // the workers. The uncached items are one request of the score queue
  // (one slot, however many items): the workers take them one at a time, in
  // turn with other clients, until the call ends or its deadline passes.
  auto remaining = std::make_shared<std::atomic<int>>(n);
  auto finish_one = [sink, remaining] {
    if (remaining->fetch_sub(1) == 1) sink->Close(absl::OkStatus());
  };
  auto push_error = [sink](int i, const absl::Status& s) {
    v1::ScoreArchitecturesResponse item;
    item.set_index(i);
    ToScoreError(s, item.mutable_error());
    sink->Push(std::move(item));
  };
  struct Item {
    int index;
    std::string key;
  };
  auto work = std::make_shared<std::vector<Item>>();
  for (int i = 0; i < n; ++i) {
    if (!archs[i].ok()) {
      push_error(i, archs[i].status());
      finish_one();
      continue;
    }
    std::string key =
        cache_.enabled()
            ? ResultCache::Key(*archs[i], *dataset_name, options[i])
            : std::string();
    if (auto hit = cache_.Lookup(key)) {
      v1::ScoreArchitecturesResponse item;
      item.set_index(i);
      *item.mutable_result() = std::move(*hit);
      sink->Push(std::move(item));
      finish_one();
      continue;
    }
    work->push_back(Item{i, std::move(key)});
  }
  if (work->empty()) return reactor;
  const Clock::time_point accepted = Clock::now();
  auto shared_archs =
      std::make_shared<const std::vector<absl::StatusOr<ParsedArchitecture>>>(
          std::move(archs));
  auto shared_options =
      std::make_shared<const std::vector<measures::ScoreOptions>>(
          std::move(options));
  absl::Status queued = engine_.TrySubmitBatch(
      engine::JobSource{engine::JobClass::kScore, client->client},
      static_cast<int>(work->size()),
      [this, sink, work, shared_archs, shared_options, dataset = *dataset,
       accepted, push_error, finish_one](int k) {
        const Item& item = (*work)[k];
        if (sink->cancelled()) {
          finish_one();
          return;
        }
        auto result = RunScore(*(*shared_archs)[item.index], *dataset,
                               (*shared_options)[item.index],
                               sink->cancel_flag(), info_, accepted, metrics_);
        if (result.ok()) {
          cache_.Store(item.key, *result);
          v1::ScoreArchitecturesResponse answer;
          answer.set_index(item.index);
          *answer.mutable_result() = std::move(*result);
          sink->Push(std::move(answer));
        } else {
          push_error(item.index, result.status());
        }
        finish_one();
      },
      [work, push_error, finish_one](int k) {
        push_error((*work)[k].index,
                   absl::UnavailableError("server is shutting down"));
        finish_one();
      });
  if (!queued.ok()) {
    for (const Item& item : *work) {
      push_error(item.index, queued);
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
      context, sink, RecordOnFinish(metrics_, "RunSearch"),
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
      context, sink, RecordOnFinish(metrics_, "WatchSearch"),
      [manager, subscriber, id] {
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
  absl::Status s = CheckUtf8(id, "search_id");
  if (s.ok()) {
    s = manager->Subscribe(id, request->from_sequence(), subscriber.get(),
                           SearchOwner(*client));
  }
  if (!s.ok()) sink->Close(s);
  return reactor;
}

grpc::ServerUnaryReactor* ScorerService::GetSearch(
    grpc::CallbackServerContext* context, const v1::GetSearchRequest* request,
    v1::GetSearchResponse* response) {
  auto* reactor = new UnaryReactor(context, metrics_, "GetSearch", response,
                                   info_.max_message_bytes);
  absl::StatusOr<Caller> client = Admit(context);
  if (!client.ok()) {
    reactor->Done(client.status());
    return reactor;
  }
  if (absl::Status id = CheckUtf8(request->search_id(), "search_id");
      !id.ok()) {
    reactor->Done(id);
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
  auto* reactor = new UnaryReactor(context, metrics_, "CancelSearch", response,
                                   info_.max_message_bytes);
  absl::StatusOr<Caller> client = Admit(context);
  if (!client.ok()) {
    reactor->Done(client.status());
    return reactor;
  }
  if (absl::Status id = CheckUtf8(request->search_id(), "search_id");
      !id.ok()) {
    reactor->Done(id);
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
  auto* reactor = new UnaryReactor(context, metrics_, "ListSearches", response,
                                   info_.max_message_bytes);
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
  auto* reactor = new UnaryReactor(context, metrics_, "GetServerInfo", response,
                                   info_.max_message_bytes);
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
  for (int c = 0; c < engine::kNumJobClasses; ++c) {
    const engine::ClassStats& q = stats.classes[c];
    v1::QueueInfo* out = response->add_queues();
    out->set_job_class(engine::JobClassName(static_cast<engine::JobClass>(c)));
    out->set_queued_requests(q.queued_requests);
    out->set_capacity(q.capacity);
    out->set_queued_jobs(q.queued_jobs);
    out->set_clients(q.clients);
    out->set_started_jobs(q.started);
    out->set_rejected_requests(q.rejected);
    out->set_mean_wait_seconds(
        q.started > 0 ? q.wait_seconds_sum / static_cast<double>(q.started)
                      : 0.0);
    out->set_last_wait_seconds(q.last_wait_seconds);
  }
  if (SearchManager* m = searches_.load())
    response->set_active_searches(m->active());
  for (const std::string& name : measures::AllMeasureNames()) {
    response->add_measures(name);
  }
  reactor->Done(absl::OkStatus());
  return reactor;
}

}  // namespace tenas::server
