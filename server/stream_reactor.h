// Copyright 2026 The tenas Authors.
//
// stream_reactor.h: a server-streaming reactor fed from any thread.
//
// Producers (worker jobs, search threads) hold a shared StreamSink and call
// Push() / Close(); the sink writes one message at a time and finishes the
// call once closed and drained. The sink outlives the reactor safely: after
// the call is done, Push() and Close() are no-ops, so a job that finishes
// after its client went away never touches freed memory. The call's outcome
// is reported (metrics) once it is over: a status that never reached the
// client counts as CANCELLED, whatever the server meant to send.

#ifndef TENAS_SERVER_STREAM_REACTOR_H_
#define TENAS_SERVER_STREAM_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/status_mapping.h"

namespace tenas::server {

template <typename T>
class StreamSink {
 public:
  /// Queues `message` for writing.
  void Push(T message) {
    absl::MutexLock lock(&mu_);
    if (reactor_ == nullptr || closed_) return;
    queue_.push_back(std::move(message));
    WriteNextLocked();
  }

  /// Ends the call with `status` (its gRPC code from ToGrpcStatus) once
  /// queued messages are written.
  void Close(const absl::Status& status) {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    closed_ = true;
    final_ = ToGrpcStatus(status);
    if (reactor_ != nullptr) WriteNextLocked();
  }

  /// True once the client cancelled or the deadline passed.
  const std::atomic<bool>* cancel_flag() const { return &cancel_; }
  bool cancelled() const { return cancel_.load(); }

 private:
  template <typename U>
  friend class StreamReactor;

  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || finished_) return;
    if (!queue_.empty()) {
      current_ = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
      reactor_->StartWrite(&current_);
    } else if (closed_) {
      finished_ = true;
      reactor_->Finish(final_);
    }
  }

  void OnWriteDone(bool ok) {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {  // the client is gone: stop writing
      queue_.clear();
      cancel_ = true;
      if (!finished_) {
        closed_ = true;
        finished_ = true;
        if (final_.ok()) {
          final_ = ToGrpcStatus(absl::CancelledError("client went away"));
        }
        reactor_->Finish(final_);
      }
      return;
    }
    WriteNextLocked();
  }

  void OnCancel() {
    absl::MutexLock lock(&mu_);
    cancel_ = true;
    queue_.clear();
    if (!finished_) {
      closed_ = true;
      final_ = ToGrpcStatus(absl::CancelledError("call cancelled"));
      if (!writing_) {  // else OnWriteDone(false) finishes the call
        finished_ = true;
        reactor_->Finish(final_);
      }
    }
  }

  /// Detaches the sink from its finished call; returns the status it
  /// finished with.
  grpc::Status Detach() {
    absl::MutexLock lock(&mu_);
    reactor_ = nullptr;
    closed_ = true;
    return final_;
  }

  absl::Mutex mu_;
  grpc::ServerWriteReactor<T>* reactor_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::deque<T> queue_ ABSL_GUARDED_BY(mu_);
  T current_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> cancel_{false};
};

/// The reactor half; deletes itself when the call is done.
template <typename T>
class StreamReactor : public grpc::ServerWriteReactor<T> {
 public:
  /// `context` is the call's; `on_finish` (metrics) gets the status the
  /// call ended with, or CANCELLED when it never reached the client (gone,
  /// deadline, failed send); `on_done` runs after it. Both optional, both
  /// once, on a gRPC thread when the call is over.
  StreamReactor(grpc::CallbackServerContext* context,
                std::shared_ptr<StreamSink<T>> sink,
                std::function<void(const grpc::Status&)> on_finish,
                std::function<void()> on_done)
      : context_(context),
        sink_(std::move(sink)),
        on_finish_(std::move(on_finish)),
        on_done_(std::move(on_done)) {
    absl::MutexLock lock(&sink_->mu_);
    sink_->reactor_ = this;
  }
  void OnWriteDone(bool ok) override { sink_->OnWriteDone(ok); }
  void OnCancel() override { sink_->OnCancel(); }
  void OnDone() override {
    grpc::Status final = sink_->Detach();
    if (context_->IsCancelled()) {
      final = grpc::Status(grpc::StatusCode::CANCELLED,
                           "the status did not reach the client");
    }
    if (on_finish_) on_finish_(final);
    if (on_done_) on_done_();
    delete this;
  }

 private:
  grpc::CallbackServerContext* const context_;
  std::shared_ptr<StreamSink<T>> sink_;
  std::function<void(const grpc::Status&)> on_finish_;
  std::function<void()> on_done_;
};

}  // namespace tenas::server

#endif  // TENAS_SERVER_STREAM_REACTOR_H_
