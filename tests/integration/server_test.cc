// Copyright 2026 The tenas Authors.
//
// server_test.cc: the real TenasServer on port 0, driven over real gRPC
// channels: the scoring RPCs, request validation, the bounded queue,
// deadlines, health, concurrent scoring and /metrics. Search RPCs are in
// server_search_test.cc.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/synchronization/notification.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "integration/server_testing.h"
#include "tenas/space/nb201.h"

namespace tenas::server_test {
namespace {

constexpr char kServiceName[] = "tenas.v1.ArchitectureScorer";

// One server for the tests that need nothing special: one worker, the
// bundled CIFAR-10 sample.
class ScorerServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = StartServer(TestServerOptions()).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    stub_ = NewStub(server_->port());
    // Start idle: a worker is marked free just after it sent its reply.
    ASSERT_TRUE(WaitUntilIdle(*server_));
  }

  // NB201 NTK evaluations the server has completed (one per repeat of a
  // finished score; a cancelled score records none).
  double NtkEvaluations() const {
    const std::string text = HttpGet(server_->metrics_port(), "/metrics");
    return FindSample(text, "tenas_evaluations_total",
                      {{"metric", "ntk"}, {"space", "nb201"}})
        .value_or(0.0);
  }

  static server::TenasServer* server_;
  std::unique_ptr<Stub> stub_;
};

server::TenasServer* ScorerServerTest::server_ = nullptr;

std::string Canonical(const std::string& arch) {
  auto parsed = nb201::ParseArchitecture(arch);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? nb201::FormatArchitecture(*parsed) : "";
}

void ExpectValidScore(const v1::ScoreArchitectureResponse& r,
                      const std::string& arch, int repeats) {
  EXPECT_EQ(r.arch(), Canonical(arch));
  EXPECT_EQ(r.space(), "nb201");
  EXPECT_EQ(r.dataset(), "cifar10");
  EXPECT_EQ(r.device(), "cpu");
  ASSERT_EQ(r.repeats_size(), repeats);
  for (int i = 0; i < repeats; ++i) {
    const v1::RepeatScore& rep = r.repeats(i);
    EXPECT_EQ(rep.repeat(), i);
    EXPECT_GE(rep.ntk_condition_number(), 1.0) << "repeat " << i;
    EXPECT_GE(rep.linear_regions(), 1.0) << "repeat " << i;
    EXPECT_LE(rep.linear_regions(), 3000.0) << "repeat " << i;
  }
  EXPECT_GE(r.ntk_condition_number(), 1.0);
  EXPECT_GE(r.linear_regions(), 1.0);
  EXPECT_LE(r.linear_regions(), 3000.0);
  EXPECT_GE(r.timing().total_seconds(), r.timing().queue_seconds());
  EXPECT_GE(r.timing().queue_seconds(), 0.0);
}

TEST_F(ScorerServerTest, ScoreArchitectureReturnsBothMeasures) {
  v1::ScoreArchitectureResponse r;
  grpc::Status status = Score(*stub_, ScoreRequest(kMixedArch, 7, 8, 2), &r);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ExpectValidScore(r, kMixedArch, 2);
  EXPECT_EQ(r.seed(), 7u);
  EXPECT_EQ(r.batch_size(), 8);
  // The mean is the mean of the repeats.
  EXPECT_NEAR(r.ntk_condition_number(),
              (r.repeats(0).ntk_condition_number() +
               r.repeats(1).ntk_condition_number()) /
                  2,
              1e-9 * r.ntk_condition_number());
  // The standard errors are those of the repeats: with two values,
  // sd = |a - b| / sqrt(2), so sem = |a - b| / 2.
  EXPECT_NEAR(r.ntk_condition_number_sem(),
              std::abs(r.repeats(0).ntk_condition_number() -
                       r.repeats(1).ntk_condition_number()) /
                  2,
              1e-9 * r.ntk_condition_number());
  EXPECT_NEAR(
      r.linear_regions_sem(),
      std::abs(r.repeats(0).linear_regions() - r.repeats(1).linear_regions()) /
          2,
      1e-9);
}

TEST_F(ScorerServerTest, ScoreArchitectureDefaultsDatasetToCifar10) {
  v1::ScoreArchitectureRequest request = ScoreRequest(kSkipArch);
  request.clear_dataset();
  v1::ScoreArchitectureResponse r;
  grpc::Status status = Score(*stub_, request, &r);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ExpectValidScore(r, kSkipArch, 1);
}

TEST_F(ScorerServerTest, ScoreArchitecturesStreamsOneResultPerArchitecture) {
  const std::vector<std::string> archs = {kConvArch, kMixedArch, kSkipArch,
                                          kPoolArch};
  v1::ScoreArchitecturesRequest request;
  for (const auto& a : archs) {
    request.add_architectures()->set_nb201_arch(a);
  }
  request.set_dataset("cifar10");
  request.mutable_options()->set_batch_size(4);
  request.mutable_options()->set_repeats(1);
  grpc::ClientContext context;
  auto reader = stub_->ScoreArchitectures(&context, request);
  StreamResult<v1::ScoreArchitecturesResponse> got = ReadAll(reader.get());
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  ASSERT_EQ(got.messages.size(), archs.size());
  std::set<int> indices;
  for (const auto& item : got.messages) {
    ASSERT_GE(item.index(), 0);
    ASSERT_LT(item.index(), static_cast<int>(archs.size()));
    EXPECT_TRUE(indices.insert(item.index()).second)
        << "index " << item.index() << " twice";
    ASSERT_TRUE(item.has_result())
        << "index " << item.index() << ": " << item.error().message();
    ExpectValidScore(item.result(), archs[item.index()], 1);
  }
  EXPECT_EQ(indices.size(), archs.size());
}

TEST_F(ScorerServerTest, GetServerInfoDescribesServer) {
  v1::GetServerInfoResponse info = ServerInfo(*stub_);
  EXPECT_EQ(info.device(), "cpu");
  EXPECT_FALSE(info.version().empty());
  EXPECT_FALSE(info.torch_version().empty());
  const server::ServerOptions defaults = TestServerOptions();
  EXPECT_EQ(info.queue_capacity(), defaults.max_queue);
  EXPECT_EQ(info.workers(), defaults.workers);
  EXPECT_EQ(info.threads_per_worker(), defaults.threads);
  EXPECT_EQ(info.queue_depth(), 0);
  EXPECT_EQ(info.busy_workers(), 0);
  EXPECT_EQ(info.active_searches(), 0);
  ASSERT_EQ(info.datasets_size(), 1);
  EXPECT_EQ(info.datasets(0).name(), "cifar10");
  EXPECT_EQ(info.datasets(0).num_classes(), 10);
  EXPECT_GT(info.datasets(0).images(), 0);
  EXPECT_GT(info.datasets(0).memory_bytes(), 0);
  EXPECT_EQ(info.datasets(0).source(), "bundled sample");
}

// A DARTS genotype message that is valid; the cases below break one field.
v1::DartsGenotype ValidDartsGenotype() {
  v1::DartsGenotype g;
  const std::vector<std::pair<std::string, int>> items = {
      {"sep_conv_3x3", 0}, {"sep_conv_3x3", 1}, {"skip_connect", 0},
      {"sep_conv_3x3", 1}, {"skip_connect", 0}, {"dil_conv_3x3", 2},
      {"sep_conv_3x3", 0}, {"skip_connect", 3}};
  for (const auto& [op, input] : items) {
    v1::GenotypeItem* n = g.add_normal();
    n->set_op(op);
    n->set_input(input);
    v1::GenotypeItem* r = g.add_reduce();
    r->set_op(op == "skip_connect" ? "max_pool_3x3" : op);
    r->set_input(input);
  }
  return g;
}

struct InvalidCase {
  std::string name;
  std::function<void(v1::ScoreArchitectureRequest*)> mutate;
  std::string field;      // the message must name it ...
  std::string bad_value;  // ... and the bad value, when not empty
};

// Sets an enum field to a number outside the enum (proto3 keeps it).
void SetRawEnum(google::protobuf::Message* message, const std::string& field,
                int value) {
  const auto* descriptor = message->GetDescriptor()->FindFieldByName(field);
  ASSERT_NE(descriptor, nullptr) << field;
  message->GetReflection()->SetEnumValue(message, descriptor, value);
}

TEST_F(ScorerServerTest, MalformedRequestsAreInvalidArgumentNamingTheField) {
  const std::vector<InvalidCase> cases = {
      {"architecture not set",
       [](auto* r) { r->mutable_architecture()->Clear(); }, "architecture", ""},
      {"malformed nb201_arch",
       [](auto* r) {
         r->mutable_architecture()->set_nb201_arch("|conv_7x7~0|+|bogus");
       },
       "architecture.nb201_arch", ""},
      {"nb201_arch with a wrong input index",
       [](auto* r) {
         r->mutable_architecture()->set_nb201_arch(
             "|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|+"
             "|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|");
       },
       "architecture.nb201_arch", ""},
      {"malformed darts_genotype_text",
       [](auto* r) {
         r->mutable_architecture()->set_darts_genotype_text(
             "Genotype(normal=[('sep_conv_3x3', 0)");
       },
       "architecture.darts_genotype_text", ""},
      {"darts_genotype with 3 normal items",
       [](auto* r) {
         v1::DartsGenotype g = ValidDartsGenotype();
         g.mutable_normal()->DeleteSubrange(3, 5);
         *r->mutable_architecture()->mutable_darts_genotype() = g;
       },
       "architecture.darts_genotype.normal", "3"},
      {"darts_genotype with 9 reduce items",
       [](auto* r) {
         v1::DartsGenotype g = ValidDartsGenotype();
         *g.add_reduce() = g.reduce(0);
         *r->mutable_architecture()->mutable_darts_genotype() = g;
       },
       "architecture.darts_genotype.reduce", "9"},
      {"darts_genotype with a bad op",
       [](auto* r) {
         v1::DartsGenotype g = ValidDartsGenotype();
         g.mutable_normal(2)->set_op("conv_9x9");
         *r->mutable_architecture()->mutable_darts_genotype() = g;
       },
       "architecture.darts_genotype.normal[2].op", "conv_9x9"},
      {"darts_genotype with a bad input",
       [](auto* r) {
         v1::DartsGenotype g = ValidDartsGenotype();
         g.mutable_reduce(3)->set_input(7);
         *r->mutable_architecture()->mutable_darts_genotype() = g;
       },
       "architecture.darts_genotype.reduce[3].input", "7"},
      {"darts_genotype with a negative input",
       [](auto* r) {
         v1::DartsGenotype g = ValidDartsGenotype();
         g.mutable_normal(0)->set_input(-1);
         *r->mutable_architecture()->mutable_darts_genotype() = g;
       },
       "architecture.darts_genotype.normal[0].input", "-1"},
      {"unknown dataset", [](auto* r) { r->set_dataset("mnist"); }, "dataset",
       "mnist"},
      {"dataset not loaded", [](auto* r) { r->set_dataset("cifar100"); },
       "dataset", "cifar100"},
      {"repeats too large",
       [](auto* r) { r->mutable_options()->set_repeats(1000); },
       "options.repeats", "1000"},
      {"repeats negative",
       [](auto* r) { r->mutable_options()->set_repeats(-2); },
       "options.repeats", "-2"},
      {"batch_size 1", [](auto* r) { r->mutable_options()->set_batch_size(1); },
       "options.batch_size", "1"},
      {"batch_size too large",
       [](auto* r) { r->mutable_options()->set_batch_size(100000); },
       "options.batch_size", "100000"},
      {"batch_size negative",
       [](auto* r) { r->mutable_options()->set_batch_size(-8); },
       "options.batch_size", "-8"},
      {"init not in the enum",
       [](auto* r) { SetRawEnum(r->mutable_options(), "init", 7); },
       "options.init", "7"},
      {"measures not in the enum",
       [](auto* r) { SetRawEnum(r->mutable_options(), "measures", 9); },
       "options.measures", "9"},
  };
  for (const InvalidCase& c : cases) {
    SCOPED_TRACE(c.name);
    v1::ScoreArchitectureRequest request = ScoreRequest(kSkipArch);
    c.mutate(&request);
    v1::ScoreArchitectureResponse response;
    grpc::Status status = Score(*stub_, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << status.error_message();
    EXPECT_TRUE(HasText(status.error_message(), c.field + ":"));
    if (!c.bad_value.empty()) {
      EXPECT_TRUE(HasText(status.error_message(), c.bad_value));
    }
  }
  // Nothing was queued.
  EXPECT_EQ(ServerInfo(*stub_).queue_depth(), 0);
}

TEST_F(ScorerServerTest, ScoreArchitectureAcceptsDartsGenotypeInBothForms) {
  v1::ScoreArchitectureRequest request = ScoreRequest(kSkipArch, 3, 2, 1);
  *request.mutable_architecture()->mutable_darts_genotype() =
      ValidDartsGenotype();
  v1::ScoreArchitectureResponse from_message;
  grpc::Status status = Score(*stub_, request, &from_message);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(from_message.space(), "darts");
  EXPECT_EQ(from_message.device(), "cpu");
  EXPECT_TRUE(HasText(from_message.arch(), "Genotype(normal=["));
  ASSERT_EQ(from_message.repeats_size(), 1);
  EXPECT_GE(from_message.repeats(0).ntk_condition_number(), 1.0);
  EXPECT_GE(from_message.repeats(0).linear_regions(), 1.0);
  EXPECT_LE(from_message.repeats(0).linear_regions(), 3000.0);

  // The canonical text parses back to the same genotype and score.
  request.mutable_architecture()->set_darts_genotype_text(from_message.arch());
  v1::ScoreArchitectureResponse from_text;
  status = Score(*stub_, request, &from_text);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(from_text.arch(), from_message.arch());
  EXPECT_EQ(from_text.ntk_condition_number(),
            from_message.ntk_condition_number());
  EXPECT_EQ(from_text.linear_regions(), from_message.linear_regions());
}

TEST_F(ScorerServerTest, MeasuresOptionSelectsWhatIsComputed) {
  v1::ScoreArchitectureRequest request = ScoreRequest(kMixedArch, 4);
  request.mutable_options()->set_measures(v1::MEASURES_NTK_ONLY);
  v1::ScoreArchitectureResponse r;
  grpc::Status status = Score(*stub_, request, &r);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(r.repeats_size(), 1);
  EXPECT_GE(r.repeats(0).ntk_condition_number(), 1.0);
  EXPECT_EQ(r.repeats(0).linear_regions(), 0.0);
  EXPECT_EQ(r.timing().linear_regions_seconds(), 0.0);

  request.mutable_options()->set_measures(v1::MEASURES_LINEAR_REGIONS_ONLY);
  status = Score(*stub_, request, &r);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(r.repeats_size(), 1);
  EXPECT_EQ(r.repeats(0).ntk_condition_number(), 0.0);
  EXPECT_GE(r.repeats(0).linear_regions(), 1.0);
  EXPECT_EQ(r.timing().ntk_seconds(), 0.0);
}

grpc::Status ScoreMany(Stub& stub, const v1::ScoreArchitecturesRequest& request,
                       int* messages) {
  grpc::ClientContext context;
  auto reader = stub.ScoreArchitectures(&context, request);
  StreamResult<v1::ScoreArchitecturesResponse> got = ReadAll(reader.get());
  *messages = static_cast<int>(got.messages.size());
  return got.status;
}

TEST_F(ScorerServerTest, ScoreArchitecturesRejectsEmptyOrBadArchitectures) {
  v1::ScoreArchitecturesRequest request;
  request.mutable_options()->set_batch_size(4);
  request.mutable_options()->set_repeats(1);
  int messages = -1;
  grpc::Status status = ScoreMany(*stub_, request, &messages);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(HasText(status.error_message(), "architectures:"));
  EXPECT_EQ(messages, 0);

  // A malformed architecture is its item's error; the others are scored
  // (docs/API.md: a failure of one item is an item).
  request.add_architectures()->set_nb201_arch(kSkipArch);
  request.add_architectures()->set_nb201_arch(kConvArch);
  request.add_architectures()->set_nb201_arch("|skip_connect~0|+|oops|");
  request.add_architectures();  // not set
  {
    grpc::ClientContext context;
    GuardAgainstHangs(&context);
    auto reader = stub_->ScoreArchitectures(&context, request);
    StreamResult<v1::ScoreArchitecturesResponse> got = ReadAll(reader.get());
    ASSERT_TRUE(got.status.ok()) << got.status.error_message();
    ASSERT_EQ(got.messages.size(), 4u);
    std::map<int, v1::ScoreArchitecturesResponse> item;
    for (const auto& m : got.messages) item[m.index()] = m;
    EXPECT_TRUE(item[0].has_result());
    EXPECT_TRUE(item[1].has_result());
    EXPECT_EQ(item[2].error().code(),
              static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
    EXPECT_TRUE(
        HasText(item[2].error().message(), "architectures[2].nb201_arch"));
    EXPECT_EQ(item[3].error().code(),
              static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
    EXPECT_TRUE(HasText(item[3].error().message(), "architectures[3]:"));
  }

  request.mutable_architectures()->DeleteSubrange(2, 2);
  request.mutable_options()->set_repeats(500);
  status = ScoreMany(*stub_, request, &messages);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(HasText(status.error_message(), "options.repeats"));

  request.mutable_options()->set_repeats(1);
  request.set_dataset("cifar100");
  status = ScoreMany(*stub_, request, &messages);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(HasText(status.error_message(), "dataset"));
  EXPECT_EQ(ServerInfo(*stub_).queue_depth(), 0);
}

TEST_F(ScorerServerTest, DeadlineStopsTheWork) {
  const double evaluations = NtkEvaluations();
  // The only worker is held, so the score waits in the queue until its
  // deadline has passed whatever the machine's speed.
  WorkerHold hold(server_->engine());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(300));
  v1::ScoreArchitectureResponse response;
  grpc::Status status =
      stub_->ScoreArchitecture(&context, SlowScoreRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << status.error_message();
  EXPECT_EQ(ServerInfo(*stub_).queue_depth(), 1);  // still waiting
  hold.Release();
  // The expired score never runs to its end (it takes tens of seconds; a
  // cancelled one stops before it starts or within one backward pass).
  ASSERT_TRUE(WaitUntilIdle(*server_));
  EXPECT_EQ(NtkEvaluations(), evaluations);
  // And the worker serves the next request.
  v1::ScoreArchitectureResponse r;
  status = Score(*stub_, ScoreRequest(kSkipArch, /*seed=*/301), &r);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(r.cached());
  EXPECT_EQ(NtkEvaluations(), evaluations + 1);
}

TEST_F(ScorerServerTest, ClientCancelStopsTheWorkMidEvaluation) {
  const double evaluations = NtkEvaluations();
  grpc::ClientContext context;
  v1::ScoreArchitectureResponse response;
  grpc::Status status;
  std::thread call([&] {
    status = stub_->ScoreArchitecture(&context, SlowScoreRequest(3), &response);
  });
  // Cancel once the worker is evaluating it.
  EXPECT_TRUE(WaitUntilBusy(*server_, 1));
  context.TryCancel();
  call.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  // The worker stops within one backward pass instead of finishing the
  // score: it becomes free with no evaluation recorded.
  ASSERT_TRUE(WaitUntilIdle(*server_));
  EXPECT_EQ(NtkEvaluations(), evaluations);
}

// --- A full queue -----------------------------------------------------------

TEST(ServerQueueTest, FullQueueAnswersResourceExhausted) {
  server::ServerOptions options = TestServerOptions();
  options.workers = 1;
  options.max_queue = 1;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());

  // A held job occupies the worker and a second one fills the queue.
  WorkerHold hold(server->engine());
  std::atomic<bool> filler_ran{false};
  ASSERT_TRUE(server->engine().TrySubmit([&] { filler_ran = true; }).ok());
  v1::GetServerInfoResponse info = ServerInfo(*stub);
  EXPECT_EQ(info.busy_workers(), 1);
  EXPECT_EQ(info.queue_depth(), 1);

  v1::ScoreArchitectureResponse r;
  grpc::Status status = Score(*stub, ScoreRequest(kSkipArch), &r);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
  EXPECT_TRUE(HasText(status.error_message(), "queue"));
  // A streamed batch gets per-item errors for what does not fit.
  v1::ScoreArchitecturesRequest many;
  many.add_architectures()->set_nb201_arch(kSkipArch);
  many.mutable_options()->set_batch_size(4);
  many.mutable_options()->set_repeats(1);
  {
    grpc::ClientContext context;
    auto reader = stub->ScoreArchitectures(&context, many);
    StreamResult<v1::ScoreArchitecturesResponse> got = ReadAll(reader.get());
    EXPECT_TRUE(got.status.ok()) << got.status.error_message();
    ASSERT_EQ(got.messages.size(), 1u);
    EXPECT_TRUE(got.messages[0].has_error());
    EXPECT_EQ(got.messages[0].error().code(),
              static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED));
    EXPECT_TRUE(HasText(got.messages[0].error().message(), "--max-queue"));
  }

  // Overloaded is not down: once drained, the server scores again.
  hold.Release();
  ASSERT_TRUE(WaitUntilIdle(*server));
  EXPECT_TRUE(filler_ran.load());
  status = Score(*stub, ScoreRequest(kSkipArch), &r);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

// --- Health
// -------------------------------------------------------------------

// Writes a CIFAR-100 train.bin of `records` random records into a new
// temporary folder and returns the folder.
std::string MakeCifar100Dir(int records) {
  std::string pattern =
      (std::filesystem::path(::testing::TempDir()) / "tenas_c100_XXXXXX")
          .string();
  const char* dir = ::mkdtemp(pattern.data());
  EXPECT_NE(dir, nullptr);
  if (dir == nullptr) return "";
  constexpr size_t kRecord = 2 + 3 * 32 * 32;
  std::vector<uint8_t> bytes(kRecord * static_cast<size_t>(records));
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i + 8 <= bytes.size(); i += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::memcpy(&bytes[i], &x, 8);
  }
  for (int i = 0; i < records; ++i) {
    bytes[i * kRecord] %= 20;       // coarse label
    bytes[i * kRecord + 1] %= 100;  // fine label
  }
  std::ofstream out(std::filesystem::path(dir) / "train.bin", std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  EXPECT_TRUE(out.good());
  return dir;
}

grpc::health::v1::HealthCheckResponse::ServingStatus Health(
    grpc::health::v1::Health::Stub& stub, const std::string& service) {
  grpc::ClientContext context;
  GuardAgainstHangs(&context);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub.Check(&context, request, &response);
  EXPECT_TRUE(status.ok()) << service << ": " << status.error_message();
  return response.status();
}

TEST(ServerHealthTest, NotServingUntilDatasetsLoadedThenServing) {
  using grpc::health::v1::HealthCheckResponse;
  const std::string dir = MakeCifar100Dir(1200);
  ASSERT_FALSE(dir.empty());
  // The datasets load only once the test lets them.
  absl::Notification load;
  server::ServerOptions options = TestServerOptions();
  options.datasets = {{"cifar10", ""}, {"cifar100", dir}};
  options.before_loading = [&load] { load.WaitForNotification(); };
  auto server = StartServer(options, /*wait_ready=*/false);
  ASSERT_NE(server, nullptr);
  // Declared after the server, so destroyed before it: a failed assertion
  // still lets the loader (which the server joins) finish.
  absl::Cleanup let_load = [&load] {
    if (!load.HasBeenNotified()) load.Notify();
  };
  auto channel = Connect(server->port());
  auto health = grpc::health::v1::Health::NewStub(channel);
  auto stub = v1::ArchitectureScorer::NewStub(channel);

  EXPECT_EQ(Health(*health, ""), HealthCheckResponse::SERVING);  // live
  EXPECT_EQ(Health(*health, kServiceName), HealthCheckResponse::NOT_SERVING);
  v1::ScoreArchitectureResponse r;
  grpc::Status status = Score(*stub, ScoreRequest(kSkipArch), &r);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  {
    grpc::ClientContext context;
    auto reader = stub->RunSearch(&context, SearchRequest());
    StreamResult<v1::SearchEvent> got = ReadAll(reader.get());
    EXPECT_EQ(got.status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_TRUE(got.messages.empty());
  }
  EXPECT_EQ(WatchAll(*stub, "s-0", 0).status.error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // GetServerInfo answers while loading, with no dataset yet.
  EXPECT_EQ(ServerInfo(*stub).datasets_size(), 0);

  load.Notify();
  ASSERT_TRUE(server->WaitUntilReady().ok());
  EXPECT_EQ(Health(*health, kServiceName), HealthCheckResponse::SERVING);
  EXPECT_EQ(Health(*health, ""), HealthCheckResponse::SERVING);
  v1::GetServerInfoResponse info = ServerInfo(*stub);
  ASSERT_EQ(info.datasets_size(), 2);
  EXPECT_EQ(info.datasets(1).name(), "cifar100");
  EXPECT_EQ(info.datasets(1).images(), 1200);
  v1::ScoreArchitectureRequest request = ScoreRequest(kSkipArch);
  request.set_dataset("cifar100");
  status = Score(*stub, request, &r);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(r.dataset(), "cifar100");

  server->Shutdown();
  std::filesystem::remove_all(dir);
}

TEST(ServerHealthTest, FailedDatasetLoadStaysNotServing) {
  using grpc::health::v1::HealthCheckResponse;
  server::ServerOptions options = TestServerOptions();
  options.datasets = {{"cifar100", "/nonexistent/tenas/cifar100"}};
  auto server = StartServer(options, /*wait_ready=*/false);
  ASSERT_NE(server, nullptr);
  absl::Status ready = server->WaitUntilReady();
  EXPECT_FALSE(ready.ok());
  EXPECT_TRUE(HasText(std::string(ready.message()), "cifar100"));
  auto channel = Connect(server->port());
  auto health = grpc::health::v1::Health::NewStub(channel);
  EXPECT_EQ(Health(*health, ""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Health(*health, kServiceName), HealthCheckResponse::NOT_SERVING);
  auto stub = v1::ArchitectureScorer::NewStub(channel);
  v1::ScoreArchitectureResponse r;
  EXPECT_EQ(Score(*stub, ScoreRequest(kSkipArch), &r).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

// --- Concurrency
// ----------------------------------------------------------------

TEST(ServerConcurrencyTest, ConcurrentScoresEqualScoresAlone) {
  server::ServerOptions options = TestServerOptions();
  options.workers = 2;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());

  constexpr int kThreads = 8;
  constexpr int kPerThread = 2;
  const std::vector<std::string> archs = {kConvArch, kMixedArch, kSkipArch,
                                          kPoolArch};
  std::vector<v1::ScoreArchitectureRequest> requests;
  for (int t = 0; t < kThreads; ++t) {
    for (int k = 0; k < kPerThread; ++k) {
      requests.push_back(ScoreRequest(archs[(t + k) % archs.size()],
                                      /*seed=*/100 * k + t, /*batch_size=*/4,
                                      /*repeats=*/2));
    }
  }

  // All at once: 8 threads, each with its 2 calls in flight together.
  std::vector<v1::ScoreArchitectureResponse> together(requests.size());
  std::vector<grpc::Status> statuses(requests.size());
  absl::Notification go;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      go.WaitForNotification();
      grpc::ClientContext contexts[kPerThread];
      absl::Notification done[kPerThread];
      for (int k = 0; k < kPerThread; ++k) {
        const size_t i = static_cast<size_t>(t * kPerThread + k);
        stub->async()->ScoreArchitecture(
            &contexts[k], &requests[i], &together[i],
            [&statuses, &done, i, k](grpc::Status s) {
              statuses[i] = std::move(s);
              done[k].Notify();
            });
      }
      for (auto& d : done) d.WaitForNotification();
    });
  }
  go.Notify();
  for (auto& t : threads) t.join();

  // The requests differ, and so do their scores.
  std::set<double> kappas;
  for (const auto& r : together) kappas.insert(r.ntk_condition_number());
  EXPECT_GT(kappas.size(), 4u);

  // Then one at a time.
  for (size_t i = 0; i < requests.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("request ", i, ": ",
                              requests[i].architecture().nb201_arch(), " seed ",
                              requests[i].options().seed()));
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    v1::ScoreArchitectureResponse alone;
    grpc::Status status = Score(*stub, requests[i], &alone);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(together[i].repeats_size(), 2);
    ASSERT_EQ(alone.repeats_size(), 2);
    for (int r = 0; r < 2; ++r) {
      EXPECT_EQ(together[i].repeats(r).ntk_condition_number(),
                alone.repeats(r).ntk_condition_number())
          << "repeat " << r;
      EXPECT_EQ(together[i].repeats(r).linear_regions(),
                alone.repeats(r).linear_regions())
          << "repeat " << r;
    }
    EXPECT_EQ(together[i].ntk_condition_number(), alone.ntk_condition_number());
    EXPECT_EQ(together[i].linear_regions(), alone.linear_regions());
    EXPECT_EQ(together[i].arch(), alone.arch());
  }
}

// --- Metrics
// --------------------------------------------------------------------

TEST(ServerMetricsTest, PrometheusTextCountsRequestsAndEvaluations) {
  auto server = StartServer(TestServerOptions());
  ASSERT_NE(server, nullptr);
  ASSERT_GT(server->metrics_port(), 0);
  auto stub = NewStub(server->port());
  for (uint64_t seed : {1, 2}) {
    v1::ScoreArchitectureResponse r;
    grpc::Status status = Score(*stub, ScoreRequest(kSkipArch, seed), &r);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  for (int repeats : {-1, 101, 1000}) {
    v1::ScoreArchitectureRequest request = ScoreRequest(kSkipArch);
    request.mutable_options()->set_repeats(repeats);
    v1::ScoreArchitectureResponse r;
    EXPECT_EQ(Score(*stub, request, &r).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  ServerInfo(*stub);

  // Calls are counted once over on the server: wait for the last one.
  const std::string text =
      ScrapeUntil(server->metrics_port(), [](const std::string& t) {
        return FindSample(t, "tenas_requests_total",
                          {{"method", "GetServerInfo"}})
                   .has_value() &&
               FindSample(t, "tenas_request_duration_seconds_count",
                          {{"method", "ScoreArchitecture"}}) == 5.0;
      });
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(FindSample(text, "tenas_requests_total",
                       {{"method", "ScoreArchitecture"}, {"code", "OK"}}),
            2.0)
      << text;
  EXPECT_EQ(FindSample(text, "tenas_requests_total",
                       {{"method", "ScoreArchitecture"},
                        {"code", "INVALID_ARGUMENT"}}),
            3.0);
  EXPECT_EQ(FindSample(text, "tenas_requests_total",
                       {{"method", "GetServerInfo"}, {"code", "OK"}}),
            1.0);
  EXPECT_EQ(FindSample(text, "tenas_request_duration_seconds_count",
                       {{"method", "ScoreArchitecture"}}),
            5.0);
  // One NTK and one linear-region evaluation per repeat.
  EXPECT_EQ(FindSample(text, "tenas_evaluation_duration_seconds_count",
                       {{"metric", "ntk"}, {"space", "nb201"}}),
            2.0);
  EXPECT_EQ(FindSample(text, "tenas_evaluations_total",
                       {{"metric", "ntk"}, {"space", "nb201"}}),
            2.0);
  EXPECT_EQ(FindSample(text, "tenas_evaluations_total",
                       {{"metric", "linear_regions"}, {"space", "nb201"}}),
            2.0);
  EXPECT_EQ(
      FindSample(text, "tenas_queue_wait_seconds_count", {{"class", "score"}}),
      2.0);
  // Depth updates reach the gauge in order (under the queue's lock), so an
  // idle server shows an empty queue.
  EXPECT_EQ(FindSample(text, "tenas_queue_depth", {{"class", "score"}})
                .value_or(-1.0),
            0.0);
  EXPECT_EQ(FindSample(text, "tenas_dataset_images", {{"dataset", "cifar10"}}),
            static_cast<double>(ServerInfo(*stub).datasets(0).images()));
  EXPECT_EQ(FindSample(text, "tenas_build_info", {{"device", "cpu"}}), 1.0);
}

}  // namespace
}  // namespace tenas::server_test
