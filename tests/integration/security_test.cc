// Copyright 2026 The tenas Authors.
//
// TLS (server certificate, optional client certificates) and bearer-token
// authentication, with certificates made at test time by Debian's openssl:
// the right credentials get through, missing or wrong ones get
// UNAVAILABLE (TLS handshake) or UNAUTHENTICATED (token), and the health
// service and /metrics stay open. Bad TLS or token flags fail at start-up
// naming the flag; per-client search limits count by token name.
//
// With tokens, searches belong to the token that started them: another
// token gets NOT_FOUND for them (as for an unknown id) and does not list
// them, an admin token sees and cancels all of them, and ownership survives
// a restart on the same --state-dir; without tokens every caller sees every
// search. Server reflection needs a token too.

#include <grpcpp/support/sync_stream.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "grpc/health/v1/health.grpc.pb.h"
#include "server_testing.h"
#include "tenas/v1/scorer.grpc.pb.h"

namespace tenas::server_test {
namespace {

struct Certs {
  std::string dir;
  std::string ca, server_cert, server_key, client_cert, client_key;
};

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A CA, a server certificate for localhost / 127.0.0.1 and a client
// certificate, all signed by the CA (P-256 keys, valid one day).
const Certs& TestCerts() {
  static const Certs* certs = [] {
    auto* c = new Certs;
    c->dir = ::testing::TempDir() + "/certs";
    std::filesystem::remove_all(c->dir);
    std::filesystem::create_directories(c->dir);
    const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1";
    const std::string script = absl::StrCat(
        "set -e; cd '", c->dir, "'; exec >log 2>&1\n", "openssl req -x509 ",
        key,
        " -nodes -keyout ca.key -out ca.pem -days 1 -subj /CN=tenas-test-ca\n",
        "openssl req ", key,
        " -nodes -keyout server.key -out server.csr -subj /CN=localhost\n",
        "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.ext\n",
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key "
        "-CAcreateserial -out server.pem -days 1 -extfile san.ext\n",
        "openssl req ", key,
        " -nodes -keyout client.key -out client.csr -subj /CN=tenas-client\n",
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key "
        "-CAcreateserial -out client.pem -days 1\n");
    std::ofstream(c->dir + "/make.sh") << script;
    const int rc = std::system(("bash '" + c->dir + "/make.sh'").c_str());
    EXPECT_EQ(rc, 0) << Read(c->dir + "/log");
    c->ca = c->dir + "/ca.pem";
    c->server_cert = c->dir + "/server.pem";
    c->server_key = c->dir + "/server.key";
    c->client_cert = c->dir + "/client.pem";
    c->client_key = c->dir + "/client.key";
    return c;
  }();
  return *certs;
}

std::unique_ptr<Stub> TlsStub(int port, bool with_client_cert) {
  const Certs& c = TestCerts();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = Read(c.ca);
  if (with_client_cert) {
    ssl.pem_cert_chain = Read(c.client_cert);
    ssl.pem_private_key = Read(c.client_key);
  }
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  return v1::ArchitectureScorer::NewStub(grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", port), grpc::SslCredentials(ssl), args));
}

grpc::Status Info(Stub& stub, const std::string& token = "") {
  grpc::ClientContext context;
  GuardAgainstHangs(&context);
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  v1::GetServerInfoResponse info;
  return stub.GetServerInfo(&context, v1::GetServerInfoRequest(), &info);
}

constexpr char kAlice[] = "0123456789abcdef-alice";
constexpr char kBob[] = "0123456789abcdef-bob";
constexpr char kRoot[] = "0123456789abcdef-root";

// A token file: alice and bob, and root, an admin.
std::string OwnerTokenFile() {
  const std::string file = ::testing::TempDir() + "/owner_tokens";
  std::ofstream(file) << "alice " << kAlice << "\n"
                      << "bob " << kBob << "\n"
                      << "admin:root " << kRoot << "\n";
  return file;
}

// A context carrying `token` (none when empty).
void Authorize(grpc::ClientContext* context, const std::string& token) {
  GuardAgainstHangs(context);
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
}

// A search started with `token`, running on `context` (kept open so the
// search is not torn down with the stream); its id.
std::string StartSearch(
    Stub& stub, const std::string& token, grpc::ClientContext* context,
    uint64_t seed,
    std::unique_ptr<grpc::ClientReader<v1::SearchEvent>>* reader) {
  Authorize(context, token);
  *reader = stub.RunSearch(context, SearchRequest(seed));
  v1::SearchEvent event;
  EXPECT_TRUE((*reader)->Read(&event));
  return event.search_id();
}

grpc::Status GetAs(Stub& stub, const std::string& token,
                   const std::string& id) {
  grpc::ClientContext context;
  Authorize(&context, token);
  v1::GetSearchRequest request;
  request.set_search_id(id);
  v1::GetSearchResponse response;
  return stub.GetSearch(&context, request, &response);
}

grpc::Status WatchAs(Stub& stub, const std::string& token,
                     const std::string& id) {
  grpc::ClientContext context;
  Authorize(&context, token);
  v1::WatchSearchRequest request;
  request.set_search_id(id);
  return ReadAll(stub.WatchSearch(&context, request).get()).status;
}

grpc::Status CancelAs(Stub& stub, const std::string& token,
                      const std::string& id) {
  grpc::ClientContext context;
  Authorize(&context, token);
  v1::CancelSearchRequest request;
  request.set_search_id(id);
  v1::CancelSearchResponse response;
  return stub.CancelSearch(&context, request, &response);
}

// The ids ListSearches shows `token`.
std::vector<std::string> ListAs(Stub& stub, const std::string& token) {
  grpc::ClientContext context;
  Authorize(&context, token);
  v1::ListSearchesResponse response;
  grpc::Status s =
      stub.ListSearches(&context, v1::ListSearchesRequest(), &response);
  EXPECT_TRUE(s.ok()) << s.error_message();
  std::vector<std::string> ids;
  for (const auto& info : response.searches()) ids.push_back(info.search_id());
  return ids;
}

bool Lists(Stub& stub, const std::string& token, const std::string& id) {
  std::vector<std::string> ids = ListAs(stub, token);
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

TEST(OwnershipTest, ATokenSeesAndCancelsOnlyItsOwnSearches) {
  server::ServerOptions options = TestServerOptions();
  options.auth_token_file = OwnerTokenFile();
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());

  grpc::ClientContext ac;
  std::unique_ptr<grpc::ClientReader<v1::SearchEvent>> ar;
  const std::string alices = StartSearch(*stub, kAlice, &ac, 1, &ar);
  ASSERT_FALSE(alices.empty());

  // Bob: exactly what an unknown id gets.
  const grpc::Status unknown = GetAs(*stub, kBob, "s-0000000000000000");
  ASSERT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  const grpc::Status get = GetAs(*stub, kBob, alices);
  EXPECT_EQ(get.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_FALSE(HasText(get.error_message(), "alice"));
  EXPECT_EQ(WatchAs(*stub, kBob, alices).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(CancelAs(*stub, kBob, alices).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_FALSE(Lists(*stub, kBob, alices));

  // Bob's own search is his; the admin sees both.
  grpc::ClientContext bc;
  std::unique_ptr<grpc::ClientReader<v1::SearchEvent>> br;
  const std::string bobs = StartSearch(*stub, kBob, &bc, 2, &br);
  ASSERT_FALSE(bobs.empty());
  EXPECT_TRUE(Lists(*stub, kBob, bobs));
  EXPECT_FALSE(Lists(*stub, kAlice, bobs));
  EXPECT_EQ(GetAs(*stub, kAlice, bobs).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Lists(*stub, kRoot, alices));
  EXPECT_TRUE(Lists(*stub, kRoot, bobs));
  EXPECT_TRUE(GetAs(*stub, kRoot, alices).ok());

  // Alice sees and cancels hers; bob's is still running after Bob's
  // refused cancel, and the admin cancels it.
  EXPECT_TRUE(GetAs(*stub, kAlice, alices).ok());
  EXPECT_TRUE(Lists(*stub, kAlice, alices));
  EXPECT_TRUE(CancelAs(*stub, kAlice, alices).ok());
  EXPECT_EQ(ReadAll(ar.get()).status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(CancelAs(*stub, kRoot, bobs).ok());
  EXPECT_EQ(ReadAll(br.get()).status.error_code(), grpc::StatusCode::CANCELLED);
  // A finished search stays its owner's.
  EXPECT_EQ(WatchAs(*stub, kBob, alices).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(WatchAs(*stub, kAlice, alices).error_code(),
            grpc::StatusCode::CANCELLED);
  server->Shutdown();
}

TEST(OwnershipTest, OwnershipSurvivesARestart) {
  server::ServerOptions options = TestServerOptions();
  options.auth_token_file = OwnerTokenFile();
  options.state_dir = FreshTempDir("owner_state");
  std::string id;
  {
    auto server = StartServer(options);
    ASSERT_NE(server, nullptr);
    auto stub = NewStub(server->port());
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::SearchEvent>> reader;
    id = StartSearch(*stub, kAlice, &context, 1, &reader);
    ASSERT_FALSE(id.empty());
    EXPECT_TRUE(CancelAs(*stub, kAlice, id).ok());
    ReadAll(reader.get());
    server->Shutdown();
  }
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());
  EXPECT_TRUE(GetAs(*stub, kAlice, id).ok());
  EXPECT_TRUE(Lists(*stub, kAlice, id));
  EXPECT_EQ(GetAs(*stub, kBob, id).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_FALSE(Lists(*stub, kBob, id));
  EXPECT_TRUE(Lists(*stub, kRoot, id));
  server->Shutdown();
}

TEST(OwnershipTest, WithoutTokensEveryCallerSeesEverySearch) {
  auto server = StartServer(TestServerOptions());
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::SearchEvent>> reader;
  const std::string id = StartSearch(*stub, "", &context, 1, &reader);
  ASSERT_FALSE(id.empty());
  // Another channel: another connection, the same anonymous rights.
  auto other = NewStub(server->port());
  EXPECT_TRUE(GetAs(*other, "", id).ok());
  EXPECT_TRUE(Lists(*other, "", id));
  EXPECT_TRUE(CancelAs(*other, "", id).ok());
  EXPECT_EQ(ReadAll(reader.get()).status.error_code(),
            grpc::StatusCode::CANCELLED);
  server->Shutdown();
}

// One grpc.reflection list_services exchange: its status and the bytes of
// the answers.
struct ReflectionAnswer {
  grpc::Status status;
  std::string bytes;
};

ReflectionAnswer ListServicesByReflection(int port, const std::string& token) {
  grpc::ClientContext context;
  Authorize(&context, token);
  auto channel = Connect(port);
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>>
      stream(grpc::internal::ClientReaderWriterFactory<grpc::ByteBuffer,
                                                       grpc::ByteBuffer>::
                 Create(channel.get(),
                        grpc::internal::RpcMethod(
                            "/grpc.reflection.v1alpha.ServerReflection/"
                            "ServerReflectionInfo",
                            grpc::internal::RpcMethod::BIDI_STREAMING),
                        &context));
  // ServerReflectionRequest{list_services: "*"} (field 7).
  const std::string request("\x3a\x01*", 3);
  grpc::Slice slice(request);
  grpc::ByteBuffer out(&slice, 1);
  ReflectionAnswer answer;
  stream->Write(out);
  stream->WritesDone();
  grpc::ByteBuffer in;
  while (stream->Read(&in)) {
    std::vector<grpc::Slice> slices;
    (void)in.Dump(&slices);
    for (const auto& s : slices) {
      answer.bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  answer.status = stream->Finish();
  return answer;
}

TEST(SecurityTest, ReflectionNeedsATokenWhenTokensAreOn) {
  server::ServerOptions options = TestServerOptions();
  options.auth_token_file = OwnerTokenFile();
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  for (const char* token : {"", "0123456789abcdef-wrong"}) {
    ReflectionAnswer denied = ListServicesByReflection(server->port(), token);
    EXPECT_EQ(denied.status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << token;
    EXPECT_FALSE(HasText(denied.bytes, "tenas.v1")) << token;
  }
  ReflectionAnswer allowed = ListServicesByReflection(server->port(), kBob);
  EXPECT_TRUE(allowed.status.ok()) << allowed.status.error_message();
  EXPECT_TRUE(HasText(allowed.bytes, "tenas.v1.ArchitectureScorer"));
  server->Shutdown();

  // Without tokens, reflection is open.
  auto open = StartServer(TestServerOptions());
  ASSERT_NE(open, nullptr);
  ReflectionAnswer answer = ListServicesByReflection(open->port(), "");
  EXPECT_TRUE(answer.status.ok()) << answer.status.error_message();
  EXPECT_TRUE(HasText(answer.bytes, "tenas.v1.ArchitectureScorer"));
  open->Shutdown();
}

TEST(SecurityTest, TlsServesTlsClientsOnly) {
  const Certs& c = TestCerts();
  server::ServerOptions options = TestServerOptions();
  options.tls_cert_file = c.server_cert;
  options.tls_key_file = c.server_key;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(Info(*TlsStub(server->port(), false)).ok());
  v1::ScoreArchitectureResponse response;
  EXPECT_TRUE(
      Score(*TlsStub(server->port(), false), ScoreRequest(kSkipArch), &response)
          .ok());
  // A plaintext client cannot talk to it.
  EXPECT_EQ(Info(*NewStub(server->port())).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST(SecurityTest, MutualTlsRequiresAClientCertificate) {
  const Certs& c = TestCerts();
  server::ServerOptions options = TestServerOptions();
  options.tls_cert_file = c.server_cert;
  options.tls_key_file = c.server_key;
  options.tls_client_ca_file = c.ca;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(Info(*TlsStub(server->port(), true)).ok());
  EXPECT_FALSE(Info(*TlsStub(server->port(), false)).ok());
}

TEST(SecurityTest, BearerTokensGateEveryCallButHealthAndMetrics) {
  const std::string file = ::testing::TempDir() + "/tokens";
  std::ofstream(file) << "# tokens of the test\n"
                      << "alice 0123456789abcdef-alice\n"
                      << "0123456789abcdef-anonymous\n";
  server::ServerOptions options = TestServerOptions();
  options.auth_token_file = file;
  options.max_searches_per_client = 1;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());

  EXPECT_EQ(Info(*stub).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Info(*stub, "0123456789abcdef-wrong").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Info(*stub, "0123456789abcdef-alice").ok());
  EXPECT_TRUE(Info(*stub, "0123456789abcdef-anonymous").ok());
  {
    grpc::ClientContext context;
    v1::ScoreArchitectureResponse response;
    grpc::Status s =
        stub->ScoreArchitecture(&context, ScoreRequest(kSkipArch), &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    auto reader = stub->RunSearch(&context, SearchRequest());
    EXPECT_EQ(ReadAll(reader.get()).status.error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }

  // Health and /metrics need no token.
  auto health =
      grpc::health::v1::Health::NewStub(server_test::Connect(server->port()));
  grpc::ClientContext hc;
  grpc::health::v1::HealthCheckRequest check;
  check.set_service("tenas.v1.ArchitectureScorer");
  grpc::health::v1::HealthCheckResponse reply;
  grpc::Status hs = health->Check(&hc, check, &reply);
  EXPECT_TRUE(hs.ok()) << hs.error_message();
  EXPECT_EQ(reply.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_TRUE(
      HasText(HttpGet(server->metrics_port(), "/metrics"), "tenas_build_info"));

  // Limits count per token name: alice's second search is refused, the
  // other token's is not.
  grpc::ClientContext a1;
  a1.AddMetadata("authorization", "Bearer 0123456789abcdef-alice");
  auto r1 = stub->RunSearch(&a1, SearchRequest(1));
  v1::SearchEvent e1;
  ASSERT_TRUE(r1->Read(&e1));
  grpc::ClientContext a2;
  a2.AddMetadata("authorization", "Bearer 0123456789abcdef-alice");
  auto r2 = stub->RunSearch(&a2, SearchRequest(2));
  StreamResult<v1::SearchEvent> refused = ReadAll(r2.get());
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(
      HasText(refused.status.error_message(), "--max-searches-per-client"));
  grpc::ClientContext b1;
  b1.AddMetadata("authorization", "Bearer 0123456789abcdef-anonymous");
  auto r3 = stub->RunSearch(&b1, SearchRequest(3));
  v1::SearchEvent e3;
  EXPECT_TRUE(r3->Read(&e3));
  a1.TryCancel();
  b1.TryCancel();
  server->Shutdown();
}

TEST(SecurityTest, BadTlsAndTokenFlagsFailAtStartNamingTheFlag) {
  const Certs& c = TestCerts();
  struct Case {
    std::function<void(server::ServerOptions&)> set;
    std::string flag;
  };
  const std::string empty_tokens = ::testing::TempDir() + "/no_tokens";
  std::ofstream(empty_tokens) << "# nothing\n";
  const std::string short_token = ::testing::TempDir() + "/short_token";
  std::ofstream(short_token) << "abc\n";
  const std::string bad_admin = ::testing::TempDir() + "/bad_admin";
  std::ofstream(bad_admin) << "admin: 0123456789abcdef-alice\n";
  std::vector<Case> cases = {
      {[&](auto& o) { o.tls_cert_file = c.server_cert; }, "--tls-key"},
      {[&](auto& o) {
         o.tls_cert_file = "/nonexistent.pem";
         o.tls_key_file = c.server_key;
       },
       "--tls-cert"},
      {[&](auto& o) {
         o.tls_cert_file = c.server_cert;
         o.tls_key_file = c.dir + "/log";  // not PEM
       },
       "--tls-key"},
      {[&](auto& o) { o.tls_client_ca_file = c.ca; }, "--tls-client-ca"},
      {[&](auto& o) { o.auth_token_file = "/nonexistent"; },
       "--auth-token-file"},
      {[&](auto& o) { o.auth_token_file = empty_tokens; }, "--auth-token-file"},
      {[&](auto& o) { o.auth_token_file = short_token; }, "--auth-token-file"},
      {[&](auto& o) { o.auth_token_file = bad_admin; }, "--auth-token-file"},
  };
  for (const Case& k : cases) {
    server::ServerOptions options = TestServerOptions();
    k.set(options);
    auto started = server::TenasServer::Start(options);
    ASSERT_FALSE(started.ok()) << k.flag;
    EXPECT_EQ(started.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(HasText(std::string(started.status().message()), k.flag));
  }
}

TEST(LimitsTest, OversizedMessagesAndPerClientSearchesAreRefused) {
  server::ServerOptions options = TestServerOptions();
  options.max_message_bytes = 4096;
  options.max_searches_per_client = 1;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());
  v1::ScoreArchitectureResponse response;
  grpc::Status big =
      Score(*stub, ScoreRequest(std::string(8192, 'x')), &response);
  EXPECT_EQ(big.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << big.error_message();
  // Each other limit names itself.
  grpc::Status batch =
      Score(*stub, ScoreRequest(kSkipArch, 0, 100000), &response);
  EXPECT_EQ(batch.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(HasText(batch.error_message(), "batch_size"));
  EXPECT_TRUE(HasText(batch.error_message(), "--max-batch-size"));
  grpc::Status repeats =
      Score(*stub, ScoreRequest(kSkipArch, 0, 4, 1000), &response);
  EXPECT_EQ(repeats.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(HasText(repeats.error_message(), "repeats"));
  EXPECT_TRUE(HasText(repeats.error_message(), "--max-repeats"));
  // gRPC's own message for an oversized message names the bound in bytes.
  EXPECT_TRUE(HasText(big.error_message(), "4096")) << big.error_message();

  grpc::ClientContext c1;
  auto r1 = stub->RunSearch(&c1, SearchRequest(1));
  v1::SearchEvent e1;
  ASSERT_TRUE(r1->Read(&e1));
  grpc::ClientContext c2;
  auto r2 = stub->RunSearch(&c2, SearchRequest(2));
  StreamResult<v1::SearchEvent> refused = ReadAll(r2.get());
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(
      HasText(refused.status.error_message(), "--max-searches-per-client 1"));
  c1.TryCancel();
  server->Shutdown();
}

// A 1 MB architecture, genotype, dataset name or search id gives a short
// status message (a 1 MB one is refused by clients as RESOURCE_EXHAUSTED)
// that keeps the code and names the field.
TEST(LimitsTest, HugeInputsGiveShortErrorsNamingTheField) {
  auto server = StartServer(TestServerOptions());
  ASSERT_NE(server, nullptr);
  auto stub = NewStub(server->port());
  const std::string big(1 << 20, 'x');
  constexpr size_t kShort = 512;
  v1::ScoreArchitectureResponse response;

  grpc::Status nb201 =
      Score(*stub, ScoreRequest(absl::StrCat("|", big, "~0|")), &response);
  EXPECT_EQ(nb201.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << nb201.error_message().substr(0, 200);
  EXPECT_LT(nb201.error_message().size(), kShort);
  EXPECT_TRUE(HasText(nb201.error_message(), "architecture.nb201_arch"));
  EXPECT_TRUE(HasText(nb201.error_message(), "unknown op 'xxx"));
  EXPECT_TRUE(HasText(nb201.error_message(), "(1048576 bytes)"));

  v1::ScoreArchitectureRequest darts = ScoreRequest(kSkipArch);
  darts.mutable_architecture()->set_darts_genotype_text(big);
  grpc::Status darts_status = Score(*stub, darts, &response);
  EXPECT_EQ(darts_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(darts_status.error_message().size(), kShort);
  EXPECT_TRUE(HasText(darts_status.error_message(),
                      "architecture.darts_genotype_text"));

  v1::ScoreArchitectureRequest dataset = ScoreRequest(kSkipArch);
  dataset.set_dataset(big);
  grpc::Status dataset_status = Score(*stub, dataset, &response);
  EXPECT_EQ(dataset_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(dataset_status.error_message().size(), kShort);
  EXPECT_TRUE(HasText(dataset_status.error_message(), "dataset: unknown"));

  grpc::ClientContext context;
  GuardAgainstHangs(&context);
  v1::GetSearchRequest get;
  get.set_search_id(big);
  v1::GetSearchResponse got;
  grpc::Status search = stub->GetSearch(&context, get, &got);
  EXPECT_EQ(search.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_LT(search.error_message().size(), kShort);
  EXPECT_TRUE(HasText(search.error_message(), "search_id"));
  server->Shutdown();
}

}  // namespace
}  // namespace tenas::server_test
