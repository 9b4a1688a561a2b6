// gRPC over TLS with SPIFFE authentication, both ends real, on loopback.
#include "grpctls/spiffe_tls.h"

#include <grpc/support/log.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <mutex>

#include "common/atomic_file.h"
#include "edgeid/server/v1/health.grpc.pb.h"
#include "grpctls/grpc_log.h"
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
                           const std::string& expected_server,
                           std::optional<spiffe::TrustDomain> server_td = std::nullopt) {
    ChannelTlsOptions options;
    options.identity = std::move(identity);
    options.bundles = bundles_;
    options.authorize = AuthorizeId(Unwrap(spiffe::SpiffeId::Parse(expected_server)));
    options.server_trust_domain = std::move(server_td);
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

// gRPC logs this (at info) each time it makes a TLS channel's handshaker without a root list,
// and then loads the system's whole CA store. gpr's log hook is a plain function, hence a
// counter outside the test.
std::atomic<int> system_store_fallbacks{0};
void CountSystemStoreFallbacks(gpr_log_func_args* args) {
  if (std::strstr(args->message, "No root certificates specified") != nullptr) {
    ++system_store_fallbacks;
  }
}

// Counts while it lives; gRPC's logging is as the daemons set it afterwards, even when the test
// fails half-way.
class CountingSystemStoreFallbacks {
 public:
  CountingSystemStoreFallbacks() {
    system_store_fallbacks = 0;
    gpr_set_log_verbosity(GPR_LOG_SEVERITY_INFO);
    gpr_set_log_function(CountSystemStoreFallbacks);
  }
  ~CountingSystemStoreFallbacks() {
    gpr_set_log_verbosity(GPR_LOG_SEVERITY_ERROR);
    FilterGrpcLogs();
  }
  CountingSystemStoreFallbacks(const CountingSystemStoreFallbacks&) = delete;
  CountingSystemStoreFallbacks& operator=(const CountingSystemStoreFallbacks&) = delete;
};

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

// The server's bundle is gRPC's root list, so the system CA store is never loaded; the verifier
// still decides. Without the trust domain gRPC falls back to the store: what the counter sees.
TEST_F(SpiffeTlsTest, TheServersBundleSparesTheSystemCaStore) {
  StartServer(true);
  CountingSystemStoreFallbacks counting;
  auto td = Unwrap(spiffe::TrustDomain::Parse("example.org"));
  auto agent = Svid(ca_, "spiffe://example.org/agent/a");
  EXPECT_EQ(Unwrap(Call(agent, kServerId)), "spiffe://example.org/agent/a");
  EXPECT_EQ(Unwrap(Call(std::nullopt, kServerId)), "anonymous");
  int without_td = system_store_fallbacks.exchange(0);

  EXPECT_EQ(Unwrap(Call(agent, kServerId, td)), "spiffe://example.org/agent/a");
  EXPECT_EQ(Unwrap(Call(std::nullopt, kServerId, td)), "anonymous");
  EXPECT_FALSE(Call(agent, "spiffe://example.org/not-the-server", td).ok());
  EXPECT_GE(without_td, 2);
  EXPECT_EQ(system_store_fallbacks.load(), 0);
}

// A bundle source whose bundle the test replaces between making a channel and calling.
class SwitchableBundleSource final : public spiffe::X509BundleSource {
 public:
  explicit SwitchableBundleSource(spiffe::X509Bundle bundle) : bundle_(std::move(bundle)) {}
  Result<spiffe::X509Bundle> GetX509Bundle(const spiffe::TrustDomain& td) const override {
    std::lock_guard lock(mu_);
    if (td != bundle_.trust_domain()) return NotFound("no bundle for " + td.name());
    return bundle_;
  }
  void Set(spiffe::X509Bundle bundle) {
    std::lock_guard lock(mu_);
    bundle_ = std::move(bundle);
  }

 private:
  mutable std::mutex mu_;
  spiffe::X509Bundle bundle_;
};

// The root list is the bundle when the channel was made; the handshake is judged by the bundle
// at that time: a server the root list would not trust is taken (after a CA rotation, say), and
// one it would trust is refused when the bundle no longer does.
TEST_F(SpiffeTlsTest, TheRootListDecidesNothing) {
  StartServer(false);
  auto td = Unwrap(spiffe::TrustDomain::Parse("example.org"));
  TestCa other = MakeTestCa("example.org");
  auto call = [&](const spiffe::X509Bundle& at_creation, const spiffe::X509Bundle& at_call) {
    auto source = std::make_shared<SwitchableBundleSource>(at_creation);
    ChannelTlsOptions options;
    options.identity = Svid(ca_, "spiffe://example.org/agent/a");
    options.bundles = source;
    options.authorize = AuthorizeId(Unwrap(spiffe::SpiffeId::Parse(kServerId)));
    options.server_trust_domain = td;
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                       Unwrap(ChannelCredentials(options)));
    source->Set(at_call);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::HealthCheckResponse response;
    return v1::HealthService::NewStub(channel)->Check(&context, {}, &response).ok();
  };
  spiffe::X509Bundle right(td, {ca_.cert});
  spiffe::X509Bundle wrong(td, {other.cert});
  EXPECT_TRUE(call(wrong, right));
  EXPECT_FALSE(call(right, wrong));
}

}  // namespace
}  // namespace edgeid::grpctls
