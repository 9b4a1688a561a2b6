#include "ca/ca_manager.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>

#include "ca/upstreamauthority/disk/disk_upstream_authority.h"
#include "keymanager/disk/disk_key_manager.h"
#include "keymanager/memory/memory_key_manager.h"
#include "spiffe/jwt_svid.h"
#include "testing/command.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::ca {
namespace {

using edgeid::testing::RunCommand;
using edgeid::testing::TempDir;
using edgeid::testing::Unwrap;
using std::chrono::hours;
using std::chrono::seconds;

spiffe::SpiffeId Id(const char* s) {
  return Unwrap(spiffe::SpiffeId::Parse(s));
}

CaConfig Config() {
  CaConfig config{Unwrap(spiffe::TrustDomain::Parse("example.org"))};
  config.ca_ttl = hours(24);
  config.jwt_key_ttl = hours(24);
  return config;
}

spiffe::X509SvidParams Params(const char* id, TimePoint now) {
  spiffe::X509SvidParams p{Id(id)};
  p.now = now;
  p.ttl = hours(1);
  return p;
}

crypto::CertificateChain SignFresh(const CaManager& ca, TimePoint now) {
  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto csr = Unwrap(crypto::CertificateRequest::Create(key));
  return Unwrap(ca.SignX509Svid(csr, Params("spiffe://example.org/web", now)));
}

bool Verifies(const CaManager& ca, const crypto::CertificateChain& chain, TimePoint at) {
  spiffe::BundleSet set;
  set.Put(ca.bundle());
  auto r = spiffe::VerifyX509Svid(chain, set, at);
  return r.ok();
}

TEST(CaManagerTest, SelfSignedCaFollowsTheSigningProfile) {
  keymanager::MemoryKeyManager km;
  CaManager ca(Config(), km, nullptr);
  auto now = std::chrono::system_clock::now();
  ASSERT_TRUE(ca.Initialize(now).ok());
  auto current = ca.current_x509_ca();
  ASSERT_TRUE(current);
  EXPECT_TRUE(current->certificate.is_ca());
  EXPECT_TRUE(current->certificate.is_self_signed());
  EXPECT_TRUE(current->certificate.key_usage() & crypto::kKeyCertSign);
  EXPECT_EQ(current->certificate.uri_sans(), std::vector<std::string>{"spiffe://example.org"});
  EXPECT_TRUE(spiffe::CheckSigningCertificateProfile(current->certificate).ok());
  EXPECT_EQ(current->certificate.public_key().key_type(), crypto::KeyType::kEcP256);
  EXPECT_EQ(current->certificate.not_after(), std::chrono::floor<seconds>(now) + hours(24));

  auto bundle = ca.bundle();
  EXPECT_EQ(bundle.x509().authorities(), crypto::CertificateChain{current->certificate});
  EXPECT_EQ(bundle.jwt().authorities().size(), 1u);
  EXPECT_TRUE(bundle.sequence().has_value());
  EXPECT_EQ(km.ListKeyIds(), (std::vector<std::string>{"JWT-Signer-A", "x509-CA-A"}));
}

TEST(CaManagerTest, SignsSvidsOnlyInItsTrustDomain) {
  keymanager::MemoryKeyManager km;
  CaManager ca(Config(), km, nullptr);
  auto now = std::chrono::system_clock::now();
  ASSERT_TRUE(ca.Initialize(now).ok());
  auto chain = SignFresh(ca, now);
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_TRUE(Verifies(ca, chain, now));

  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto foreign = ca.SignX509SvidForKey(key.public_key(), Params("spiffe://other.org/web", now));
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code, ErrorCode::kPermissionDenied);
  EXPECT_FALSE(ca.SignJwtSvid(Id("spiffe://other.org/w"), {"a"}, seconds(60), now).ok());

  auto token = Unwrap(ca.SignJwtSvid(Id("spiffe://example.org/web"), {"db"}, seconds(300), now));
  spiffe::BundleSet set;
  set.Put(ca.bundle());
  auto svid = Unwrap(spiffe::ValidateJwtSvid(token, set, "db", now));
  EXPECT_EQ(svid.key_id, ca.current_jwt_key()->kid);
}

TEST(CaManagerTest, OperationsBeforeInitializeFailCleanly) {
  keymanager::MemoryKeyManager km;
  CaManager ca(Config(), km, nullptr);
  auto now = std::chrono::system_clock::now();
  EXPECT_EQ(ca.Rotate(now).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(ca.SignJwtSvid(Id("spiffe://example.org/w"), {"a"}, seconds(60), now).ok());
  EXPECT_FALSE(ca.ActivateX509Ca().ok());
}

TEST(CaManagerTest, RotationPreparesPublishesActivatesAndPrunes) {
  keymanager::MemoryKeyManager km;
  CaManager ca(Config(), km, nullptr);
  auto t0 = std::chrono::system_clock::now();
  ASSERT_TRUE(ca.Initialize(t0).ok());
  auto first = ca.current_x509_ca();
  auto first_jwt = ca.current_jwt_key();
  auto old_svid = SignFresh(ca, t0);
  auto old_token = Unwrap(ca.SignJwtSvid(Id("spiffe://example.org/web"), {"db"}, hours(1), t0));
  uint64_t seq0 = *ca.bundle().sequence();

  EXPECT_FALSE(Unwrap(ca.Rotate(t0 + hours(11))));
  EXPECT_FALSE(ca.next_x509_ca());

  // Half-life: the next CA and JWT key are prepared and trusted, but not yet used.
  EXPECT_TRUE(Unwrap(ca.Rotate(t0 + hours(12) + seconds(1))));
  ASSERT_TRUE(ca.next_x509_ca());
  EXPECT_EQ(ca.current_x509_ca(), first);
  EXPECT_EQ(ca.bundle().x509().authorities().size(), 2u);
  EXPECT_EQ(ca.bundle().jwt().authorities().size(), 2u);
  EXPECT_GT(*ca.bundle().sequence(), seq0);
  EXPECT_EQ(ca.next_x509_ca()->key_id, "x509-CA-B");

  // Five sixths: the prepared ones become active; the old ones stay trusted.
  EXPECT_TRUE(Unwrap(ca.Rotate(t0 + hours(20) + seconds(1))));
  auto second = ca.current_x509_ca();
  EXPECT_NE(second, first);
  EXPECT_EQ(second->key_id, "x509-CA-B");
  EXPECT_NE(ca.current_jwt_key()->kid, first_jwt->kid);
  auto t1 = t0 + hours(20) + seconds(2);
  auto new_svid = SignFresh(ca, t1);
  EXPECT_EQ(new_svid[1], second->certificate);
  EXPECT_TRUE(Verifies(ca, new_svid, t1));
  EXPECT_TRUE(Verifies(ca, old_svid, t0 + seconds(1)));
  spiffe::BundleSet set;
  set.Put(ca.bundle());
  EXPECT_TRUE(spiffe::ValidateJwtSvid(old_token, set, "db", t0 + seconds(1)).ok())
      << "a token signed before activation still validates";

  // The first CA and JWT key expire and leave the bundle; the second's next is prepared.
  EXPECT_TRUE(Unwrap(ca.Rotate(t0 + hours(24) + seconds(11))));
  auto bundle = ca.bundle();
  EXPECT_FALSE(bundle.x509().HasAuthority(first->certificate));
  EXPECT_TRUE(bundle.x509().HasAuthority(second->certificate));
  EXPECT_FALSE(bundle.jwt().FindAuthority(first_jwt->kid).ok());
  EXPECT_TRUE(bundle.jwt().FindAuthority(ca.current_jwt_key()->kid).ok());
}

TEST(CaManagerTest, SigningWhileRotatingIsSafe) {
  keymanager::MemoryKeyManager km;
  CaManager ca(Config(), km, nullptr);
  auto t0 = std::chrono::system_clock::now();
  ASSERT_TRUE(ca.Initialize(t0).ok());
  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto csr = Unwrap(crypto::CertificateRequest::Create(key));

  std::vector<std::vector<std::vector<std::string>>> issued(3);
  std::vector<std::thread> signers;
  for (size_t t = 0; t < issued.size(); ++t) {
    signers.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        auto chain = ca.SignX509SvidDer(csr, Params("spiffe://example.org/web", t0));
        if (chain.ok()) issued[t].push_back(*chain);
        auto token = ca.SignJwtSvid(Id("spiffe://example.org/web"), {"db"}, seconds(60), t0);
        EXPECT_TRUE(token.ok());
      }
    });
  }
  // Two full prepare/activate cycles while the signers run.
  for (int cycle = 0; cycle < 2; ++cycle) {
    EXPECT_TRUE(ca.PrepareX509Ca(t0).ok());
    EXPECT_TRUE(ca.PrepareJwtKey(t0).ok());
    EXPECT_TRUE(ca.ActivateX509Ca().ok());
    EXPECT_TRUE(ca.ActivateJwtKey().ok());
  }
  for (auto& th : signers) th.join();

  spiffe::BundleSet set;
  set.Put(ca.bundle());
  size_t total = 0;
  for (const auto& per_thread : issued) {
    for (const auto& der_chain : per_thread) {
      crypto::CertificateChain chain;
      for (const auto& der : der_chain) chain.push_back(Unwrap(crypto::Certificate::FromDer(der)));
      EXPECT_TRUE(spiffe::VerifyX509Svid(chain, set, t0).ok());
      ++total;
    }
  }
  EXPECT_EQ(total, 45u);
}

TEST(CaManagerTest, SvidsAndTokensNeverOutliveTheirSigner) {
  keymanager::MemoryKeyManager km;
  auto config = Config();
  config.ca_ttl = hours(2);
  config.jwt_key_ttl = hours(2);
  CaManager ca(config, km, nullptr);
  auto now = std::chrono::system_clock::now();
  ASSERT_TRUE(ca.Initialize(now).ok());
  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto params = Params("spiffe://example.org/w", now);
  params.ttl = hours(10);
  auto chain = Unwrap(ca.SignX509SvidForKey(key.public_key(), params));
  EXPECT_EQ(chain[0].not_after(), ca.current_x509_ca()->certificate.not_after());
  auto token = Unwrap(ca.SignJwtSvid(Id("spiffe://example.org/w"), {"a"}, hours(10), now));
  auto claims = Unwrap(spiffe::ParseJwtClaimsInsecure(token));
  EXPECT_LE(claims["exp"].get<int64_t>(),
            std::chrono::duration_cast<seconds>(ca.current_jwt_key()->not_after.time_since_epoch())
                .count());
}

TEST(CaManagerTest, DiskKeyManagerKeepsCaKeysPrivate) {
  TempDir dir;
  auto km = Unwrap(keymanager::DiskKeyManager::Open(dir.File("keys")));
  CaManager ca(Config(), *km, nullptr);
  ASSERT_TRUE(ca.Initialize(std::chrono::system_clock::now()).ok());
  for (const char* name : {"x509-CA-A.key.pem", "JWT-Signer-A.key.pem"}) {
    struct stat st {};
    ASSERT_EQ(::stat(dir.File(std::string("keys/") + name).c_str(), &st), 0) << name;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << name;
  }
  EXPECT_TRUE(Unwrap(km->GetKey("x509-CA-A")).public_key() ==
              ca.current_x509_ca()->certificate.public_key());
}

TEST(CaManagerTest, ChainsToAnUpstreamCaMadeWithOpensslCli) {
  TempDir dir;
  auto made = RunCommand(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
      " -subj '/O=Example Corp/CN=Upstream Root' -addext basicConstraints=critical,CA:TRUE"
      " -addext keyUsage=critical,keyCertSign,cRLSign -keyout " +
      dir.File("upstream.key") + " -out " + dir.File("upstream.pem"));
  ASSERT_EQ(made.exit_code, 0) << made.output;
  auto now = std::chrono::system_clock::now();
  auto upstream = Unwrap(
      DiskUpstreamAuthority::Load({dir.File("upstream.pem"), dir.File("upstream.key"), ""}, now));

  keymanager::MemoryKeyManager km;
  auto config = Config();
  config.ca_ttl = hours(24 * 7);  // longer than the upstream CA: must be clamped
  CaManager ca(config, km, upstream.get());
  ASSERT_TRUE(ca.Initialize(now).ok());
  auto current = ca.current_x509_ca();
  auto root =
      Unwrap(crypto::Certificate::FromPem(edgeid::testing::ReadTestFile(dir.File("upstream.pem"))));
  EXPECT_EQ(current->certificate.issuer(), root.subject());
  EXPECT_FALSE(current->certificate.is_self_signed());
  EXPECT_LE(current->certificate.not_after(), root.not_after());
  EXPECT_EQ(current->roots, crypto::CertificateChain{root});
  EXPECT_EQ(ca.bundle().x509().authorities(), crypto::CertificateChain{root})
      << "the bundle trusts the upstream root, not the intermediate";

  auto chain = SignFresh(ca, now);
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_TRUE(Verifies(ca, chain, now));

  // The DER path a server uses gives the same chain shape, checked by openssl too.
  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP384));
  auto csr = Unwrap(crypto::CertificateRequest::Create(key));
  TimePoint reported_not_after;
  auto der_chain =
      Unwrap(ca.SignX509SvidDer(csr, Params("spiffe://example.org/db", now), &reported_not_after));
  ASSERT_EQ(der_chain.size(), 2u);
  auto der_leaf = Unwrap(crypto::Certificate::FromDer(der_chain[0]));
  EXPECT_EQ(std::chrono::floor<seconds>(reported_not_after), der_leaf.not_after());
  EXPECT_TRUE(der_leaf.public_key() == key.public_key());
  EXPECT_EQ(der_chain[1], current->certificate.ToDer());
  edgeid::testing::WriteTestFile(dir.File("der-leaf.pem"), der_leaf.ToPem());
  edgeid::testing::WriteTestFile(dir.File("leaf.pem"), chain[0].ToPem());
  edgeid::testing::WriteTestFile(dir.File("inter.pem"), chain[1].ToPem());
  auto r = RunCommand("openssl verify -CAfile " + dir.File("upstream.pem") + " -untrusted " +
                      dir.File("inter.pem") + " " + dir.File("leaf.pem"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  auto der_verify =
      RunCommand("openssl verify -purpose sslserver -CAfile " + dir.File("upstream.pem") +
                 " -untrusted " + dir.File("inter.pem") + " " + dir.File("der-leaf.pem"));
  EXPECT_EQ(der_verify.exit_code, 0) << der_verify.output;
}

}  // namespace
}  // namespace edgeid::ca
