// Copyright 2026 The tenas Authors.
//
// EvaluationEngine: bounded queue policy, parallel-for, shutdown.

#include "tenas/engine/evaluation_engine.h"

#include <gtest/gtest.h>

#include <atomic>
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
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel = true;
  });
  EXPECT_EQ(engine.Submit([] {}, &cancel).code(), absl::StatusCode::kCancelled);
  canceller.join();
  std::atomic<bool> done{false};
  std::thread submitter(
      [&] { EXPECT_TRUE(engine.Submit([&] { done = true; }, nullptr).ok()); });
  release.Notify();  // room appears; the blocked Submit goes through
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

TEST(EvaluationEngineTest, ShutdownDropsWhatCannotDrainAndRejectsNewWork) {
  EvaluationEngine engine({1, 4, 1});
  absl::Notification release, started;
  ASSERT_TRUE(engine
                  .TrySubmit([&] {
                    started.Notify();
                    release.WaitForNotification();
                  })
                  .ok());
  started.WaitForNotification();
  std::atomic<int> dropped{0}, ran{0};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(engine.TrySubmit([&] { ++ran; }, [&] { ++dropped; }).ok());
  }
  std::thread stopper([&] { engine.Shutdown(absl::Milliseconds(100)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  release.Notify();
  stopper.join();
  EXPECT_EQ(ran.load() + dropped.load(), 3);  // nothing is lost silently
  EXPECT_EQ(dropped.load(), 3);
  EXPECT_EQ(engine.TrySubmit([] {}).code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace tenas::engine
