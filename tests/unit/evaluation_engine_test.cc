// Copyright 2026 The tenas Authors.
//
// EvaluationEngine: bounded per-class queues, fair service, parallel-for,
// shutdown. Every
// test waits for the engine's state (AwaitStats), never a fixed time.

#include "tenas/engine/evaluation_engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
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

/// One worker held busy by a score job until `release`, so that what is
/// queued behind it runs in the engine's order once released.
struct HeldEngine {
  absl::Notification started, release;
  EvaluationEngine engine;

  explicit HeldEngine(const EngineOptions& options) : engine(options) {
    EXPECT_TRUE(engine
                    .TrySubmit([this] {
                      started.Notify();
                      release.WaitForNotification();
                    })
                    .ok());
    started.WaitForNotification();
  }
  ~HeldEngine() {
    if (!release.HasBeenNotified()) release.Notify();
    engine.Shutdown(absl::InfiniteDuration());
  }
};

TEST(EvaluationEngineTest, SearchWorkNeverTakesTheRoomOfScores) {
  // The search queue holds one request; the score queue two.
  HeldEngine held({/*workers=*/1, /*max_queue=*/2, 1, /*max_search_queue=*/1});
  EvaluationEngine& engine = held.engine;
  std::atomic<int> ran{0};
  const JobSource search{JobClass::kSearch, "alice"};
  ASSERT_TRUE(engine.TrySubmitBatch(search, 100, [&](int) { ++ran; }).ok());
  // The search queue is full ...
  absl::Status full = engine.TrySubmitBatch(search, 1, [&](int) { ++ran; });
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(full.message().find("search"), std::string::npos);
  // ... and scores still get in, up to their own capacity.
  EXPECT_TRUE(
      engine.TrySubmit(JobSource{JobClass::kScore, "bob"}, [&] { ++ran; })
          .ok());
  EXPECT_TRUE(engine.TrySubmit([&] { ++ran; }).ok());
  EXPECT_EQ(engine.TrySubmit([&] { ++ran; }).code(),
            absl::StatusCode::kResourceExhausted);
  EngineStats s = engine.stats();
  EXPECT_EQ(s.of(JobClass::kSearch).queued_requests, 1);
  EXPECT_EQ(s.of(JobClass::kSearch).queued_jobs, 100);
  EXPECT_EQ(s.of(JobClass::kSearch).capacity, 1);
  EXPECT_EQ(s.of(JobClass::kSearch).rejected, 1);
  EXPECT_EQ(s.of(JobClass::kScore).queued_requests, 2);
  EXPECT_EQ(s.of(JobClass::kScore).clients, 2);
  EXPECT_EQ(s.of(JobClass::kScore).rejected, 1);
  EXPECT_EQ(s.queue_depth, 3);
  held.release.Notify();
  EXPECT_TRUE(engine.WaitUntilIdle());
  EXPECT_EQ(ran.load(), 102);
  EXPECT_EQ(engine.stats().of(JobClass::kSearch).started, 100);
}

TEST(EvaluationEngineTest, ServesClassesAndClientsInTurn) {
  HeldEngine held({/*workers=*/1, /*max_queue=*/8, 1, /*max_search_queue=*/8});
  EvaluationEngine& engine = held.engine;
  absl::Mutex mu;
  std::vector<std::string> order;
  auto record = [&](std::string what) {
    absl::MutexLock lock(&mu);
    order.push_back(std::move(what));
  };
  // A search round of 4 evaluations, a 3-item scoring call from alice and,
  // last, one score from bob.
  ASSERT_TRUE(engine
                  .TrySubmitBatch({JobClass::kSearch, "carol"}, 4,
                                  [&](int i) { record(absl::StrCat("S", i)); })
                  .ok());
  ASSERT_TRUE(engine
                  .TrySubmitBatch({JobClass::kScore, "alice"}, 3,
                                  [&](int i) { record(absl::StrCat("A", i)); })
                  .ok());
  ASSERT_TRUE(
      engine.TrySubmit({JobClass::kScore, "bob"}, [&] { record("B"); }).ok());
  held.release.Notify();
  ASSERT_TRUE(engine.WaitUntilIdle());
  // The held job was a score, so a search job goes first; then the classes
  // alternate, and within scores alice and bob alternate: bob waits for one
  // of alice's items, not for all three, and for one search job.
  EXPECT_EQ(order, (std::vector<std::string>{"S0", "A0", "S1", "B", "S2", "A1",
                                             "S3", "A2"}));
}

TEST(EvaluationEngineTest, ABatchLargerThanTheQueueTakesOneSlot) {
  EvaluationEngine engine({/*workers=*/2, /*max_queue=*/4, 1});
  std::vector<std::atomic<int>> hits(100);
  ASSERT_TRUE(engine
                  .TrySubmitBatch({JobClass::kScore, "alice"}, 100,
                                  [&](int i) { ++hits[i]; })
                  .ok());
  EXPECT_TRUE(engine.WaitUntilIdle());
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
  EngineStats s = engine.stats();
  EXPECT_EQ(s.of(JobClass::kScore).started, 100);
  EXPECT_EQ(s.of(JobClass::kScore).rejected, 0);
  EXPECT_EQ(s.completed, 100);
  EXPECT_EQ(engine.TrySubmitBatch({}, 0, [](int) {}).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(EvaluationEngineTest, AnExecutorSubmitsAsItsSource) {
  HeldEngine held({/*workers=*/1, /*max_queue=*/1, 1, /*max_search_queue=*/1});
  auto executor = held.engine.ExecutorFor({JobClass::kSearch, "carol"});
  std::atomic<int> ran{0};
  std::thread search([&] {
    EXPECT_TRUE(executor
                    ->ParallelFor(
                        5,
                        [&](int) {
                          ++ran;
                          return absl::OkStatus();
                        },
                        nullptr)
                    .ok());
  });
  held.engine.AwaitStats([](const EngineStats& s) {
    return s.of(JobClass::kSearch).queued_jobs == 5;
  });
  EXPECT_EQ(held.engine.stats().of(JobClass::kSearch).clients, 1);
  EXPECT_EQ(held.engine.stats().of(JobClass::kScore).queued_requests, 0);
  held.release.Notify();
  search.join();
  EXPECT_EQ(ran.load(), 5);
}

TEST(EvaluationEngineTest, ShutdownDropsEveryJobOfAQueuedBatch) {
  HeldEngine held({/*workers=*/1, /*max_queue=*/4, 1});
  std::atomic<int> ran{0}, dropped{0};
  ASSERT_TRUE(held.engine
                  .TrySubmitBatch(
                      {JobClass::kScore, "alice"}, 7, [&](int) { ++ran; },
                      [&](int) { ++dropped; })
                  .ok());
  std::thread stopper([&] { held.engine.Shutdown(absl::Milliseconds(50)); });
  held.engine.AwaitStats([](const EngineStats& s) { return s.dropping; });
  held.release.Notify();
  stopper.join();
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(dropped.load(), 7);
}

}  // namespace
}  // namespace tenas::engine
