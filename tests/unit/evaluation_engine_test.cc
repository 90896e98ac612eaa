// Copyright 2026 The tenas Authors.
//
// EvaluationEngine: bounded queue policy, parallel-for, shutdown. Every
// test waits for the engine's state (AwaitStats), never a fixed time.

#include "tenas/engine/evaluation_engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "absl/synchronization/notification.h"

namespace tenas::engine {
namespace {

TEST(EvaluationEngineTest, RejectsWhenTheQueueIsFull) {
  EvaluationEngine engine({/*workers=*/1, /*max_queue=*/2, 1});
  absl::Notification release, started;
  ASSERT_TRUE(engine
                  .TrySubmit([&] {
                    started.Notify();
                    release.WaitForNotification();
                  })
                  .ok());
  started.WaitForNotification();  // the worker is busy, the queue empty
  std::atomic<int> ran{0};
  EXPECT_TRUE(engine.TrySubmit([&] { ++ran; }).ok());
  EXPECT_TRUE(engine.TrySubmit([&] { ++ran; }).ok());
  absl::Status full = engine.TrySubmit([&] { ++ran; });
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(full.message().find("--max-queue"), std::string::npos);
  EngineStats s = engine.stats();
  EXPECT_EQ(s.queue_depth, 2);
  EXPECT_EQ(s.busy_workers, 1);
  EXPECT_EQ(s.rejected, 1);
  release.Notify();
  engine.Shutdown(absl::Seconds(10));
  EXPECT_EQ(ran.load(), 2);  // every accepted job ran
}

TEST(EvaluationEngineTest, SubmitWaitsForRoomAndHonoursCancel) {
  EvaluationEngine engine({1, 1, 1});
  absl::Notification release, started;
  ASSERT_TRUE(engine
                  .TrySubmit([&] {
                    started.Notify();
                    release.WaitForNotification();
                  })
                  .ok());
  started.WaitForNotification();
  ASSERT_TRUE(engine.TrySubmit([] {}).ok());  // queue now full
  const auto one_waiting = [](const EngineStats& s) {
    return s.waiting_submitters == 1;
  };
  // Cancelled while it waits for room.
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    engine.AwaitStats(one_waiting);
    cancel = true;
  });
  EXPECT_EQ(engine.Submit([] {}, &cancel).code(), absl::StatusCode::kCancelled);
  canceller.join();
  EXPECT_EQ(engine.stats().waiting_submitters, 0);
  // Goes through once room appears.
  std::atomic<bool> done{false};
  std::thread submitter(
      [&] { EXPECT_TRUE(engine.Submit([&] { done = true; }, nullptr).ok()); });
  engine.AwaitStats(one_waiting);
  release.Notify();
  submitter.join();
  engine.Shutdown(absl::Seconds(10));
  EXPECT_TRUE(done.load());
}

TEST(EvaluationEngineTest, ParallelForRunsEveryItemAndReportsTheFirstError) {
  EvaluationEngine engine({3, 2, 1});
  std::vector<std::atomic<int>> hits(50);
  absl::Status ok = engine.ParallelFor(
      50,
      [&](int i) {
        ++hits[i];
        return absl::OkStatus();
      },
      nullptr);
  EXPECT_TRUE(ok.ok());
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
  absl::Status err = engine.ParallelFor(
      20,
      [&](int i) {
        return i == 5 ? absl::InternalError("boom") : absl::OkStatus();
      },
      nullptr);
  EXPECT_EQ(err.code(), absl::StatusCode::kInternal);
}

/// One worker busy with a job that blocks until `release`, and three more
/// jobs queued behind it that count whether they ran or were dropped.
struct BusyEngine {
  absl::Notification started, release;
  std::atomic<int> ran{0}, dropped{0};
  EvaluationEngine engine{{1, 4, 1}};  // Last: stopped before the above go.

  BusyEngine() {
    EXPECT_TRUE(engine
                    .TrySubmit([this] {
                      started.Notify();
                      release.WaitForNotification();
                    })
                    .ok());
    started.WaitForNotification();
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(
          engine.TrySubmit([this] { ++ran; }, [this] { ++dropped; }).ok());
    }
  }
};

TEST(EvaluationEngineTest, ShutdownDropsWhatCannotDrainAndRejectsNewWork) {
  BusyEngine busy;
  EvaluationEngine& engine = busy.engine;
  std::thread stopper([&] { engine.Shutdown(absl::Milliseconds(100)); });
  // The busy job outlasts the drain timeout: release it only once the
  // engine has given up draining.
  engine.AwaitStats([](const EngineStats& s) { return s.dropping; });
  EXPECT_EQ(engine.TrySubmit([] {}).code(), absl::StatusCode::kUnavailable);
  busy.release.Notify();
  stopper.join();
  EXPECT_EQ(busy.ran.load() + busy.dropped.load(), 3);  // nothing lost
  EXPECT_EQ(busy.dropped.load(), 3);
  EXPECT_EQ(engine.TrySubmit([] {}).code(), absl::StatusCode::kUnavailable);
}

TEST(EvaluationEngineTest, ShutdownDrainsWhatFinishesInTime) {
  BusyEngine busy;
  EvaluationEngine& engine = busy.engine;
  // An unbounded drain: released once Shutdown has begun, everything runs.
  std::thread stopper([&] { engine.Shutdown(absl::InfiniteDuration()); });
  engine.AwaitStats([](const EngineStats& s) { return s.shutting_down; });
  EXPECT_FALSE(engine.stats().dropping);
  busy.release.Notify();
  stopper.join();
  EXPECT_EQ(busy.ran.load(), 3);
  EXPECT_EQ(busy.dropped.load(), 0);
}

TEST(EvaluationEngineTest, WaitUntilIdleWaitsForRunningAndQueuedJobs) {
  EvaluationEngine engine({1, 4, 1});
  absl::Notification release;
  std::atomic<int> ran{0};
  ASSERT_TRUE(engine
                  .TrySubmit([&] {
                    release.WaitForNotification();
                    ++ran;
                  })
                  .ok());
  ASSERT_TRUE(engine.TrySubmit([&] { ++ran; }).ok());
  EXPECT_FALSE(engine.WaitUntilIdle(absl::ZeroDuration()));
  release.Notify();
  EXPECT_TRUE(engine.WaitUntilIdle());
  EXPECT_EQ(ran.load(), 2);
  EngineStats s = engine.stats();
  EXPECT_EQ(s.queue_depth, 0);
  EXPECT_EQ(s.busy_workers, 0);
  EXPECT_EQ(s.completed, 2);
}

TEST(EvaluationEngineTest, AJobThatThrowsDoesNotTakeTheWorkerDown) {
  EvaluationEngine engine({1, 4, 1});
  ASSERT_TRUE(engine.TrySubmit([] { throw std::runtime_error("boom"); }).ok());
  std::atomic<bool> ran{false};
  ASSERT_TRUE(engine.TrySubmit([&] { ran = true; }).ok());
  EXPECT_TRUE(engine.WaitUntilIdle());
  EXPECT_TRUE(ran.load());
  EXPECT_EQ(engine.stats().completed, 2);
}

}  // namespace
}  // namespace tenas::engine
