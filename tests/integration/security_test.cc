// Copyright 2026 The tenas Authors.
//
// TLS (server certificate, optional client certificates) and bearer-token
// authentication, with certificates made at test time by Debian's openssl:
// the right credentials get through, missing or wrong ones get
// UNAVAILABLE (TLS handshake) or UNAUTHENTICATED (token), and the health
// service and /metrics stay open. Bad TLS or token flags fail at start-up
// naming the flag; per-client search limits count by token name.

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
