#include "ca/upstreamauthority/disk/disk_upstream_authority.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::ca {
namespace {

using edgeid::testing::TempDir;
using edgeid::testing::TestCa;
using edgeid::testing::Unwrap;
using edgeid::testing::WriteTestFile;
using std::chrono::hours;

class DiskUpstreamTest : public ::testing::Test {
 protected:
  DiskUpstreamTest() : now_(std::chrono::system_clock::now()) {}

  DiskUpstreamConfig Write(const TestCa& ca, const crypto::CertificateChain& extra = {}) {
    std::string certs = ca.cert.ToPem() + crypto::CertificatesToPem(extra);
    WriteTestFile(dir_.File("ca.pem"), certs);
    WriteTestFile(dir_.File("ca.key"), Unwrap(ca.key.ToPkcs8Pem()));
    return {dir_.File("ca.pem"), dir_.File("ca.key"), ""};
  }
  std::string LoadError(const DiskUpstreamConfig& config) {
    auto r = DiskUpstreamAuthority::Load(config, now_);
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.error().message;
  }
  CaCertificateParams Params() {
    return {Unwrap(spiffe::TrustDomain::Parse("example.org")), {{"O", "edgeid"}}, now_, hours(24)};
  }

  TempDir dir_;
  TimePoint now_;
};

TEST_F(DiskUpstreamTest, MintsIntermediateUnderSelfSignedRoot) {
  auto root = edgeid::testing::MakeTestCa("corp.example");
  auto upstream = Unwrap(DiskUpstreamAuthority::Load(Write(root), now_));
  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  // Asks for more than the root's remaining day, so the clamp decides (not a race between now_
  // and the root's own clock reading).
  auto params = Params();
  params.ttl = hours(48);
  auto minted =
      Unwrap(upstream->MintX509Ca(Unwrap(crypto::CertificateRequest::Create(key)), params));
  ASSERT_EQ(minted.chain.size(), 1u);
  EXPECT_EQ(minted.roots, crypto::CertificateChain{root.cert});
  const auto& ca = minted.chain[0];
  EXPECT_TRUE(ca.is_ca());
  EXPECT_TRUE(ca.public_key() == key.public_key());
  EXPECT_EQ(ca.uri_sans(), std::vector<std::string>{"spiffe://example.org"});
  EXPECT_EQ(ca.authority_key_id(), root.cert.subject_key_id());
  EXPECT_EQ(ca.not_after(), root.cert.not_after()) << "clamped to the upstream CA";
}

TEST_F(DiskUpstreamTest, IntermediateUpstreamNeedsBundleAndIsCarriedInChain) {
  auto root = edgeid::testing::MakeTestCa("corp.example");
  auto inter = edgeid::testing::MakeIntermediateCa(root, "corp.example");
  auto config = Write(inter);
  EXPECT_NE(LoadError(config).find("bundle_file_path"), std::string::npos);

  WriteTestFile(dir_.File("bundle.pem"), root.cert.ToPem());
  config.bundle_file_path = dir_.File("bundle.pem");
  auto upstream = Unwrap(DiskUpstreamAuthority::Load(config, now_));
  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto minted =
      Unwrap(upstream->MintX509Ca(Unwrap(crypto::CertificateRequest::Create(key)), Params()));
  ASSERT_EQ(minted.chain.size(), 2u);
  EXPECT_EQ(minted.chain[1], inter.cert);
  EXPECT_EQ(minted.roots, crypto::CertificateChain{root.cert});

  auto stranger = edgeid::testing::MakeTestCa("stranger.example");
  WriteTestFile(dir_.File("bundle.pem"), stranger.cert.ToPem());
  EXPECT_NE(LoadError(config).find("does not chain"), std::string::npos);
}

TEST_F(DiskUpstreamTest, RefusesUnusableFiles) {
  auto root = edgeid::testing::MakeTestCa("corp.example");
  auto config = Write(root);
  EXPECT_NE(LoadError({"", config.key_file_path, ""}).find("cert_file_path is required"),
            std::string::npos);
  EXPECT_NE(LoadError({dir_.File("absent.pem"), config.key_file_path, ""}).find("absent.pem"),
            std::string::npos);
  WriteTestFile(dir_.File("junk.pem"), "junk");
  EXPECT_NE(LoadError({dir_.File("junk.pem"), config.key_file_path, ""}).find("junk.pem"),
            std::string::npos);
  EXPECT_NE(LoadError({config.cert_file_path, dir_.File("junk.pem"), ""}).find("junk.pem"),
            std::string::npos);

  auto other = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  WriteTestFile(dir_.File("other.key"), Unwrap(other.ToPkcs8Pem()));
  EXPECT_NE(LoadError({config.cert_file_path, dir_.File("other.key"), ""}).find("does not match"),
            std::string::npos);
}

TEST_F(DiskUpstreamTest, RefusesCertificatesThatCannotSign) {
  auto root = edgeid::testing::MakeTestCa("corp.example");
  crypto::PrivateKey leaf_key = root.key;
  auto leaf = edgeid::testing::SignLeaf(edgeid::testing::LeafTemplate("spiffe://corp.example/x"),
                                        root, &leaf_key);
  EXPECT_NE(LoadError(Write({leaf_key, leaf})).find("not a CA"), std::string::npos);

  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  crypto::CertificateTemplate no_sign;
  no_sign.subject = {{"CN", "no keyCertSign"}};
  no_sign.not_before = now_ - hours(1);
  no_sign.not_after = now_ + hours(1);
  no_sign.is_ca = true;
  no_sign.key_usage = crypto::kDigitalSignature;
  auto cert = Unwrap(crypto::SignCertificate(no_sign, key.public_key(), nullptr, key));
  EXPECT_NE(LoadError(Write({key, cert})).find("keyCertSign"), std::string::npos);

  crypto::CertificateTemplate expired = no_sign;
  expired.key_usage = crypto::kKeyCertSign;
  expired.not_before = now_ - hours(48);
  expired.not_after = now_ - hours(24);
  auto old = Unwrap(crypto::SignCertificate(expired, key.public_key(), nullptr, key));
  EXPECT_NE(LoadError(Write({key, old})).find("not valid now"), std::string::npos);
}

TEST_F(DiskUpstreamTest, RefusesCsrWithBadSignature) {
  auto root = edgeid::testing::MakeTestCa("corp.example");
  auto upstream = Unwrap(DiskUpstreamAuthority::Load(Write(root), now_));
  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  std::string der = Unwrap(crypto::CertificateRequest::Create(key, {"ca", {}, {}})).ToDer();
  der[der.size() - 4] ^= 0x10;
  auto csr = crypto::CertificateRequest::FromDer(der);
  ASSERT_TRUE(csr.ok());
  EXPECT_FALSE(upstream->MintX509Ca(*csr, Params()).ok());
}

}  // namespace
}  // namespace edgeid::ca
