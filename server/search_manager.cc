// Copyright 2026 The tenas Authors.

#include "server/search_manager.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/stored_round.h"
#include "tenas/options/init_mode.h"
#include "tenas/options/measures.h"
#include "tenas/options/memory_estimate.h"
#include "tenas/util/error_text.h"
#include "tenas/util/rng.h"
#include "tenas/util/status_macros.h"

namespace tenas::server {
namespace {

constexpr size_t kMaxFinishedKept = 200;

bool Finished(v1::SearchState s) {
  return s == v1::SEARCH_STATE_SUCCEEDED || s == v1::SEARCH_STATE_FAILED ||
         s == v1::SEARCH_STATE_CANCELLED;
}

// Whether a search in state `s` takes one of its client's
// --max-searches-per-client slots: until it finishes or is cancelled.
bool HoldsClientSlot(v1::SearchState s) {
  return !Finished(s) && s != v1::SEARCH_STATE_CANCELLING;
}

absl::Status CancelledStatus() {
  return absl::CancelledError("search cancelled");
}

// How a finished search read back from the store ended: the code stored
// with it (UNKNOWN for a failure stored before codes were).
absl::Status StoredEndStatus(const StoredSearch& s) {
  switch (s.state) {
    case v1::SEARCH_STATE_SUCCEEDED:
      return absl::OkStatus();
    case v1::SEARCH_STATE_CANCELLED:
      return CancelledStatus();
    default:
      // Never an empty message: a failure stored without one still says
      // which search it is.
      return absl::Status(
          s.code == absl::StatusCode::kOk ? absl::StatusCode::kUnknown : s.code,
          s.error.empty()
              ? absl::StrCat("search ", s.id,
                             " failed; the state database holds no error "
                             "message for it")
              : s.error);
  }
}

}  // namespace

SearchManager::SearchManager(const data::DatasetStore& datasets,
                             engine::EvaluationEngine& engine,
                             ServerMetrics* metrics, StateStore* store,
                             SearchLimits search_limits,
                             const RequestLimits& limits,
                             EvaluationSettings settings)
    : datasets_(datasets),
      engine_(engine),
      metrics_(metrics),
      store_(store),
      max_active_(search_limits.max_active),
      max_per_client_(search_limits.max_per_client),
      limits_(limits),
      settings_(std::move(settings)) {}

SearchManager::~SearchManager() { Shutdown(); }

void SearchManager::StoreFailed(const absl::Status& status,
                                const std::string& id) const {
  std::cerr << "tenas-server: search " << id
            << ": state not saved: " << status.message() << std::endl;
  if (metrics_) metrics_->RecordStateError();
}

absl::StatusOr<int> SearchManager::Recover() {
  TENAS_ASSIGN_OR_RETURN(std::vector<StoredSearch> stored,
                         store_->LoadSearches());
  int resumed = 0;
  for (StoredSearch& s : stored) {
    if (s.quarantined) std::cerr << "tenas-server: " << s.error << std::endl;
    // CANCELLING is never stored (a cancel stores CANCELLED at once); read
    // one as what it leads to.
    if (s.state == v1::SEARCH_STATE_CANCELLING) {
      s.state = v1::SEARCH_STATE_CANCELLED;
    }
    auto record = std::make_shared<Record>();
    record->id = s.id;
    record->request = s.request;
    record->dataset = s.dataset;
    record->client = s.client;
    record->started = std::chrono::steady_clock::now();
    absl::MutexLock lock(&mu_);
    absl::MutexLock rl(&record->mu);
    record->state = s.state;
    record->error = "";
    searches_[record->id] = record;
    order_.push_back(record->id);
    if (Finished(s.state)) {
      record->events = std::move(s.events);
      record->end_status = StoredEndStatus(s);
      if (s.state == v1::SEARCH_STATE_FAILED) {
        record->error = std::string(record->end_status.message());
      }
      if (!record->events.empty()) {
        record->seconds = record->events.back().seconds();
      }
      continue;
    }
    // Unfinished: keep the rounds whose RoundFinished event was stored, and
    // the events up to the last of those; the rest of the log re-runs.
    size_t keep_events = 0, finished_rounds = 0;
    for (size_t i = 0; i < s.events.size(); ++i) {
      if (s.events[i].has_round_finished() &&
          finished_rounds < s.rounds.size()) {
        ++finished_rounds;
        keep_events = i + 1;
      }
    }
    absl::Status ok = absl::OkStatus();
    for (size_t r = 0; r < finished_rounds && ok.ok(); ++r) {
      auto rec = RecordFromStoredRound(s.rounds[r]);
      if (rec.ok()) {
        record->resume_rounds.push_back(std::move(*rec));
      } else {
        ok = rec.status();
      }
    }
    s.events.resize(keep_events);
    record->events = std::move(s.events);
    record->round = static_cast<int>(finished_rounds);
    absl::StatusOr<const data::ImageDataset*> dataset =
        datasets_.Get(record->dataset);
    if (ok.ok() && !dataset.ok()) {
      ok = absl::FailedPreconditionError(absl::StrCat(
          "dataset '", record->dataset, "' is not loaded by this server"));
    }
    const int64_t images =
        dataset.ok() ? (*dataset)->size() : options::kUnknownDatasetImages;
    absl::StatusOr<search::SearchOptions> options =
        SearchOptionsFromProto(record->request, limits_, images);
    if (ok.ok() && !options.ok()) ok = options.status();
    if (!ok.ok()) {
      record->state = v1::SEARCH_STATE_FAILED;
      record->error =
          absl::StrCat("cannot resume after a restart: ", ok.message());
      record->end_status = absl::FailedPreconditionError(record->error);
      absl::Status saved =
          store_->SetSearchState(record->id, record->state, record->end_status);
      if (!saved.ok()) StoreFailed(saved, record->id);
      continue;
    }
    absl::Status truncated =
        store_->TruncateEvents(record->id, static_cast<int64_t>(keep_events));
    if (!truncated.ok()) StoreFailed(truncated, record->id);
    std::cerr << "tenas-server: resuming search " << record->id
              << " after round " << finished_rounds << std::endl;
    ++active_;
    ++resumed;
    record->state = v1::SEARCH_STATE_QUEUED;
    unjoined_.push_back(record);
    pending_resume_.push_back({record, *options});
  }
  std::vector<std::pair<std::shared_ptr<Record>, search::SearchOptions>> launch;
  {
    absl::MutexLock lock(&mu_);
    launch.swap(pending_resume_);
    if (metrics_) metrics_->SetSearchesActive(active_);
  }
  for (auto& [record, options] : launch) Launch(record, options);
  return resumed;
}

void SearchManager::TrimFinished() {
  while (order_.size() > kMaxFinishedKept + max_active_) {
    auto it = searches_.find(order_.front());
    if (it != searches_.end()) {
      absl::MutexLock rl(&it->second->mu);
      if (!Finished(it->second->state)) break;
    }
    absl::Status deleted = store_->DeleteSearch(order_.front());
    if (!deleted.ok()) StoreFailed(deleted, order_.front());
    searches_.erase(order_.front());
    order_.erase(order_.begin());
  }
}

absl::StatusOr<std::string> SearchManager::Start(
    const v1::RunSearchRequest& request, SearchSubscriber* subscriber,
    const std::string& client) {
  // The request alone first (its space, fields and dataset name), then
  // against the dataset it names.
  TENAS_RETURN_IF_ERROR(SearchOptionsFromProto(request, limits_).status());
  TENAS_ASSIGN_OR_RETURN(std::string dataset_name,
                         DatasetFromProto(request.dataset()));
  auto dataset = datasets_.Get(dataset_name);
  if (!dataset.ok()) {
    return absl::InvalidArgumentError(dataset.status().message());
  }
  TENAS_ASSIGN_OR_RETURN(
      search::SearchOptions options,
      SearchOptionsFromProto(request, limits_, (*dataset)->size()));
  // One evaluation (two supernets) must fit --max-memory, before any work.
  options.ntk_method = settings_.ntk_method;
  TENAS_RETURN_IF_ERROR(measures::CheckEvaluationMemory(
      measures::SearchShape(options, (*dataset)->num_classes,
                            (*dataset)->channels, (*dataset)->height,
                            (*dataset)->width),
      settings_.ntk_max_memory_bytes, "", "server limit --max-memory"));

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
  // The stored request names the init it resolved to, so that the search
  // resumes with it even if the mode's default changes in a later version.
  record->request.set_init(options.init == nn::InitMode::kPaper
                               ? v1::INIT_MODE_PAPER
                               : v1::INIT_MODE_SHIPPED);
  record->dataset = dataset_name;
  record->client = client;
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return absl::UnavailableError("server is shutting down");
    if (active_ >= max_active_) {
      return absl::ResourceExhaustedError(
          absl::StrCat("too many searches running (", active_,
                       ", --max-searches ", max_active_, "); retry later"));
    }
    int mine = 0;
    for (const auto& [id, r] : searches_) {
      absl::MutexLock rl(&r->mu);
      if (r->client == client && HoldsClientSlot(r->state)) ++mine;
    }
    if (mine >= max_per_client_) {
      return absl::ResourceExhaustedError(
          absl::StrCat("this client already runs ", mine,
                       " searches (--max-searches-per-client ", max_per_client_,
                       "); retry later"));
    }
    Rng rng(DeriveSeed(
        static_cast<uint64_t>(
            std::chrono::system_clock::now().time_since_epoch().count()),
        {next_id_++}));
    record->id = absl::StrFormat("s-%016x", rng.Next());
    // Stored before anyone learns the id: a crash from here on resumes it.
    TENAS_RETURN_IF_ERROR(
        store_->InsertSearch(record->id, request, dataset_name, client));
    ++active_;
    searches_[record->id] = record;
    order_.push_back(record->id);
    TrimFinished();
    if (metrics_) metrics_->SetSearchesActive(active_);
  }
  if (subscriber != nullptr) {
    absl::MutexLock lock(&record->mu);
    record->subscribers.push_back(subscriber);
  }
  {
    absl::MutexLock lock(&mu_);
    unjoined_.push_back(record);
  }
  Launch(record, std::move(options));
  return record->id;
}

void SearchManager::Launch(const std::shared_ptr<Record>& record,
                           search::SearchOptions options) {
  record->executor = engine_.ExecutorFor(
      engine::JobSource{engine::JobClass::kSearch, record->client});
  options.executor = record->executor.get();
  options.device = settings_.device;
  options.ntk_method = settings_.ntk_method;
  options.ntk_max_memory_bytes = settings_.ntk_max_memory_bytes;
  options.ntk_group = settings_.ntk_group;
  options.cancel = &record->cancel;
  options.resume_rounds =
      record->resume_rounds.empty() ? nullptr : &record->resume_rounds;
  record->started = std::chrono::steady_clock::now();
  Record* raw = record.get();
  record->thread = std::thread([this, raw, options] {
    Run(raw, options);
    raw->thread_done = true;
  });
}

void SearchManager::Append(Record* record, v1::SearchEvent event) {
  event.set_search_id(record->id);
  event.set_sequence(static_cast<int64_t>(record->events.size()));
  absl::Status saved = store_->AppendEvent(record->id, event);
  if (!saved.ok()) StoreFailed(saved, record->id);
  record->events.push_back(event);
  for (SearchSubscriber* s : record->subscribers) s->OnEvent(event);
}

void SearchManager::Run(Record* record, search::SearchOptions options) {
  {
    // Under the record's lock, as Cancel() stores CANCELLED: a search
    // cancelled before it started is never stored RUNNING again.
    absl::MutexLock lock(&record->mu);
    if (record->state != v1::SEARCH_STATE_CANCELLING) {
      record->state = v1::SEARCH_STATE_RUNNING;
      absl::Status running = store_->SetSearchState(
          record->id, v1::SEARCH_STATE_RUNNING, absl::OkStatus());
      if (!running.ok()) StoreFailed(running, record->id);
    }
  }
  const data::ImageDataset* dataset = *datasets_.Get(record->dataset);
  const std::string space(search::SpaceName(options.space));
  std::vector<std::string> proxy_names;
  for (measures::Measure m : options.measures) {
    if (measures::IsZeroCostProxy(m)) {
      proxy_names.emplace_back(measures::MeasureName(m));
    }
  }
  auto on_event = [&](const search::SearchEvent& e) {
    if (e.type == search::SearchEvent::Type::kResult) return;
    v1::SearchEvent event;
    SearchEventToProto(options.space, e, &event);
    if (e.type == search::SearchEvent::Type::kRoundFinished &&
        e.alive != nullptr) {
      // The round first, then its RoundFinished event: a stored event
      // always has its round stored (Recover relies on it).
      absl::Status saved = store_->SaveRound(
          record->id, StoredRoundFromRecord(*e.record, *e.alive));
      if (!saved.ok()) StoreFailed(saved, record->id);
    }
    if (e.type == search::SearchEvent::Type::kCandidateScored && metrics_) {
      metrics_->RecordEvaluations("ntk", space, 2 * options.repeats, -1);
      metrics_->RecordEvaluations("linear_regions", space, 2 * options.repeats,
                                  -1);
      metrics_->RecordProxyEvaluations(proxy_names, space, 2 * options.repeats,
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
      record->end_status = absl::OkStatus();
      outcome = "succeeded";
    } else if (record->interrupted.load() && !record->cancel_requested.load() &&
               result.status().code() == absl::StatusCode::kCancelled) {
      // Shutdown: the store keeps it RUNNING, to resume on the next start.
      record->state = v1::SEARCH_STATE_QUEUED;
      record->end_status = absl::UnavailableError(
          absl::StrCat("server is shutting down; search ", record->id,
                       " resumes when it restarts"));
      outcome = "interrupted";
    } else if (record->cancel.load() &&
               result.status().code() == absl::StatusCode::kCancelled) {
      record->state = v1::SEARCH_STATE_CANCELLED;
      record->end_status = CancelledStatus();
      outcome = "cancelled";
    } else {
      record->state = v1::SEARCH_STATE_FAILED;
      record->error = std::string(result.status().message());
      record->end_status = result.status();
      outcome = "failed";
    }
    if (outcome != "interrupted") {
      absl::Status saved =
          store_->SetSearchState(record->id, record->state, record->end_status);
      // Into tenas.db itself before anyone learns the end: a copy of
      // tenas.db alone holds every finished search.
      if (saved.ok()) saved = store_->Checkpoint();
      if (!saved.ok()) StoreFailed(saved, record->id);
    }
  }
  // No longer active before any subscriber learns the end: a client that
  // saw the end never finds the search still counted.
  {
    absl::MutexLock lock(&mu_);
    --active_;
    if (metrics_) {
      metrics_->SetSearchesActive(active_);
      metrics_->RecordSearchFinished(outcome);
    }
  }
  absl::MutexLock lock(&record->mu);
  for (SearchSubscriber* s : record->subscribers) s->OnEnd(record->end_status);
  record->subscribers.clear();
}

std::shared_ptr<SearchManager::Record> SearchManager::Find(
    const std::string& id, const std::optional<std::string>& owner) const {
  absl::MutexLock lock(&mu_);
  auto it = searches_.find(id);
  if (it == searches_.end()) return nullptr;
  // `client` is set before the record is published and never changes.
  if (owner.has_value() && it->second->client != *owner) return nullptr;
  return it->second;
}

absl::Status SearchManager::Subscribe(const std::string& id,
                                      int64_t from_sequence,
                                      SearchSubscriber* subscriber,
                                      const std::optional<std::string>& owner) {
  std::shared_ptr<Record> record = Find(id, owner);
  if (!record) {
    return absl::NotFoundError(
        absl::StrCat("search_id: unknown search '", ShortInput(id), "'"));
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
  for (std::string& name : SearchMeasureNames(record.request)) {
    info.add_measures(std::move(name));
  }
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

absl::StatusOr<v1::SearchInfo> SearchManager::Get(
    const std::string& id, const std::optional<std::string>& owner) const {
  std::shared_ptr<Record> record = Find(id, owner);
  if (!record) {
    return absl::NotFoundError(
        absl::StrCat("search_id: unknown search '", ShortInput(id), "'"));
  }
  return Info(*record);
}

std::vector<v1::SearchInfo> SearchManager::List(
    const std::optional<std::string>& owner) const {
  std::vector<std::shared_ptr<Record>> records;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& id : order_) {
      auto it = searches_.find(id);
      if (it == searches_.end()) continue;
      if (owner.has_value() && it->second->client != *owner) continue;
      records.push_back(it->second);
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

absl::StatusOr<v1::SearchState> SearchManager::Cancel(
    const std::string& id, const std::optional<std::string>& owner) {
  std::shared_ptr<Record> record = Find(id, owner);
  if (!record) {
    return absl::NotFoundError(
        absl::StrCat("search_id: unknown search '", ShortInput(id), "'"));
  }
  absl::MutexLock lock(&record->mu);
  if (Finished(record->state)) return record->state;
  record->cancel_requested = true;
  record->cancel = true;
  if (record->state != v1::SEARCH_STATE_CANCELLING) {
    // From here on it holds no slot of its client's (HoldsClientSlot), and
    // a restart finds it CANCELLED rather than resuming it.
    record->state = v1::SEARCH_STATE_CANCELLING;
    absl::Status saved = store_->SetSearchState(
        record->id, v1::SEARCH_STATE_CANCELLED, CancelledStatus());
    if (!saved.ok()) StoreFailed(saved, record->id);
  }
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
  for (auto& r : records) {
    r->interrupted = true;
    r->cancel = true;
  }
  for (auto& r : records) {
    if (r->thread.joinable()) r->thread.join();
  }
}

}  // namespace tenas::server
