#include "crypto/csr.h"

#include <gtest/gtest.h>

#include "testing/test_pki.h"

namespace edgeid::crypto {
namespace {

using edgeid::testing::Unwrap;

TEST(CsrTest, CreateParseVerifyRoundTrip) {
  for (auto type : {KeyType::kEcP256, KeyType::kEcP384, KeyType::kRsa2048}) {
    auto key = Unwrap(PrivateKey::Generate(type));
    auto csr = Unwrap(CertificateRequest::Create(
        key, {"edge-1", {"spiffe://example.org/agent"}, {"edge-1.local"}}));
    EXPECT_TRUE(csr.VerifySignature().ok());
    auto from_der = Unwrap(CertificateRequest::FromDer(csr.ToDer()));
    EXPECT_TRUE(from_der.VerifySignature().ok());
    EXPECT_TRUE(Unwrap(from_der.public_key()) == key.public_key());
    EXPECT_EQ(from_der.uri_sans(), std::vector<std::string>{"spiffe://example.org/agent"});
    auto from_pem = Unwrap(CertificateRequest::FromPem(csr.ToPem()));
    EXPECT_TRUE(from_pem.VerifySignature().ok());
  }
}

TEST(CsrTest, TamperedCsrFailsVerification) {
  auto key = Unwrap(PrivateKey::Generate(KeyType::kEcP256));
  auto csr = Unwrap(CertificateRequest::Create(key, {"honest", {}, {}}));
  std::string der = csr.ToDer();
  size_t pos = der.find("honest");
  ASSERT_NE(pos, std::string::npos);
  der[pos] = 'H';
  auto tampered = Unwrap(CertificateRequest::FromDer(der));
  auto s = tampered.VerifySignature();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("signature"), std::string::npos);
}

TEST(CsrTest, RejectsMalformedInput) {
  EXPECT_FALSE(CertificateRequest::FromDer("").ok());
  EXPECT_FALSE(CertificateRequest::FromDer("garbage").ok());
  EXPECT_FALSE(CertificateRequest::FromPem("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n").ok());
  auto key = Unwrap(PrivateKey::Generate(KeyType::kEcP256));
  std::string der = Unwrap(CertificateRequest::Create(key)).ToDer();
  EXPECT_FALSE(CertificateRequest::FromDer(der + "x").ok()) << "trailing data";
}

}  // namespace
}  // namespace edgeid::crypto
