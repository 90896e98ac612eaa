// Copyright 2026 The tenas Authors.
//
// The server's pthread_attr_setstacksize (server/thread_stack_size.h): a
// creator that asks for a small stack gets it plus the loaded libraries'
// TLS, and its thread starts. Against PyTorch 2.x's CUDA LibTorch a 100 KiB
// stack (civetweb's) cannot hold the TLS without it.

#include "server/thread_stack_size.h"

#include <pthread.h>

#include <cstddef>

#include "gtest/gtest.h"

namespace tenas::server {
namespace {

void* ReturnArgument(void* argument) { return argument; }

TEST(ThreadStackSizeTest, LoadedTlsIsCounted) {
  // libstdc++ and glibc themselves have thread-local storage.
  EXPECT_GT(LoadedTlsBytes(), 0u);
}

TEST(ThreadStackSizeTest, RequestGetsRoomForTls) {
  constexpr size_t kCivetwebStack = 102400;
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, kCivetwebStack), 0);
  size_t granted = 0;
  ASSERT_EQ(pthread_attr_getstacksize(&attr, &granted), 0);
  EXPECT_GE(granted, kCivetwebStack + LoadedTlsBytes());
  EXPECT_EQ(granted, StackSizeWithTls(kCivetwebStack));

  int value = 7;
  pthread_t thread;
  ASSERT_EQ(pthread_create(&thread, &attr, ReturnArgument, &value), 0);
  void* result = nullptr;
  ASSERT_EQ(pthread_join(thread, &result), 0);
  EXPECT_EQ(result, &value);
  pthread_attr_destroy(&attr);
}

TEST(ThreadStackSizeTest, SizesArePageMultiples) {
  for (size_t requested : {size_t{1}, size_t{16384}, size_t{102400}}) {
    const size_t size = StackSizeWithTls(requested);
    EXPECT_GE(size, requested + LoadedTlsBytes());
    EXPECT_EQ(size % 4096, 0u) << requested;
  }
}

}  // namespace
}  // namespace tenas::server
