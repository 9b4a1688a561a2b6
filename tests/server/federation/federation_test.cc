// Federation pieces against real TLS on loopback: relationship checks, the bundle endpoint served
// by HttpsServer, fetching it in both profiles (and every way a fetch must be refused), the
// refresher keeping the last good bundle, and the OIDC documents.
#include <gtest/gtest.h>
#include <httplib.h>
#include <spdlog/sinks/null_sink.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/atomic_file.h"
#include "httpsserver/https_server.h"
#include "server/datastore/sqlite/sqlite_datastore.h"
#include "server/federation/bundle_endpoint.h"
#include "server/federation/bundle_fetch.h"
#include "server/federation/bundle_refresher.h"
#include "server/federation/relationship.h"
#include "server/oidc/oidc_discovery.h"
#include "spiffe/jws.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::server::federation {
namespace {

using edgeid::testing::LeafTemplate;
using edgeid::testing::MakeTestCa;
using edgeid::testing::TempDir;
using edgeid::testing::TestCa;
using edgeid::testing::Unwrap;
using edgeid::testing::WriteIssuedKeyAndCert;
using edgeid::testing::WriteTestFile;

spiffe::TrustDomain Td(const std::string& name) {
  return Unwrap(spiffe::TrustDomain::Parse(name));
}

std::shared_ptr<spdlog::logger> TestLog() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

FederationRelationship Spiffe(const std::string& td, int port, const std::string& endpoint_id) {
  return {td, "https://127.0.0.1:" + std::to_string(port), kProfileHttpsSpiffe, endpoint_id, ""};
}

TEST(RelationshipTest, EndpointUrls) {
  auto url = Unwrap(ParseEndpointUrl("https://bundles.example.org:8443/b/bundle.json"));
  EXPECT_EQ(url.host, "bundles.example.org");
  EXPECT_EQ(url.port, 8443);
  EXPECT_EQ(url.path, "/b/bundle.json");
  url = Unwrap(ParseEndpointUrl("https://[::1]:9443"));
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 9443);
  EXPECT_EQ(url.path, "/");
  EXPECT_EQ(Unwrap(ParseEndpointUrl("https://example.org")).port, 443);
  EXPECT_EQ(Unwrap(ParseEndpointUrl("https://Bundles.Example.ORG/x")).host, "bundles.example.org");
  for (const char* bad :
       {"http://example.org", "https://", "https://:443", "https://u@h", "https://h:0",
        "https://h:65536", "https://h:8x", "https://h/?q", "https://h/#f", "https://[::1",
        "ftp://h", "https://fe80::1", "https://fe80::1:8443", "https://h%2e:1", "https://h h"}) {
    EXPECT_FALSE(ParseEndpointUrl(bad).ok()) << bad;
  }
}

TEST(RelationshipTest, ValidationNamesTheField) {
  auto own = Td("a.test");
  FederationRelationship ok = Spiffe("b.test", 8443, "spiffe://b.test/edgeid/server");
  EXPECT_TRUE(ValidateRelationship(ok, own).ok());
  TempDir dir;
  WriteTestFile(dir.File("ca.pem"), MakeTestCa("b.test").cert.ToPem());
  FederationRelationship web{"b.test", "https://b.test", kProfileHttpsWeb, "", dir.File("ca.pem")};
  EXPECT_TRUE(ValidateRelationship(web, own).ok());

  auto expect_refused = [&](const FederationRelationship& r, const std::string& words) {
    auto status = ValidateRelationship(r, own);
    ASSERT_FALSE(status.ok()) << words;
    EXPECT_NE(status.error().message.find(words), std::string::npos) << status.error().message;
  };
  auto r = ok;
  r.trust_domain = "a.test";
  expect_refused(r, "this server's own");
  r = ok;
  r.trust_domain = "B.test";
  expect_refused(r, "trust domain");
  r = ok;
  r.trust_domain = "spiffe://b.test/x";
  expect_refused(r, "trust domain");
  r = ok;
  r.endpoint_spiffe_id = "";
  expect_refused(r, "endpoint SPIFFE ID: required");
  r = ok;
  r.endpoint_spiffe_id = "https://b.test/x";
  expect_refused(r, "endpoint SPIFFE ID");
  r = ok;
  r.endpoint_ca_file = "/etc/ca.pem";
  expect_refused(r, "endpoint CA file");
  r = ok;
  r.endpoint_spiffe_id = "spiffe://b.test";
  expect_refused(r, "has no path");
  r = web;
  r.endpoint_ca_file = "/nonexistent/ca.pem";
  expect_refused(r, "endpoint CA file");
  r = web;
  r.endpoint_ca_file = dir.File("not-pem");
  WriteTestFile(r.endpoint_ca_file, "not a certificate");
  expect_refused(r, "holds no PEM certificates");
  r = web;
  r.endpoint_spiffe_id = "spiffe://b.test/edgeid/server";
  expect_refused(r, "only for the https_spiffe profile");
  r = ok;
  r.bundle_endpoint_profile = "https";
  expect_refused(r, "neither https_web nor https_spiffe");
  r = ok;
  r.bundle_endpoint_url = "http://127.0.0.1:8443";
  expect_refused(r, "bundle endpoint URL");
}

TEST(RelationshipTest, BundlesFromOperators) {
  TestCa ca = MakeTestCa("b.test");
  auto td = Td("b.test");
  auto from_pem = Unwrap(ParseTrustDomainBundle(td, ca.cert.ToPem(), "pem"));
  EXPECT_EQ(from_pem.x509().authorities().size(), 1u);
  auto from_json = Unwrap(ParseTrustDomainBundle(td, from_pem.ToJson(), "spiffe"));
  EXPECT_TRUE(from_json == from_pem);
  EXPECT_FALSE(ParseTrustDomainBundle(td, R"({"keys":[]})", "spiffe").ok()) << "no authorities";
  EXPECT_FALSE(ParseTrustDomainBundle(td, "not pem", "pem").ok());
  EXPECT_FALSE(ParseTrustDomainBundle(td, "{", "spiffe").ok());
  EXPECT_FALSE(ParseTrustDomainBundle(td, ca.cert.ToPem(), "der").ok());
}

// A bundle endpoint of trust domain b.test served with an SVID of `endpoint_id` signed by
// `ca`, and the bundle it serves (changeable while it runs).
class BundleEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override { ca_ = MakeTestCa("b.test"); }

  // An HTTPS listener presenting `<stem>.pem`, a certificate made from `tmpl` by the test CA.
  struct Endpoint {
    std::unique_ptr<ServingIdentity> identity;
    // After `identity`, which it uses. Stop it with `server.reset()` first: assigning a whole
    // Endpoint would replace the identity under a running server.
    std::unique_ptr<HttpsServer> server;
    int port() const { return server->port(); }
  };
  Endpoint StartEndpoint(const std::string& stem, const crypto::CertificateTemplate& tmpl,
                         const std::function<void(httplib::Server&)>& routes) {
    WriteIssuedKeyAndCert(dir_.File(stem), tmpl, ca_);
    Endpoint endpoint;
    endpoint.identity =
        Unwrap(ServingIdentity::Load({dir_.File(stem + ".pem"), dir_.File(stem + ".key")}));
    endpoint.server =
        Unwrap(HttpsServer::Start("127.0.0.1", 0, *endpoint.identity, routes, stem, TestLog()));
    return endpoint;
  }
  // Routes serving a bundle of the test CA that never changes.
  std::function<void(httplib::Server&)> FixedBundle() const {
    spiffe::SpiffeBundle bundle(Td("b.test"));
    bundle.x509().AddAuthority(ca_.cert);
    return [bundle](httplib::Server& http) {
      AddBundleEndpointRoutes(
          http, [bundle] { return bundle; }, std::chrono::seconds(60));
    };
  }
  // A Web-PKI style certificate for the DNS name `host`, with `common_name` as subject.
  static crypto::CertificateTemplate WebTemplate(const std::string& host,
                                                 const std::string& common_name) {
    auto tmpl = LeafTemplate("spiffe://b.test/edgeid/server");
    tmpl.uri_sans.clear();
    tmpl.dns_sans = {host};
    tmpl.subject = {{"CN", common_name}};
    return tmpl;
  }

  // The changeable endpoint: its bundle is `bundle_`, under `mu_`.
  void Serve(const std::string& endpoint_id,
             std::chrono::seconds refresh_hint = std::chrono::seconds(7)) {
    endpoint_.server.reset();
    bundle_ = std::make_shared<spiffe::SpiffeBundle>(Td("b.test"));
    ASSERT_TRUE(bundle_->x509().AddAuthority(ca_.cert));
    bundle_->set_sequence(1);
    endpoint_ = StartEndpoint("endpoint", LeafTemplate(endpoint_id),
                              [this, refresh_hint](httplib::Server& http) {
                                AddBundleEndpointRoutes(
                                    http,
                                    [this] {
                                      std::lock_guard lock(mu_);
                                      return *bundle_;
                                    },
                                    refresh_hint);
                              });
    identity_ = endpoint_.identity.get();
    server_ = endpoint_.server.get();
  }
  spiffe::X509Bundle Authorities() const {
    spiffe::X509Bundle x509(Td("b.test"));
    x509.AddAuthority(ca_.cert);
    return x509;
  }

  TempDir dir_;
  TestCa ca_ = MakeTestCa("b.test");
  std::mutex mu_;
  std::shared_ptr<spiffe::SpiffeBundle> bundle_;
  Endpoint endpoint_;
  ServingIdentity* identity_ = nullptr;  // endpoint_'s
  HttpsServer* server_ = nullptr;        // endpoint_'s
};

TEST_F(BundleEndpointTest, HttpsSpiffeFetchesTheBundleWithSequenceAndRefreshHint) {
  Serve("spiffe://b.test/edgeid/server");
  auto authorities = Authorities();
  auto bundle = Unwrap(FetchBundle(
      Spiffe("b.test", server_->port(), "spiffe://b.test/edgeid/server"), &authorities));
  EXPECT_EQ(bundle.trust_domain().name(), "b.test");
  EXPECT_EQ(bundle.x509().authorities().size(), 1u);
  EXPECT_EQ(bundle.sequence(), 1u);
  EXPECT_EQ(bundle.refresh_hint(), std::chrono::seconds(7));
}

TEST_F(BundleEndpointTest, HttpsSpiffeRefusesAnotherSpiffeId) {
  Serve("spiffe://b.test/edgeid/server");
  auto authorities = Authorities();
  auto fetched =
      FetchBundle(Spiffe("b.test", server_->port(), "spiffe://b.test/other"), &authorities);
  ASSERT_FALSE(fetched.ok());
  EXPECT_EQ(fetched.error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(fetched.error().message.find(
                "presented spiffe://b.test/edgeid/server, not spiffe://b.test/other"),
            std::string::npos)
      << fetched.error().message;
}

TEST_F(BundleEndpointTest, HttpsSpiffeRefusesAnEndpointOfAnotherCa) {
  Serve("spiffe://b.test/edgeid/server");
  TestCa other = MakeTestCa("b.test");
  spiffe::X509Bundle authorities(Td("b.test"));
  authorities.AddAuthority(other.cert);
  auto fetched =
      FetchBundle(Spiffe("b.test", server_->port(), "spiffe://b.test/edgeid/server"), &authorities);
  ASSERT_FALSE(fetched.ok());
  EXPECT_NE(fetched.error().message.find("does not chain to the trust bundle"), std::string::npos)
      << fetched.error().message;
  spiffe::X509Bundle none(Td("b.test"));
  EXPECT_EQ(FetchBundle(Spiffe("b.test", server_->port(), "spiffe://b.test/edgeid/server"), &none)
                .error()
                .code,
            ErrorCode::kFailedPrecondition);
}

TEST_F(BundleEndpointTest, HttpsWebChecksTheCaAndTheHostName) {
  // A Web-PKI style certificate for "localhost" from the test's own CA.
  auto server = StartEndpoint("web", WebTemplate("localhost", "localhost"), FixedBundle());
  WriteTestFile(dir_.File("ca.pem"), ca_.cert.ToPem());
  std::string port = std::to_string(server.port());
  FederationRelationship web{"b.test", "https://localhost:" + port, kProfileHttpsWeb, "",
                             dir_.File("ca.pem")};
  EXPECT_EQ(Unwrap(FetchBundle(web, nullptr)).x509().authorities().size(), 1u);

  auto wrong_host = web;
  wrong_host.bundle_endpoint_url = "https://127.0.0.1:" + port;  // not in the certificate
  auto refused = FetchBundle(wrong_host, nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("SSLServerVerification"), std::string::npos)
      << refused.error().message;

  // Host names compare without case.
  auto upper = web;
  upper.bundle_endpoint_url = "https://LocalHost:" + port;
  EXPECT_TRUE(FetchBundle(upper, nullptr).ok());

  auto system_roots = web;
  system_roots.endpoint_ca_file.clear();  // the test CA is not a system root
  refused = FetchBundle(system_roots, nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("SSLServerVerification"), std::string::npos)
      << refused.error().message;
}

TEST_F(BundleEndpointTest, HttpsWebNeverTakesTheCommonNameForTheHost) {
  auto server = StartEndpoint("cn", WebTemplate("other.example", "localhost"), FixedBundle());
  WriteTestFile(dir_.File("ca.pem"), ca_.cert.ToPem());
  FederationRelationship web{"b.test", "https://localhost:" + std::to_string(server.port()),
                             kProfileHttpsWeb, "", dir_.File("ca.pem")};
  auto refused = FetchBundle(web, nullptr);
  ASSERT_FALSE(refused.ok()) << "accepted by the subject's CN";
  EXPECT_NE(refused.error().message.find("SSLServerVerification"), std::string::npos)
      << refused.error().message;
}

TEST_F(BundleEndpointTest, HttpsSpiffeRefusesALeafThatIsNotAnSvid) {
  // Chains to the bundle, but is no X509-SVID: no URI SAN, or a CA certificate.
  auto no_uri = WebTemplate("localhost", "localhost");
  auto as_ca = LeafTemplate("spiffe://b.test/edgeid/server");
  as_ca.is_ca = true;
  as_ca.key_usage = crypto::kKeyCertSign | crypto::kDigitalSignature;
  as_ca.server_and_client_auth = false;
  for (const auto& tmpl : {no_uri, as_ca}) {
    auto server = StartEndpoint("odd", tmpl, FixedBundle());
    auto authorities = Authorities();
    auto fetched =
        FetchBundle(Spiffe("b.test", server.port(), "spiffe://b.test/edgeid/server"), &authorities);
    ASSERT_FALSE(fetched.ok());
    EXPECT_EQ(fetched.error().code, ErrorCode::kUnauthenticated) << fetched.error().message;
    EXPECT_NE(fetched.error().message.find("not an X509-SVID"), std::string::npos)
        << fetched.error().message;
  }
}

TEST_F(BundleEndpointTest, CutsOffAnEndpointThatTrickles) {
  std::atomic<bool> stop{false};
  auto server = StartEndpoint(
      "trickling", LeafTemplate("spiffe://b.test/edgeid/server"), [&stop](httplib::Server& http) {
        http.Get("/", [&stop](const httplib::Request&, httplib::Response& res) {
          // One byte every 200 ms: every read finishes well within the read timeout.
          res.set_chunked_content_provider(
              "application/json", [&stop](size_t, httplib::DataSink& sink) {
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                sink.write(" ", 1);
                return !stop.load();
              });
        });
      });
  auto authorities = Authorities();
  FetchOptions options;
  options.total_timeout = std::chrono::seconds(2);
  auto started = std::chrono::steady_clock::now();
  auto fetched = FetchBundle(Spiffe("b.test", server.port(), "spiffe://b.test/edgeid/server"),
                             &authorities, options);
  auto took = std::chrono::steady_clock::now() - started;
  stop = true;
  ASSERT_FALSE(fetched.ok());
  EXPECT_EQ(fetched.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(fetched.error().message.find("did not answer within 2 s"), std::string::npos)
      << fetched.error().message;
  EXPECT_LT(took, std::chrono::seconds(8)) << "cut off at the deadline, not left to trickle";
}

TEST_F(BundleEndpointTest, RefusesWhatIsNotABundle) {
  auto server = StartEndpoint(
      "broken", LeafTemplate("spiffe://b.test/edgeid/server"), [](httplib::Server& http) {
        http.Get("/bad", [](const httplib::Request&, httplib::Response& res) {
          res.set_content(R"({"keys":[{"kty":"EC","use":"x509-svid"}]})", "application/json");
        });
        http.Get("/no-x509", [](const httplib::Request&, httplib::Response& res) {
          res.set_content(R"({"keys":[]})", "application/json");
        });
        http.Get("/big", [](const httplib::Request&, httplib::Response& res) {
          res.set_content(std::string(kMaxBundleBytes + 1, ' '), "application/json");
        });
      });
  auto authorities = Authorities();
  auto r = Spiffe("b.test", server.port(), "spiffe://b.test/edgeid/server");
  for (auto [path, words] :
       {std::pair{"/bad", "no valid bundle"}, std::pair{"/big", "sent more than"},
        std::pair{"/no-x509", "without X.509 authorities"}, std::pair{"/missing", "HTTP 404"}}) {
    r.bundle_endpoint_url = "https://127.0.0.1:" + std::to_string(server.port()) + path;
    auto fetched = FetchBundle(r, &authorities);
    ASSERT_FALSE(fetched.ok()) << path;
    EXPECT_NE(fetched.error().message.find(words), std::string::npos) << fetched.error().message;
  }
  server.server.reset();
  r.bundle_endpoint_url = "https://127.0.0.1:1";
  auto down = FetchBundle(r, &authorities);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, ErrorCode::kUnavailable) << down.error().message;
}

TEST_F(BundleEndpointTest, ARenewedServingCertificateIsUsedForTheNextConnection) {
  Serve("spiffe://b.test/edgeid/server");
  auto authorities = Authorities();
  auto old_id = Spiffe("b.test", server_->port(), "spiffe://b.test/edgeid/server");
  ASSERT_TRUE(FetchBundle(old_id, &authorities).ok());
  EXPECT_FALSE(Unwrap(identity_->ReloadIfChanged())) << "nothing changed yet";

  // A half-written pair (new certificate, old key) keeps the old credentials serving.
  std::string old_key = Unwrap(ReadFile(dir_.File("endpoint.key")));
  WriteIssuedKeyAndCert(dir_.File("renewed"), LeafTemplate("spiffe://b.test/edgeid/renewed"), ca_);
  ASSERT_TRUE(
      WriteFileAtomic(dir_.File("endpoint.pem"), Unwrap(ReadFile(dir_.File("renewed.pem"))), 0644)
          .ok());
  EXPECT_FALSE(identity_->ReloadIfChanged().ok());
  EXPECT_TRUE(FetchBundle(old_id, &authorities).ok());

  ASSERT_TRUE(
      WriteFileAtomic(dir_.File("endpoint.key"), Unwrap(ReadFile(dir_.File("renewed.key"))), 0600)
          .ok());
  EXPECT_TRUE(Unwrap(identity_->ReloadIfChanged()));
  EXPECT_FALSE(FetchBundle(old_id, &authorities).ok());
  auto new_id = Spiffe("b.test", server_->port(), "spiffe://b.test/edgeid/renewed");
  EXPECT_TRUE(FetchBundle(new_id, &authorities).ok());
}

class RefresherTest : public BundleEndpointTest {
 protected:
  void SetUp() override {
    BundleEndpointTest::SetUp();
    datastore_ = Unwrap(OpenSqliteDataStore(dir_.File("ds.sqlite3")));
  }
  std::unique_ptr<BundleRefresher> MakeRefresher() {
    RefresherOptions options;
    options.own_bundle = [] { return spiffe::SpiffeBundle(Td("a.test")); };
    options.on_change = [this] { ++changes_; };
    return std::make_unique<BundleRefresher>(Td("a.test"), options, *datastore_, TestLog());
  }
  spiffe::SpiffeBundle Stored(const std::string& td) {
    return Unwrap(spiffe::SpiffeBundle::Parse(Td(td), Unwrap(datastore_->FetchBundle(td))));
  }
  bool WaitFor(const std::function<bool()>& condition) {
    for (int i = 0; i < 200; ++i) {
      if (condition()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return condition();
  }

  std::unique_ptr<DataStore> datastore_;
  std::atomic<int> changes_{0};
};

TEST_F(RefresherTest, FollowsTheEndpointAtItsRefreshHintAndKeepsTheLastBundleWhenItFails) {
  Serve("spiffe://b.test/edgeid/server", std::chrono::seconds(1));
  // Without the endpoint trust domain's bundle an https_spiffe endpoint cannot be trusted.
  ASSERT_TRUE(datastore_
                  ->CreateFederationRelationship(
                      Spiffe("b.test", server_->port(), "spiffe://b.test/edgeid/server"))
                  .ok());
  auto refresher = MakeRefresher();
  auto refused = refresher->RefreshNow("b.test");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("no bundle of b.test"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(refresher->RefreshNow("c.test").error().code, ErrorCode::kNotFound);

  spiffe::SpiffeBundle initial(Td("b.test"));
  initial.x509().AddAuthority(ca_.cert);
  ASSERT_TRUE(datastore_->SetBundle("b.test", initial.ToJson()).ok());
  refresher->Start();
  ASSERT_TRUE(WaitFor([&] { return Stored("b.test").sequence() == 1u; }));
  EXPECT_GE(changes_.load(), 1);

  // B adds an authority: taken up within about one refresh hint.
  TestCa next = MakeTestCa("b.test");
  {
    std::lock_guard lock(mu_);
    bundle_->x509().AddAuthority(next.cert);
    bundle_->set_sequence(2);
  }
  ASSERT_TRUE(WaitFor([&] { return Stored("b.test").x509().authorities().size() == 2; }));
  EXPECT_EQ(Stored("b.test").sequence(), 2u);

  // The endpoint goes away: the last bundle stays.
  int port = server_->port();
  endpoint_.server.reset();
  auto failed = refresher->RefreshNow("b.test");
  ASSERT_FALSE(failed.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // a few failed polls
  EXPECT_EQ(Stored("b.test").x509().authorities().size(), 2u);
  EXPECT_EQ(Stored("b.test").sequence(), 2u);

  // A relationship pointing at an endpoint of the wrong SPIFFE ID never replaces the bundle.
  ASSERT_TRUE(
      datastore_
          ->UpdateFederationRelationship(Spiffe("b.test", port, "spiffe://b.test/not-the-endpoint"))
          .ok());
  refresher->RelationshipsChanged();
  Serve("spiffe://b.test/edgeid/server", std::chrono::seconds(1));  // another port
  ASSERT_TRUE(datastore_
                  ->UpdateFederationRelationship(
                      Spiffe("b.test", server_->port(), "spiffe://b.test/not-the-endpoint"))
                  .ok());
  refresher->RelationshipsChanged();
  EXPECT_EQ(refresher->RefreshNow("b.test").error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(Stored("b.test").sequence(), 2u) << "the endpoint serves sequence 1 again";

  // The right ID again: the new endpoint's bundle (sequence 1) is taken up.
  ASSERT_TRUE(datastore_
                  ->UpdateFederationRelationship(
                      Spiffe("b.test", server_->port(), "spiffe://b.test/edgeid/server"))
                  .ok());
  refresher->RelationshipsChanged();
  ASSERT_TRUE(WaitFor([&] { return Stored("b.test").sequence() == 1u; }));

  // Deleting the relationship stops the polling; the bundle stays until deleted on its own.
  ASSERT_TRUE(datastore_->DeleteFederationRelationship("b.test").ok());
  refresher->RelationshipsChanged();
  {
    std::lock_guard lock(mu_);
    bundle_->set_sequence(5);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // two refresh hints
  EXPECT_EQ(Stored("b.test").sequence(), 1u) << "polled after the relationship was deleted";
  EXPECT_EQ(refresher->RefreshNow("b.test").error().code, ErrorCode::kNotFound);
}

TEST_F(RefresherTest, NeverReplacesItsOwnTrustDomainsBundle) {
  Serve("spiffe://b.test/edgeid/server", std::chrono::seconds(1));
  // A row no API would accept (written by hand, or by another version into a shared database).
  ASSERT_TRUE(datastore_->SetBundle("a.test", R"({"keys":[]})").ok());
  ASSERT_TRUE(datastore_
                  ->CreateFederationRelationship(
                      Spiffe("a.test", server_->port(), "spiffe://b.test/edgeid/server"))
                  .ok());
  spiffe::SpiffeBundle b(Td("b.test"));
  b.x509().AddAuthority(ca_.cert);
  ASSERT_TRUE(datastore_->SetBundle("b.test", b.ToJson()).ok());
  auto refresher = MakeRefresher();
  auto refused = refresher->RefreshNow("a.test");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("own trust domain"), std::string::npos);
  EXPECT_EQ(Unwrap(datastore_->FetchBundle("a.test")), R"({"keys":[]})");
}

TEST(OidcDiscoveryTest, DocumentsAndKeys) {
  auto doc = nlohmann::json::parse(
      oidc::DiscoveryJson({"https://oidc.a.test", "https://oidc.a.test/keys"}));
  EXPECT_EQ(doc["issuer"], "https://oidc.a.test");
  EXPECT_EQ(doc["jwks_uri"], "https://oidc.a.test/keys");
  EXPECT_EQ(doc["response_types_supported"], nlohmann::json::array({"id_token"}));

  spiffe::JwtBundle keys(Td("a.test"));
  auto ec = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto rsa = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kRsa2048));
  ASSERT_TRUE(keys.SetAuthority("k-ec", ec.public_key()).ok());
  ASSERT_TRUE(keys.SetAuthority("k-rsa", rsa.public_key()).ok());
  auto jwks = nlohmann::json::parse(Unwrap(oidc::JwksJson(keys)));
  ASSERT_EQ(jwks["keys"].size(), 2u);
  EXPECT_EQ(jwks["keys"][0]["kid"], "k-ec");
  EXPECT_EQ(jwks["keys"][0]["use"], "sig");
  EXPECT_EQ(jwks["keys"][0]["alg"], "ES256");
  EXPECT_EQ(jwks["keys"][0]["crv"], "P-256");
  EXPECT_EQ(jwks["keys"][1]["alg"], "RS256");
  EXPECT_TRUE(jwks["keys"][1].contains("n"));
  EXPECT_EQ(
      nlohmann::json::parse(Unwrap(oidc::JwksJson(spiffe::JwtBundle(Td("a.test")))))["keys"].size(),
      0u);
}

}  // namespace
}  // namespace edgeid::server::federation
