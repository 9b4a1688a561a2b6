#include <gtest/gtest.h>

#include "crypto/csr.h"
#include "spiffe/x509_svid.h"
#include "testing/test_pki.h"

namespace edgeid::spiffe {
namespace {

using edgeid::testing::Unwrap;
using std::chrono::seconds;

SpiffeId Id(const char* s) {
  return Unwrap(SpiffeId::Parse(s));
}

X509SvidParams Params(const char* id, seconds ttl = seconds(3600)) {
  X509SvidParams p{Id(id)};
  p.ttl = ttl;
  p.now = std::chrono::system_clock::now();
  return p;
}

TEST(X509SvidMintTest, LeafFollowsTheSpiffeProfile) {
  auto ca = edgeid::testing::MakeTestCa("example.org");
  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto params = Params("spiffe://example.org/ns/prod/web");
  params.dns_names = {"web.prod.svc", "web"};
  auto leaf = Unwrap(MintX509Svid(params, key.public_key(), ca.cert, ca.key));

  EXPECT_EQ(leaf.uri_sans(), std::vector<std::string>{"spiffe://example.org/ns/prod/web"});
  EXPECT_EQ(leaf.dns_sans(), params.dns_names);
  EXPECT_EQ(leaf.subject_common_name(), "web.prod.svc");
  EXPECT_FALSE(leaf.is_ca());
  EXPECT_TRUE(leaf.key_usage_critical());
  EXPECT_EQ(leaf.key_usage(), crypto::kDigitalSignature);
  EXPECT_TRUE(leaf.ext_key_usage_server_auth());
  EXPECT_TRUE(leaf.ext_key_usage_client_auth());
  EXPECT_EQ(leaf.authority_key_id(), ca.cert.subject_key_id());
  EXPECT_FALSE(leaf.subject_key_id().empty());
  EXPECT_TRUE(leaf.public_key() == key.public_key());
  auto now_s = std::chrono::floor<seconds>(params.now);
  EXPECT_EQ(leaf.not_before(), now_s - seconds(10)) << "backdated";
  EXPECT_EQ(leaf.not_after(), now_s + seconds(3600));
  EXPECT_EQ(Unwrap(CheckLeafProfile(leaf)), params.id);
}

TEST(X509SvidMintTest, RsaLeafAlsoGetsKeyEncipherment) {
  auto ca = edgeid::testing::MakeTestCa("example.org");
  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kRsa2048));
  auto leaf =
      Unwrap(MintX509Svid(Params("spiffe://example.org/w"), key.public_key(), ca.cert, ca.key));
  EXPECT_EQ(leaf.key_usage(), crypto::kDigitalSignature | crypto::kKeyEncipherment);
}

TEST(X509SvidMintTest, LifetimeIsClampedToTheCa) {
  auto ca = edgeid::testing::MakeTestCa("example.org");  // valid for 24h
  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto leaf = Unwrap(MintX509Svid(Params("spiffe://example.org/w", seconds(7 * 86400)),
                                  key.public_key(), ca.cert, ca.key));
  EXPECT_EQ(leaf.not_after(), ca.cert.not_after());
}

TEST(X509SvidMintTest, RefusesBadRequests) {
  auto ca = edgeid::testing::MakeTestCa("example.org");
  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto no_path = MintX509Svid(Params("spiffe://example.org"), key.public_key(), ca.cert, ca.key);
  ASSERT_FALSE(no_path.ok());
  EXPECT_NE(no_path.error().message.find("needs a path"), std::string::npos);
  EXPECT_FALSE(
      MintX509Svid(Params("spiffe://example.org/w", seconds(0)), key.public_key(), ca.cert, ca.key)
          .ok());
  auto leaf_as_ca =
      edgeid::testing::SignLeaf(edgeid::testing::LeafTemplate("spiffe://example.org/x"), ca);
  EXPECT_FALSE(
      MintX509Svid(Params("spiffe://example.org/w"), key.public_key(), leaf_as_ca, ca.key).ok())
      << "a non-CA certificate cannot issue";
  auto late = Params("spiffe://example.org/w");
  late.now += std::chrono::hours(48);
  auto expired = MintX509Svid(late, key.public_key(), ca.cert, ca.key);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, ErrorCode::kFailedPrecondition);
}

TEST(X509SvidMintTest, FromCsrTakesOnlyTheKeyFromTheCsr) {
  auto ca = edgeid::testing::MakeTestCa("example.org");
  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto csr = Unwrap(crypto::CertificateRequest::Create(
      key, {"admin", {"spiffe://example.org/admin"}, {"evil.example"}}));
  auto leaf = Unwrap(MintX509SvidFromCsr(Params("spiffe://example.org/w"), csr, ca.cert, ca.key));
  EXPECT_EQ(leaf.uri_sans(), std::vector<std::string>{"spiffe://example.org/w"});
  EXPECT_TRUE(leaf.dns_sans().empty());
  EXPECT_TRUE(leaf.public_key() == key.public_key());

  std::string der = csr.ToDer();
  der[der.find("admin")] = 'A';
  auto tampered = Unwrap(crypto::CertificateRequest::FromDer(der));
  EXPECT_FALSE(
      MintX509SvidFromCsr(Params("spiffe://example.org/w"), tampered, ca.cert, ca.key).ok());
}

TEST(X509SvidMintTest, SvidWithKeyParsesFromPemAndDer) {
  auto ca = edgeid::testing::MakeTestCa("example.org");
  crypto::PrivateKey key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto leaf =
      Unwrap(MintX509Svid(Params("spiffe://example.org/w"), key.public_key(), ca.cert, ca.key));
  crypto::CertificateChain chain{leaf, ca.cert};

  auto svid = Unwrap(X509Svid::FromPem(crypto::CertificatesToPem(chain), Unwrap(key.ToPkcs8Pem())));
  EXPECT_EQ(svid.id.str(), "spiffe://example.org/w");
  EXPECT_EQ(svid.chain.size(), 2u);
  auto from_der =
      Unwrap(X509Svid::FromDer(crypto::CertificatesToDer(chain), Unwrap(key.ToPkcs8Der())));
  EXPECT_EQ(from_der.leaf(), leaf);

  auto other = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto mismatch = X509Svid::FromPem(crypto::CertificatesToPem(chain), Unwrap(other.ToPkcs8Pem()));
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message.find("does not match"), std::string::npos);
  auto ca_as_leaf = X509Svid::FromPem(ca.cert.ToPem(), Unwrap(ca.key.ToPkcs8Pem()));
  EXPECT_FALSE(ca_as_leaf.ok()) << "a CA certificate is not an SVID";
  EXPECT_FALSE(X509Svid::FromPem("junk", Unwrap(key.ToPkcs8Pem())).ok());
  EXPECT_FALSE(X509Svid::FromPem(leaf.ToPem(), "junk").ok());
}

TEST(X509SvidMintTest, SigningCertificateProfile) {
  auto ca = edgeid::testing::MakeTestCa("example.org");
  EXPECT_TRUE(CheckSigningCertificateProfile(ca.cert).ok());
  auto leaf =
      edgeid::testing::SignLeaf(edgeid::testing::LeafTemplate("spiffe://example.org/x"), ca);
  EXPECT_FALSE(CheckSigningCertificateProfile(leaf).ok());
}

}  // namespace
}  // namespace edgeid::spiffe
