// Copyright 2026 The tenas Authors.
//
// honest_answers_test.cc: what the server answers is what happened
// (docs/RELIABILITY.md §6.5). An answer too large to send is refused before
// the work and never counted as OK; text that is not UTF-8 is
// INVALID_ARGUMENT naming the field (a request gRPC cannot decode at all is
// UNIMPLEMENTED, which the service never sees); DARTS concat lists the
// scorer would ignore are rejected; one malformed architecture of a
// ScoreArchitectures call is that item's error; CancelSearch answers the
// state it leads to and frees the caller's search slot at once; a failure
// stored without a message is still explained.

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "server/proto_convert.h"
#include "server/state_store.h"
#include "server_testing.h"

namespace tenas::server_test {
namespace {

// Not UTF-8: a lone continuation byte, a truncated sequence, an overlong
// '/', a UTF-16 surrogate, a code point above U+10FFFF.
const std::vector<std::string>& BadUtf8() {
  static const auto* const bad = new std::vector<std::string>{
      "\x80",         "ab\xC3",           "\xC0\xAF",
      "\xED\xA0\x80", "\xF4\x90\x80\x80", "cifar10\xFF"};
  return *bad;
}

// A DARTS genotype message of the published TE-NAS CIFAR-10 genotype with
// the given concats (empty: the default).
v1::DartsGenotype DartsGenotypeProto(const std::vector<int>& normal_concat,
                                     const std::vector<int>& reduce_concat) {
  const darts::Genotype g = darts::TenasCifar10Genotype();
  v1::DartsGenotype out;
  for (const auto& item : g.normal) {
    v1::GenotypeItem* i = out.add_normal();
    i->set_op(std::string(darts::kOpNames[item.op]));
    i->set_input(item.input);
  }
  for (const auto& item : g.reduce) {
    v1::GenotypeItem* i = out.add_reduce();
    i->set_op(std::string(darts::kOpNames[item.op]));
    i->set_input(item.input);
  }
  for (int v : normal_concat) out.add_normal_concat(v);
  for (int v : reduce_concat) out.add_reduce_concat(v);
  return out;
}

// --- Answers too large to send
// ------------------------------------------------

// With --max-message-bytes 1024, 60 repeats make a ScoreArchitecture answer
// of about 1.5 KB. Before, the server computed all 60 repeats, cached the
// answer, failed to send it ("Sent message larger than max") and counted
// the call as OK.
TEST(HonestAnswersTest, AnswerTooLargeToSendIsRefusedBeforeTheWork) {
  server::ServerOptions options = TestServerOptions();
  options.max_message_bytes = 1024;
  options.limits.max_repeats = 100;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());

  v1::ScoreArchitectureRequest request =
      ScoreRequest(kSkipArch, /*seed=*/0, /*batch_size=*/4, /*repeats=*/60);
  request.mutable_options()->set_measures(v1::MEASURES_NTK_ONLY);
  v1::ScoreArchitectureResponse response;
  grpc::Status status = Score(*stub, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
  EXPECT_TRUE(HasText(status.error_message(), "options.repeats"));
  EXPECT_TRUE(HasText(status.error_message(), "--max-message-bytes 1024"));

  // The same in a ScoreArchitectures call: each item's error.
  v1::ScoreArchitecturesRequest many;
  many.add_architectures()->set_nb201_arch(kSkipArch);
  many.add_architectures()->set_nb201_arch(kConvArch);
  *many.mutable_options() = request.options();
  grpc::ClientContext context;
  GuardAgainstHangs(&context);
  auto reader = stub->ScoreArchitectures(&context, many);
  StreamResult<v1::ScoreArchitecturesResponse> items = ReadAll(reader.get());
  ASSERT_TRUE(items.status.ok()) << items.status.error_message();
  ASSERT_EQ(items.messages.size(), 2u);
  for (const auto& item : items.messages) {
    ASSERT_TRUE(item.has_error()) << item.DebugString();
    EXPECT_EQ(item.error().code(),
              static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED));
    EXPECT_TRUE(HasText(item.error().message(), "options.repeats"));
  }

  // Nothing was evaluated, and nothing counted as OK.
  const std::string text =
      ScrapeUntil(server->metrics_port(), [](const std::string& t) {
        return FindSample(t, "tenas_requests_total",
                          {{"method", "ScoreArchitectures"}})
                   .has_value() &&
               FindSample(t, "tenas_requests_total",
                          {{"method", "ScoreArchitecture"}})
                   .has_value();
      });
  EXPECT_EQ(FindSample(text, "tenas_requests_total",
                       {{"method", "ScoreArchitecture"},
                        {"code", "RESOURCE_EXHAUSTED"}}),
            1.0)
      << text;
  EXPECT_FALSE(FindSample(text, "tenas_requests_total",
                          {{"method", "ScoreArchitecture"}, {"code", "OK"}})
                   .has_value());
  EXPECT_FALSE(FindSample(text, "tenas_evaluations_total", {}).has_value());

  // A request whose answer fits is served as usual.
  request.mutable_options()->set_repeats(1);
  status = Score(*stub, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

// --- Text that is not UTF-8
// ----------------------------------------------------

// Before, the request's `string` fields made the decoder refuse such a
// request: UNIMPLEMENTED with an empty message, and a libprotobuf error
// line in the server's log on every call.
TEST(HonestAnswersTest, InvalidUtf8IsInvalidArgumentNamingTheField) {
  auto server = StartServer(TestServerOptions());
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());
  for (const std::string& bad : BadUtf8()) {
    SCOPED_TRACE(absl::StrCat("bytes of size ", bad.size()));
    v1::ScoreArchitectureResponse response;
    v1::ScoreArchitectureRequest request = ScoreRequest(bad);
    grpc::Status status = Score(*stub, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(HasText(status.error_message(),
                        "architecture.nb201_arch: not valid UTF-8"));

    request = ScoreRequest(kSkipArch);
    request.set_dataset(bad);
    status = Score(*stub, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(HasText(status.error_message(), "dataset: not valid UTF-8"));

    request.set_dataset("cifar10");
    request.mutable_architecture()->set_darts_genotype_text(bad);
    status = Score(*stub, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(HasText(status.error_message(),
                        "architecture.darts_genotype_text: not valid UTF-8"));

    *request.mutable_architecture()->mutable_darts_genotype() =
        DartsGenotypeProto({}, {});
    request.mutable_architecture()
        ->mutable_darts_genotype()
        ->mutable_reduce(3)
        ->set_op(bad);
    status = Score(*stub, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(HasText(status.error_message(),
                        "architecture.darts_genotype.reduce[3].op: not valid "
                        "UTF-8"));

    v1::SearchInfo info;
    status = GetSearch(*stub, bad, &info);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(HasText(status.error_message(), "search_id"));
    v1::SearchState state;
    status = CancelSearch(*stub, bad, &state);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(HasText(status.error_message(), "search_id"));
    StreamResult<v1::SearchEvent> watched = WatchAll(*stub, bad, 0);
    EXPECT_EQ(watched.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(HasText(watched.status.error_message(), "search_id"));

    v1::RunSearchRequest search = SearchRequest();
    search.set_dataset(bad);
    grpc::ClientContext context;
    GuardAgainstHangs(&context);
    auto reader = stub->RunSearch(&context, search);
    StreamResult<v1::SearchEvent> run = ReadAll(reader.get());
    EXPECT_EQ(run.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(HasText(run.status.error_message(), "dataset"));
    EXPECT_TRUE(run.messages.empty());
  }
  // Valid UTF-8 beyond ASCII is text like any other: an unknown dataset.
  v1::ScoreArchitectureRequest request = ScoreRequest(kSkipArch);
  request.set_dataset("cifar\xC3\xA9");
  v1::ScoreArchitectureResponse response;
  grpc::Status status = Score(*stub, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(absl::StrContains(status.error_message(), "UTF-8"))
      << status.error_message();
}

// A request gRPC cannot decode (here a length running past the end) never
// reaches the service: gRPC's callback API answers UNIMPLEMENTED with an
// empty message itself. Documented (docs/API.md) rather than hidden.
TEST(HonestAnswersTest, UndecodableRequestIsUnimplementedAsDocumented) {
  auto server = StartServer(TestServerOptions());
  ASSERT_NE(server, nullptr);
  grpc::GenericStub generic(Connect(server->port()));
  const std::string truncated = "\x0a\x10s-0123";  // 16 bytes announced, 6 sent
  grpc::Slice slice(truncated);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  GuardAgainstHangs(&context);
  absl::Notification done;
  grpc::Status status;
  generic.UnaryCall(&context, "/tenas.v1.ArchitectureScorer/GetSearch",
                    grpc::StubOptions(), &request, &response,
                    [&](grpc::Status s) {
                      status = std::move(s);
                      done.Notify();
                    });
  done.WaitForNotification();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED)
      << status.error_message();
}

// --- DARTS concat lists
// ----------------------------------------------------------

// Scoring builds the search network, which concatenates nodes 2-5 whatever
// the genotype says; before, [0], [2, 2, 3] or [2] were accepted and scored
// exactly like [2, 3, 4, 5].
TEST(HonestAnswersTest, DartsConcatOtherThanTheScoredOneIsRejected) {
  struct Case {
    std::vector<int> concat;
    const char* says;
  };
  const std::vector<Case> cases = {
      {{0}, "entry 0 is 0, not an intermediate node (2..5)"},
      {{2, 2, 3}, "entry 1 repeats node 2"},
      {{2}, "only [2, 3, 4, 5] is supported (1 entries given)"},
      {{5, 4, 3, 2}, "only [2, 3, 4, 5] is supported"},
      {{2, 3, 4, 5, 6}, "entry 4 is 6"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.says);
    v1::Architecture arch;
    *arch.mutable_darts_genotype() = DartsGenotypeProto({}, c.concat);
    auto parsed = server::ParseArchitectureProto(arch, "architecture");
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(HasText(std::string(parsed.status().message()),
                        absl::StrCat("architecture.darts_genotype."
                                     "reduce_concat: ",
                                     c.says)));
    // The text form, likewise.
    std::string text(darts::kTenasCifar10Text);
    const std::string list =
        absl::StrCat("[", absl::StrJoin(c.concat, ", "), "]");
    const size_t at = text.find("normal_concat=[2, 3, 4, 5]");
    ASSERT_NE(at, std::string::npos);
    text.replace(at + 14, 12, list);
    v1::Architecture text_arch;
    text_arch.set_darts_genotype_text(text);
    parsed = server::ParseArchitectureProto(text_arch, "architectures[3]");
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_TRUE(HasText(std::string(parsed.status().message()),
                        "architectures[3].darts_genotype_text"));
    EXPECT_TRUE(
        HasText(std::string(parsed.status().message()), "normal_concat"));
  }
  // Accepted: empty (the default), [2, 3, 4, 5] and range(2, 6).
  for (const std::vector<int>& ok :
       {std::vector<int>{}, std::vector<int>{2, 3, 4, 5}}) {
    v1::Architecture arch;
    *arch.mutable_darts_genotype() = DartsGenotypeProto(ok, ok);
    auto parsed = server::ParseArchitectureProto(arch, "architecture");
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->darts->normal_concat, (std::vector<int>{2, 3, 4, 5}));
  }
  std::string text(darts::kTenasCifar10Text);
  text.replace(text.find("[2, 3, 4, 5]"), 12, "range(2, 6)");
  v1::Architecture text_arch;
  text_arch.set_darts_genotype_text(text);
  EXPECT_TRUE(server::ParseArchitectureProto(text_arch, "a").ok());
}

// Six million entries (a 6 MB request; before, an 18 MB answer that could
// not be sent) are refused with a short message, after looking at five.
TEST(HonestAnswersTest, HugeDartsConcatIsRejectedCheaply) {
  auto server = StartServer(TestServerOptions());
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());
  v1::ScoreArchitectureRequest request;
  request.set_dataset("cifar10");
  *request.mutable_architecture()->mutable_darts_genotype() =
      DartsGenotypeProto({}, {});
  auto* concat = request.mutable_architecture()
                     ->mutable_darts_genotype()
                     ->mutable_normal_concat();
  concat->Resize(6'000'000, 2);
  v1::ScoreArchitectureResponse response;
  grpc::Status status = Score(*stub, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(HasText(status.error_message(),
                      "architecture.darts_genotype.normal_concat: entry 1 "
                      "repeats node 2"));
  EXPECT_LT(status.error_message().size(), 200u);
}

// --- ScoreArchitectures: one malformed item
// --------------------------------------

TEST(HonestAnswersTest, MalformedArchitectureIsAnItemErrorOthersAreScored) {
  auto server = StartServer(TestServerOptions());
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());
  v1::ScoreArchitecturesRequest request;
  request.add_architectures()->set_nb201_arch(kSkipArch);
  request.add_architectures()->set_nb201_arch("|conv_9x9~0|+");
  request.add_architectures();  // nothing set
  request.add_architectures()->set_nb201_arch(kPoolArch);
  request.set_dataset("cifar10");
  request.mutable_options()->set_batch_size(4);
  request.mutable_options()->set_repeats(1);
  grpc::ClientContext context;
  GuardAgainstHangs(&context);
  auto reader = stub->ScoreArchitectures(&context, request);
  StreamResult<v1::ScoreArchitecturesResponse> got = ReadAll(reader.get());
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  std::map<int, v1::ScoreArchitecturesResponse> by_index;
  for (const auto& item : got.messages) by_index[item.index()] = item;
  ASSERT_EQ(by_index.size(), 4u);
  for (int i : {0, 3}) {
    EXPECT_TRUE(by_index[i].has_result()) << by_index[i].DebugString();
  }
  EXPECT_EQ(by_index[0].result().arch(), kSkipArch);
  EXPECT_EQ(by_index[3].result().arch(), kPoolArch);
  for (int i : {1, 2}) {
    ASSERT_TRUE(by_index[i].has_error()) << by_index[i].DebugString();
    EXPECT_EQ(by_index[i].error().code(),
              static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
    EXPECT_TRUE(HasText(by_index[i].error().message(),
                        absl::StrCat("architectures[", i, "]")));
  }
}

// --- CancelSearch
// ------------------------------------------------------------------

// Before, CancelSearch answered RUNNING, and the search kept its client's
// only slot until it had stopped: an immediate resubmit got
// RESOURCE_EXHAUSTED.
TEST(HonestAnswersTest, CancelAnswersCancellingAndFreesTheClientsSlot) {
  server::ServerOptions options = TestServerOptions();
  options.max_searches_per_client = 1;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());

  grpc::ClientContext first_context;
  GuardAgainstHangs(&first_context);
  auto first = stub->RunSearch(&first_context, SearchRequest(/*seed=*/1));
  v1::SearchEvent event;
  ASSERT_TRUE(first->Read(&event));
  const std::string id = event.search_id();

  v1::SearchState state = v1::SEARCH_STATE_UNSPECIFIED;
  grpc::Status status = CancelSearch(*stub, id, &state);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // CANCELLED if it had already stopped; never RUNNING.
  EXPECT_TRUE(state == v1::SEARCH_STATE_CANCELLING ||
              state == v1::SEARCH_STATE_CANCELLED)
      << v1::SearchState_Name(state);

  // At once, with --max-searches-per-client 1: a new search starts.
  grpc::ClientContext second_context;
  GuardAgainstHangs(&second_context);
  auto second = stub->RunSearch(&second_context, SearchRequest(/*seed=*/2));
  v1::SearchEvent second_event;
  ASSERT_TRUE(second->Read(&second_event)) << second->Finish().error_message();
  const std::string second_id = second_event.search_id();
  EXPECT_NE(second_id, id);

  // Cancelling again answers the same (or the end it reached).
  status = CancelSearch(*stub, id, &state);
  ASSERT_TRUE(status.ok());
  EXPECT_NE(state, v1::SEARCH_STATE_RUNNING);
  // The first ends CANCELLED and reads so.
  StreamResult<v1::SearchEvent> rest = ReadAll(first.get());
  EXPECT_EQ(rest.status.error_code(), grpc::StatusCode::CANCELLED);
  v1::SearchInfo info;
  ASSERT_TRUE(GetSearch(*stub, id, &info).ok());
  EXPECT_EQ(info.state(), v1::SEARCH_STATE_CANCELLED);

  ASSERT_TRUE(CancelSearch(*stub, second_id, &state).ok());
  StreamResult<v1::SearchEvent> second_rest = ReadAll(second.get());
  EXPECT_EQ(second_rest.status.error_code(), grpc::StatusCode::CANCELLED);
}

// --- A stored failure without a message
// -----------------------------------------

// A FAILED search stored with no error text used to end WatchSearch with
// its code and an empty message; it now says which search it is.
TEST(HonestAnswersTest, StoredFailureWithoutAMessageIsExplained) {
  const std::string dir = FreshTempDir("honest_empty_error");
  {
    auto store = server::StateStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE(
        (*store)->InsertSearch("s-silent", SearchRequest(), "cifar10").ok());
    ASSERT_TRUE((*store)
                    ->SetSearchState("s-silent", v1::SEARCH_STATE_FAILED,
                                     absl::InternalError(""))
                    .ok());
  }
  server::ServerOptions options = TestServerOptions();
  options.state_dir = dir;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());
  StreamResult<v1::SearchEvent> watched = WatchAll(*stub, "s-silent", 0);
  EXPECT_EQ(watched.status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_TRUE(HasText(watched.status.error_message(), "s-silent"));
  v1::SearchInfo info;
  ASSERT_TRUE(GetSearch(*stub, "s-silent", &info).ok());
  EXPECT_EQ(info.state(), v1::SEARCH_STATE_FAILED);
  EXPECT_TRUE(HasText(info.error(), "s-silent"));
}

}  // namespace
}  // namespace tenas::server_test
