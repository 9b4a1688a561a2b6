// gRPC over TLS with SPIFFE authentication, both ends real, on loopback.
#include "grpctls/spiffe_tls.h"

#include <gtest/gtest.h>

#include "common/atomic_file.h"
#include "edgeid/server/v1/health.grpc.pb.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::grpctls {
namespace {

using edgeid::testing::LeafTemplate;
using edgeid::testing::MakeTestCa;
using edgeid::testing::SignLeaf;
using edgeid::testing::TempDir;
using edgeid::testing::TestCa;
using edgeid::testing::Unwrap;
namespace v1 = edgeid::server::v1;

// Answers with the caller's SPIFFE ID, or "anonymous".
class EchoPeerService final : public v1::HealthService::Service {
  grpc::Status Check(grpc::ServerContext* context, const v1::HealthCheckRequest*,
                     v1::HealthCheckResponse* response) override {
    auto peer = PeerSvidOf(*context);
    response->set_trust_domain(peer.ok() ? peer->id.str() : "anonymous");
    return grpc::Status::OK;
  }
};

spiffe::X509Svid Svid(const TestCa& ca, const std::string& id) {
  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto leaf = SignLeaf(LeafTemplate(id), ca, &key);
  return spiffe::X509Svid{Unwrap(spiffe::SpiffeId::Parse(id)), {leaf}, key, ""};
}

class SpiffeTlsTest : public ::testing::Test {
 protected:
  void StartServer(bool allow_anonymous) {
    auto server_svid = Svid(ca_, "spiffe://example.org/edgeid/server");
    ASSERT_TRUE(
        WriteFileAtomic(dir_.File("key.pem"), Unwrap(server_svid.key.ToPkcs8Pem()), 0600).ok());
    ASSERT_TRUE(WriteFileAtomic(dir_.File("svid.pem"), server_svid.leaf().ToPem(), 0644).ok());
    ServerTlsOptions options;
    options.key_file = dir_.File("key.pem");
    options.cert_chain_file = dir_.File("svid.pem");
    options.bundles = bundles_;
    options.authorize = AuthorizeMemberOf(Unwrap(spiffe::TrustDomain::Parse("example.org")));
    options.allow_anonymous_clients = allow_anonymous;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", ServerCredentials(options), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }

  // The caller's ID as the server saw it, or the failed status.
  Result<std::string> Call(std::optional<spiffe::X509Svid> identity,
                           const std::string& expected_server) {
    ChannelTlsOptions options{std::move(identity), bundles_,
                              AuthorizeId(Unwrap(spiffe::SpiffeId::Parse(expected_server)))};
    auto creds = EDGEID_TRY(ChannelCredentials(options));
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_), creds);
    auto stub = v1::HealthService::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::HealthCheckResponse response;
    auto status = stub->Check(&context, {}, &response);
    if (!status.ok()) return Unavailable(status.error_message());
    return response.trust_domain();
  }

  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
  }

  TempDir dir_;
  TestCa ca_ = MakeTestCa("example.org");
  std::shared_ptr<const spiffe::X509BundleSource> bundles_ =
      std::make_shared<StaticX509BundleSource>(
          spiffe::X509Bundle(Unwrap(spiffe::TrustDomain::Parse("example.org")), {ca_.cert}));
  EchoPeerService service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

constexpr char kServerId[] = "spiffe://example.org/edgeid/server";

TEST_F(SpiffeTlsTest, MutualAuthenticationCarriesTheCallersId) {
  StartServer(false);
  EXPECT_EQ(Unwrap(Call(Svid(ca_, "spiffe://example.org/agent/a"), kServerId)),
            "spiffe://example.org/agent/a");
}

TEST_F(SpiffeTlsTest, AnonymousClientsOnlyWhereAllowed) {
  StartServer(true);
  EXPECT_EQ(Unwrap(Call(std::nullopt, kServerId)), "anonymous");
  EXPECT_EQ(Unwrap(Call(Svid(ca_, "spiffe://example.org/agent/a"), kServerId)),
            "spiffe://example.org/agent/a");
  server_->Shutdown();
  server_.reset();
  StartServer(false);
  EXPECT_FALSE(Call(std::nullopt, kServerId).ok());
}

TEST_F(SpiffeTlsTest, ClientFromAnotherCaIsRefused) {
  StartServer(true);
  TestCa other = MakeTestCa("example.org");
  EXPECT_FALSE(Call(Svid(other, "spiffe://example.org/agent/a"), kServerId).ok());
}

TEST_F(SpiffeTlsTest, ClientOfAnotherTrustDomainIsRefused) {
  StartServer(false);
  EXPECT_FALSE(Call(Svid(ca_, "spiffe://other.org/agent/a"), kServerId).ok());
}

TEST_F(SpiffeTlsTest, ClientRefusesAServerWithAnotherId) {
  StartServer(false);
  EXPECT_FALSE(
      Call(Svid(ca_, "spiffe://example.org/agent/a"), "spiffe://example.org/not-the-server").ok());
}

TEST_F(SpiffeTlsTest, ExpiredClientSvidIsRefused) {
  StartServer(false);
  auto tmpl = LeafTemplate("spiffe://example.org/agent/old");
  tmpl.not_before = std::chrono::system_clock::now() - std::chrono::hours(2);
  tmpl.not_after = std::chrono::system_clock::now() - std::chrono::minutes(1);
  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto leaf = SignLeaf(tmpl, ca_, &key);
  spiffe::X509Svid svid{
      Unwrap(spiffe::SpiffeId::Parse("spiffe://example.org/agent/old")), {leaf}, key, ""};
  EXPECT_FALSE(Call(svid, kServerId).ok());
}

}  // namespace
}  // namespace edgeid::grpctls
