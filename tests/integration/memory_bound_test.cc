// Copyright 2026 The tenas Authors.
//
// --max-memory bounds one evaluation (docs/RELIABILITY.md §6.6): a server
// with a small bound refuses, at admission and before any work, the score,
// the scores and the search whose smallest estimate exceeds it, with
// INVALID_ARGUMENT naming the options that drive the estimate and the
// estimate itself (the proxy batch when the zero-cost proxies are what
// does not fit); a request within the bound is scored. A search's
// evaluation (two supernets) is estimated higher than a score of the same
// batch: the same batch may be scored and not searched.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "integration/server_testing.h"
#include "tenas/options/memory_estimate.h"

namespace tenas::server_test {
namespace {

// Between a score's and a search's smallest estimate at batch 16 on CIFAR
// (about 53 MiB and 78 MiB).
constexpr int64_t kBound = int64_t{64} << 20;

class MemoryBoundTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions options = TestServerOptions();
    options.ntk_max_memory_bytes = kBound;
    server_ = StartServer(options);
    ASSERT_NE(server_, nullptr);
    stub_ = NewStub(server_->port());
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  std::unique_ptr<server::TenasServer> server_;
  std::unique_ptr<Stub> stub_;
};

measures::EvaluationShape CifarScore(int batch, bool fp64) {
  measures::ScoreOptions o;
  o.batch_size = batch;
  o.fp64 = fp64;
  return measures::ScoreShape(o, search::SpaceKind::kNb201, 10, 3, 32, 32);
}

TEST_F(MemoryBoundTest, TheBoundsOfThisTestAreWhereTheyShouldBe) {
  EXPECT_LE(
      measures::MinimalEvaluationMemory(CifarScore(16, false)).total_bytes,
      kBound);
  EXPECT_GT(
      measures::MinimalEvaluationMemory(CifarScore(256, true)).total_bytes,
      kBound);
  search::SearchOptions s;
  s.batch_size = 16;
  EXPECT_GT(
      measures::MinimalEvaluationMemory(measures::SearchShape(s, 10, 3, 32, 32))
          .total_bytes,
      kBound);
}

TEST_F(MemoryBoundTest, AScoreAboveTheBoundIsRefusedWithItsEstimate) {
  v1::ScoreArchitectureRequest request =
      ScoreRequest(kConvArch, 0, /*batch_size=*/256, /*repeats=*/20);
  request.mutable_options()->set_fp64(true);
  v1::ScoreArchitectureResponse response;
  grpc::Status status = Score(*stub_, request, &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  const std::string m = status.error_message();
  EXPECT_TRUE(HasText(m, "options.batch_size: one evaluation of 256 images"));
  EXPECT_TRUE(HasText(m, "options.fp64"));
  EXPECT_TRUE(
      HasText(m, measures::FormatBytes(
                     measures::MinimalEvaluationMemory(CifarScore(256, true))
                         .total_bytes)));
  EXPECT_TRUE(HasText(m, "server limit --max-memory (64.0 MiB)"));
  EXPECT_TRUE(HasText(m, "images fit"));
  // Refused at admission: nothing reached the workers.
  EXPECT_EQ(server_->engine().stats().completed, 0);
}

TEST_F(MemoryBoundTest, AScoreWithinTheBoundIsScored) {
  v1::ScoreArchitectureResponse response;
  grpc::Status status =
      Score(*stub_, ScoreRequest(kConvArch, 0, /*batch_size=*/16), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.batch_size(), 16);
  EXPECT_GE(response.ntk_condition_number(), 1.0);
  EXPECT_GE(response.linear_regions(), 1.0);
}

TEST(ProxyMemoryBoundTest, ProxiesAboveTheBoundAreRefusedNamingTheProxyBatch) {
  // A server of its own, bound 512 MiB: grasp on 128 images of the proxy
  // network does not fit, on 4 images it does.
  constexpr int64_t kProxyBound = int64_t{512} << 20;
  server::ServerOptions options = TestServerOptions();
  options.ntk_max_memory_bytes = kProxyBound;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());
  v1::ScoreArchitectureRequest request =
      ScoreRequest(kConvArch, 0, /*batch_size=*/16, /*repeats=*/1);
  request.mutable_options()->add_measure_names("grasp");
  request.mutable_options()->set_proxy_batch_size(128);
  measures::ScoreOptions o;
  o.batch_size = 16;
  measures::SetMeasures({measures::Measure::kGrasp}, o);
  o.proxy_batch_size = 128;
  const int64_t need =
      measures::MinimalEvaluationMemory(
          measures::ScoreShape(o, search::SpaceKind::kNb201, 10, 3, 32, 32))
          .total_bytes;
  ASSERT_GT(need, kProxyBound);
  v1::ScoreArchitectureResponse response;
  grpc::Status status = Score(*stub, request, &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  const std::string m = status.error_message();
  EXPECT_TRUE(HasText(m,
                      "options.proxy_batch_size: the zero-cost proxies "
                      "(grasp among them) on 128 images"))
      << m;
  EXPECT_TRUE(HasText(m, measures::FormatBytes(need))) << m;
  EXPECT_TRUE(HasText(m, "server limit --max-memory (512.0 MiB)")) << m;
  EXPECT_TRUE(HasText(m, "images fit")) << m;
  EXPECT_EQ(server->engine().stats().completed, 0);

  request.mutable_options()->set_proxy_batch_size(4);
  status = Score(*stub, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.measures_size(), 1);
  EXPECT_EQ(response.measures(0).name(), "grasp");
  server->Shutdown();
}

TEST_F(MemoryBoundTest, ScoreArchitecturesAboveTheBoundIsRefusedAsAWhole) {
  v1::ScoreArchitecturesRequest request;
  request.add_architectures()->set_nb201_arch(kConvArch);
  request.add_architectures()->set_nb201_arch(kSkipArch);
  request.set_dataset("cifar10");
  request.mutable_options()->set_batch_size(256);
  grpc::ClientContext context;
  GuardAgainstHangs(&context);
  auto reader = stub_->ScoreArchitectures(&context, request);
  StreamResult<v1::ScoreArchitecturesResponse> got = ReadAll(reader.get());
  EXPECT_TRUE(got.messages.empty());
  ASSERT_EQ(got.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << got.status.error_message();
  EXPECT_TRUE(HasText(got.status.error_message(), "options.batch_size"));
  EXPECT_TRUE(HasText(got.status.error_message(), "--max-memory"));
  EXPECT_EQ(server_->engine().stats().completed, 0);
}

TEST_F(MemoryBoundTest, ASearchIsEstimatedOnItsSupernetsAndRefused) {
  // Batch 16 is scored within the bound (above); a search's evaluation of
  // the same batch holds two supernets and is not.
  v1::RunSearchRequest request = SearchRequest();
  request.set_batch_size(16);
  grpc::ClientContext context;
  GuardAgainstHangs(&context);
  auto reader = stub_->RunSearch(&context, request);
  StreamResult<v1::SearchEvent> got = ReadAll(reader.get());
  EXPECT_TRUE(got.messages.empty());
  ASSERT_EQ(got.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << got.status.error_message();
  const std::string m = got.status.error_message();
  EXPECT_TRUE(HasText(m, "batch_size: one evaluation of 16 images"));
  EXPECT_TRUE(HasText(m, "in a search"));
  EXPECT_TRUE(HasText(m, "server limit --max-memory"));
  // Nothing was started: no search to list.
  grpc::ClientContext list_context;
  GuardAgainstHangs(&list_context);
  v1::ListSearchesResponse list;
  grpc::Status listed =
      stub_->ListSearches(&list_context, v1::ListSearchesRequest(), &list);
  ASSERT_TRUE(listed.ok()) << listed.error_message();
  EXPECT_EQ(list.searches_size(), 0);
}

}  // namespace
}  // namespace tenas::server_test
