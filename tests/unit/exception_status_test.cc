// Copyright 2026 The tenas Authors.
//
// The conversion of exceptions thrown by jobs (LibTorch's c10::Error above
// all) into absl::Status at the worker boundary.

#include "tenas/engine/exception_status.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <stdexcept>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"

namespace tenas::engine {
namespace {

bool Contains(absl::string_view text, absl::string_view part) {
  return text.find(part) != absl::string_view::npos;
}

TEST(ExceptionStatusTest, C10ErrorBecomesInternalWithItsMessage) {
  absl::Status status = RunGuarded("score", []() -> absl::Status {
    TORCH_CHECK(false, "batch has 3 dimensions, expected 4");
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(absl::StartsWith(status.message(), "score failed in LibTorch: "))
      << status.message();
  EXPECT_TRUE(Contains(status.message(), "batch has 3 dimensions, expected 4"))
      << status.message();
  // LibTorch's C++ backtrace stays out of the message.
  EXPECT_FALSE(Contains(status.message(), "Exception raised from"))
      << status.message();
}

TEST(ExceptionStatusTest, RealLibTorchFailureBecomesInternal) {
  absl::StatusOr<double> result = RunGuarded("matmul", [] {
    // Shapes [2, 3] x [2, 3] do not multiply: LibTorch throws c10::Error.
    at::Tensor product = torch::ones({2, 3}).mm(torch::ones({2, 3}));
    return absl::StatusOr<double>(product.sum().item<double>());
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(
      absl::StartsWith(result.status().message(), "matmul failed in LibTorch"))
      << result.status().message();
}

TEST(ExceptionStatusTest, StandardExceptionsAndOtherValuesBecomeInternal) {
  absl::Status status = RunGuarded("search", []() -> absl::Status {
    throw std::runtime_error("out of file handles");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(status.message(), "search failed: out of file handles");

  status = RunGuarded("search", []() -> absl::Status { throw 42; });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(absl::StartsWith(status.message(), "search failed"));
}

TEST(ExceptionStatusTest, ResultsAndErrorsPassThrough) {
  absl::StatusOr<int> value =
      RunGuarded("x", [] { return absl::StatusOr<int>(7); });
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, 7);
  absl::Status error = RunGuarded(
      "x", [] { return absl::InvalidArgumentError("batch_size: too big"); });
  EXPECT_EQ(error, absl::InvalidArgumentError("batch_size: too big"));
}

}  // namespace
}  // namespace tenas::engine
