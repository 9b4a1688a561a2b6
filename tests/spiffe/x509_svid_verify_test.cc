// Each X.509-SVID validation rule (X509-SVID §5) with a certificate made to break it.
#include <gtest/gtest.h>

#include "spiffe/spiffe_bundle.h"
#include "spiffe/x509_svid.h"
#include "testing/test_pki.h"

namespace edgeid::spiffe {
namespace {

using edgeid::testing::LeafTemplate;
using edgeid::testing::MakeTestCa;
using edgeid::testing::SignLeaf;
using edgeid::testing::TestCa;
using edgeid::testing::Unwrap;

class X509SvidVerifyTest : public ::testing::Test {
 protected:
  X509SvidVerifyTest() : root_(MakeTestCa("example.org")) {
    SpiffeBundle bundle(Unwrap(TrustDomain::Parse("example.org")));
    bundle.x509().AddAuthority(root_.cert);
    bundles_.Put(bundle);
  }

  // The verification error for a leaf built from `tmpl` and signed by the root.
  std::string Reject(const crypto::CertificateTemplate& tmpl) {
    return Reject(crypto::CertificateChain{SignLeaf(tmpl, root_)});
  }
  std::string Reject(const crypto::CertificateChain& chain) {
    auto r = VerifyX509Svid(chain, bundles_, std::chrono::system_clock::now());
    EXPECT_FALSE(r.ok()) << "chain was accepted";
    return r.ok() ? "" : r.error().message;
  }

  TestCa root_;
  BundleSet bundles_;
};

TEST_F(X509SvidVerifyTest, AcceptsValidLeafDirectlyUnderRoot) {
  auto leaf = SignLeaf(LeafTemplate("spiffe://example.org/web"), root_);
  auto r = Unwrap(VerifyX509Svid({leaf}, bundles_, std::chrono::system_clock::now()));
  EXPECT_EQ(r.id.str(), "spiffe://example.org/web");
  ASSERT_EQ(r.verified_chain.size(), 2u);
  EXPECT_EQ(r.verified_chain[1], root_.cert);
}

TEST_F(X509SvidVerifyTest, AcceptsValidLeafThroughIntermediate) {
  auto inter = edgeid::testing::MakeIntermediateCa(root_, "example.org");
  auto leaf = SignLeaf(LeafTemplate("spiffe://example.org/web"), inter);
  auto r = Unwrap(VerifyX509Svid({leaf, inter.cert}, bundles_, std::chrono::system_clock::now()));
  EXPECT_EQ(r.verified_chain.size(), 3u);
  EXPECT_NE(Reject({leaf}).find("local issuer"), std::string::npos) << "intermediate missing";
}

TEST_F(X509SvidVerifyTest, AcceptsIntermediateAsTrustAnchor) {
  auto inter = edgeid::testing::MakeIntermediateCa(root_, "example.org");
  BundleSet only_intermediate;
  SpiffeBundle bundle(Unwrap(TrustDomain::Parse("example.org")));
  bundle.x509().AddAuthority(inter.cert);
  only_intermediate.Put(bundle);
  auto leaf = SignLeaf(LeafTemplate("spiffe://example.org/web"), inter);
  EXPECT_TRUE(VerifyX509Svid({leaf}, only_intermediate, std::chrono::system_clock::now()).ok());
}

TEST_F(X509SvidVerifyTest, RejectsLeafThatIsACa) {
  auto tmpl = LeafTemplate("spiffe://example.org/web");
  tmpl.is_ca = true;
  EXPECT_NE(Reject(tmpl).find("is a CA"), std::string::npos);
}

TEST_F(X509SvidVerifyTest, RejectsKeyCertSignOnLeaf) {
  auto tmpl = LeafTemplate("spiffe://example.org/web");
  tmpl.key_usage |= crypto::kKeyCertSign;
  EXPECT_NE(Reject(tmpl).find("keyCertSign"), std::string::npos);
}

TEST_F(X509SvidVerifyTest, RejectsCrlSignOnLeaf) {
  auto tmpl = LeafTemplate("spiffe://example.org/web");
  tmpl.key_usage |= crypto::kCrlSign;
  EXPECT_NE(Reject(tmpl).find("cRLSign"), std::string::npos);
}

TEST_F(X509SvidVerifyTest, RejectsLeafWithoutDigitalSignature) {
  auto tmpl = LeafTemplate("spiffe://example.org/web");
  tmpl.key_usage = crypto::kKeyEncipherment;
  EXPECT_NE(Reject(tmpl).find("digitalSignature"), std::string::npos);
}

TEST_F(X509SvidVerifyTest, RejectsLeafWithoutUriSan) {
  auto tmpl = LeafTemplate("spiffe://example.org/web");
  tmpl.uri_sans.clear();
  tmpl.dns_sans = {"web.example.org"};
  EXPECT_NE(Reject(tmpl).find("no URI SAN"), std::string::npos);
}

TEST_F(X509SvidVerifyTest, RejectsLeafWithSeveralUriSans) {
  auto tmpl = LeafTemplate("spiffe://example.org/web");
  tmpl.uri_sans.push_back("spiffe://example.org/admin");
  EXPECT_NE(Reject(tmpl).find("2 URI SANs"), std::string::npos);
}

TEST_F(X509SvidVerifyTest, RejectsIdWithoutPath) {
  EXPECT_NE(Reject(LeafTemplate("spiffe://example.org")).find("no path"), std::string::npos);
}

TEST_F(X509SvidVerifyTest, RejectsUriThatIsNotASpiffeId) {
  EXPECT_NE(Reject(LeafTemplate("https://example.org/web")).find("scheme"), std::string::npos);
  EXPECT_NE(Reject(LeafTemplate("spiffe://example.org/a//b")).find("empty path"),
            std::string::npos);
}

TEST_F(X509SvidVerifyTest, RejectsExpiredLeaf) {
  auto tmpl = LeafTemplate("spiffe://example.org/web");
  tmpl.not_before = std::chrono::system_clock::now() - std::chrono::hours(3);
  tmpl.not_after = std::chrono::system_clock::now() - std::chrono::hours(2);
  EXPECT_NE(Reject(tmpl).find("expired"), std::string::npos);
}

TEST_F(X509SvidVerifyTest, RejectsLeafNotYetValid) {
  auto tmpl = LeafTemplate("spiffe://example.org/web");
  tmpl.not_before = std::chrono::system_clock::now() + std::chrono::hours(2);
  tmpl.not_after = std::chrono::system_clock::now() + std::chrono::hours(3);
  EXPECT_NE(Reject(tmpl).find("not yet valid"), std::string::npos);
}

TEST_F(X509SvidVerifyTest, ValidityIsJudgedAtTheGivenTime) {
  auto leaf = SignLeaf(LeafTemplate("spiffe://example.org/web"), root_);
  auto later = std::chrono::system_clock::now() + std::chrono::hours(2);
  auto r = VerifyX509Svid({leaf}, bundles_, later);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("expired"), std::string::npos);
}

TEST_F(X509SvidVerifyTest, RejectsWrongTrustDomain) {
  auto other = MakeTestCa("other.org");
  auto leaf = SignLeaf(LeafTemplate("spiffe://other.org/web"), other);
  EXPECT_NE(Reject({leaf}).find("no trust bundle"), std::string::npos);
  // A leaf claiming example.org but issued by another CA fails path validation.
  auto impostor = SignLeaf(LeafTemplate("spiffe://example.org/web"), other);
  EXPECT_NE(Reject({impostor}).find("local issuer"), std::string::npos);
}

TEST_F(X509SvidVerifyTest, RejectsIssuerThatIsNotACa) {
  // A leaf signed with the key of another leaf: the "intermediate" has cA=false.
  crypto::PrivateKey fake_ca_key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto fake_ca_cert = SignLeaf(LeafTemplate("spiffe://example.org/fake"), root_, &fake_ca_key);
  TestCa fake{fake_ca_key, fake_ca_cert};
  auto leaf = SignLeaf(LeafTemplate("spiffe://example.org/web"), fake);
  std::string why = Reject({leaf, fake_ca_cert});
  EXPECT_NE(why.find("depth 1"), std::string::npos) << why;
  EXPECT_NE(why.find("invalid CA"), std::string::npos) << why;
}

TEST_F(X509SvidVerifyTest, RejectsTamperedSignature) {
  auto leaf = SignLeaf(LeafTemplate("spiffe://example.org/web"), root_);
  std::string der = leaf.ToDer();
  der[der.size() - 3] ^= 0x55;
  auto tampered = crypto::Certificate::FromDer(der);  // the flipped byte is inside ECDSA's s
  ASSERT_TRUE(tampered.ok());
  EXPECT_NE(Reject({*tampered}).find("signature"), std::string::npos);
}

TEST_F(X509SvidVerifyTest, RejectsEmptyChain) {
  EXPECT_NE(Reject(crypto::CertificateChain{}).find("empty"), std::string::npos);
}

}  // namespace
}  // namespace edgeid::spiffe
