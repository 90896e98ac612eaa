// Copyright 2026 The tenas Authors.

#include "server/search_manager.h"

#include <algorithm>
#include <chrono>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/status_mapping.h"
#include "tenas/util/rng.h"
#include "tenas/util/status_macros.h"

namespace tenas::server {
namespace {

constexpr size_t kMaxFinishedKept = 200;

bool Finished(v1::SearchState s) {
  return s == v1::SEARCH_STATE_SUCCEEDED || s == v1::SEARCH_STATE_FAILED ||
         s == v1::SEARCH_STATE_CANCELLED;
}

}  // namespace

SearchManager::SearchManager(const data::DatasetStore& datasets,
                             engine::EvaluationEngine& engine,
                             ServerMetrics* metrics, int max_active_searches,
                             const RequestLimits& limits,
                             EvaluationSettings settings)
    : datasets_(datasets),
      engine_(engine),
      metrics_(metrics),
      max_active_(max_active_searches),
      limits_(limits),
      settings_(std::move(settings)) {}

SearchManager::~SearchManager() { Shutdown(); }

absl::StatusOr<std::string> SearchManager::Start(
    const v1::RunSearchRequest& request, SearchSubscriber* subscriber) {
  TENAS_ASSIGN_OR_RETURN(search::SearchOptions options,
                         SearchOptionsFromProto(request, limits_));
  TENAS_ASSIGN_OR_RETURN(std::string dataset_name,
                         DatasetFromProto(request.dataset()));
  auto dataset = datasets_.Get(dataset_name);
  if (!dataset.ok()) {
    return absl::InvalidArgumentError(dataset.status().message());
  }
  TENAS_RETURN_IF_ERROR(search::ValidateSearchOptions(options, **dataset));

  // Join the threads of searches that have finished (never under mu_).
  std::vector<std::shared_ptr<Record>> done;
  {
    absl::MutexLock lock(&mu_);
    auto keep = std::partition(unjoined_.begin(), unjoined_.end(),
                               [](const std::shared_ptr<Record>& r) {
                                 return !r->thread_done.load();
                               });
    done.assign(keep, unjoined_.end());
    unjoined_.erase(keep, unjoined_.end());
  }
  for (auto& r : done) r->thread.join();

  auto record = std::make_shared<Record>();
  record->request = request;
  record->dataset = dataset_name;
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return absl::UnavailableError("server is shutting down");
    if (active_ >= max_active_) {
      return absl::ResourceExhaustedError(
          absl::StrCat("too many searches running (", active_,
                       ", --max-searches ", max_active_, "); retry later"));
    }
    Rng rng(DeriveSeed(
        static_cast<uint64_t>(
            std::chrono::system_clock::now().time_since_epoch().count()),
        {next_id_++}));
    record->id = absl::StrFormat("s-%016x", rng.Next());
    ++active_;
    searches_[record->id] = record;
    order_.push_back(record->id);
    // Forget the oldest finished searches beyond the bound.
    while (order_.size() > kMaxFinishedKept + max_active_) {
      auto it = searches_.find(order_.front());
      if (it != searches_.end()) {
        absl::MutexLock rl(&it->second->mu);
        if (!Finished(it->second->state)) break;
      }
      searches_.erase(order_.front());
      order_.erase(order_.begin());
    }
    if (metrics_) metrics_->SetSearchesActive(active_);
  }
  if (subscriber != nullptr) {
    absl::MutexLock lock(&record->mu);
    record->subscribers.push_back(subscriber);
  }
  options.executor = &engine_;
  options.device = settings_.device;
  options.ntk_method = settings_.ntk_method;
  options.ntk_max_memory_bytes = settings_.ntk_max_memory_bytes;
  options.ntk_group = settings_.ntk_group;
  options.cancel = &record->cancel;
  record->started = std::chrono::steady_clock::now();
  Record* raw = record.get();
  {
    absl::MutexLock lock(&mu_);
    unjoined_.push_back(record);
  }
  record->thread = std::thread([this, raw, options] {
    Run(raw, options);
    raw->thread_done = true;
  });
  return record->id;
}

void SearchManager::Append(Record* record, v1::SearchEvent event) {
  event.set_search_id(record->id);
  event.set_sequence(static_cast<int64_t>(record->events.size()));
  record->events.push_back(event);
  for (SearchSubscriber* s : record->subscribers) s->OnEvent(event);
}

void SearchManager::Run(Record* record, search::SearchOptions options) {
  {
    absl::MutexLock lock(&record->mu);
    record->state = v1::SEARCH_STATE_RUNNING;
  }
  const data::ImageDataset* dataset = *datasets_.Get(record->dataset);
  const std::string space(search::SpaceName(options.space));
  auto on_event = [&](const search::SearchEvent& e) {
    if (e.type == search::SearchEvent::Type::kResult) return;
    v1::SearchEvent event;
    SearchEventToProto(options.space, e, &event);
    if (e.type == search::SearchEvent::Type::kCandidateScored && metrics_) {
      metrics_->RecordEvaluations("ntk", space, 2 * options.repeats, -1);
      metrics_->RecordEvaluations("linear_regions", space, 2 * options.repeats,
                                  -1);
    }
    absl::MutexLock lock(&record->mu);
    record->round = e.round;
    record->seconds = e.seconds;
    Append(record, std::move(event));
  };
  absl::StatusOr<search::SearchResult> result =
      search::RunPruneSearch(*dataset, options, on_event);

  std::string outcome;
  {
    absl::MutexLock lock(&record->mu);
    record->seconds = std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - record->started)
                          .count();
    if (result.ok()) {
      v1::SearchEvent event;
      event.set_seconds(result->seconds);
      SearchResultToProto(*result, record->dataset, event.mutable_result());
      Append(record, std::move(event));
      record->state = v1::SEARCH_STATE_SUCCEEDED;
      record->end_status = grpc::Status::OK;
      outcome = "succeeded";
    } else if (record->cancel.load() &&
               result.status().code() == absl::StatusCode::kCancelled) {
      record->state = v1::SEARCH_STATE_CANCELLED;
      record->end_status =
          grpc::Status(grpc::StatusCode::CANCELLED, "search cancelled");
      outcome = "cancelled";
    } else {
      record->state = v1::SEARCH_STATE_FAILED;
      record->error = std::string(result.status().message());
      record->end_status = ToGrpcStatus(result.status());
      outcome = "failed";
    }
    for (SearchSubscriber* s : record->subscribers)
      s->OnEnd(record->end_status);
    record->subscribers.clear();
  }
  absl::MutexLock lock(&mu_);
  --active_;
  if (metrics_) {
    metrics_->SetSearchesActive(active_);
    metrics_->RecordSearchFinished(outcome);
  }
}

std::shared_ptr<SearchManager::Record> SearchManager::Find(
    const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = searches_.find(id);
  return it == searches_.end() ? nullptr : it->second;
}

absl::Status SearchManager::Subscribe(const std::string& id,
                                      int64_t from_sequence,
                                      SearchSubscriber* subscriber) {
  std::shared_ptr<Record> record = Find(id);
  if (!record) {
    return absl::NotFoundError(
        absl::StrCat("search_id: unknown search '", id, "'"));
  }
  if (from_sequence < 0) {
    return absl::InvalidArgumentError("from_sequence: must be >= 0");
  }
  absl::MutexLock lock(&record->mu);
  for (size_t i = static_cast<size_t>(from_sequence); i < record->events.size();
       ++i) {
    subscriber->OnEvent(record->events[i]);
  }
  if (Finished(record->state)) {
    subscriber->OnEnd(record->end_status);
  } else {
    record->subscribers.push_back(subscriber);
  }
  return absl::OkStatus();
}

void SearchManager::Unsubscribe(const std::string& id,
                                SearchSubscriber* subscriber) {
  std::shared_ptr<Record> record = Find(id);
  if (!record) return;
  absl::MutexLock lock(&record->mu);
  auto& subs = record->subscribers;
  subs.erase(std::remove(subs.begin(), subs.end(), subscriber), subs.end());
}

v1::SearchInfo SearchManager::Info(const Record& record) const {
  v1::SearchInfo info;
  info.set_search_id(record.id);
  *info.mutable_request() = record.request;
  absl::MutexLock lock(&record.mu);
  info.set_state(record.state);
  info.set_error(record.error);
  info.set_round(record.round);
  info.set_events(static_cast<int64_t>(record.events.size()));
  info.set_seconds(record.seconds);
  if (record.state == v1::SEARCH_STATE_SUCCEEDED && !record.events.empty() &&
      record.events.back().has_result()) {
    *info.mutable_result() = record.events.back().result();
  }
  return info;
}

absl::StatusOr<v1::SearchInfo> SearchManager::Get(const std::string& id) const {
  std::shared_ptr<Record> record = Find(id);
  if (!record) {
    return absl::NotFoundError(
        absl::StrCat("search_id: unknown search '", id, "'"));
  }
  return Info(*record);
}

std::vector<v1::SearchInfo> SearchManager::List() const {
  std::vector<std::shared_ptr<Record>> records;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& id : order_) {
      auto it = searches_.find(id);
      if (it != searches_.end()) records.push_back(it->second);
    }
  }
  std::vector<v1::SearchInfo> out;
  for (const auto& r : records) {
    v1::SearchInfo info = Info(*r);
    info.clear_result();  // keep listings small
    out.push_back(std::move(info));
  }
  return out;
}

absl::StatusOr<v1::SearchState> SearchManager::Cancel(const std::string& id) {
  std::shared_ptr<Record> record = Find(id);
  if (!record) {
    return absl::NotFoundError(
        absl::StrCat("search_id: unknown search '", id, "'"));
  }
  record->cancel = true;
  absl::MutexLock lock(&record->mu);
  return record->state;
}

int SearchManager::active() const {
  absl::MutexLock lock(&mu_);
  return active_;
}

void SearchManager::Shutdown() {
  std::vector<std::shared_ptr<Record>> records;
  {
    absl::MutexLock lock(&mu_);
    shut_down_ = true;
    records.swap(unjoined_);
  }
  for (auto& r : records) r->cancel = true;
  for (auto& r : records) {
    if (r->thread.joinable()) r->thread.join();
  }
}

}  // namespace tenas::server
