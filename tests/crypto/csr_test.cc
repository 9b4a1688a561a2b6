#include "crypto/csr.h"

#include <gtest/gtest.h>

#include "testing/command.h"
#include "testing/temp_dir.h"
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
    EXPECT_TRUE(from_der.public_key() == key.public_key());
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

TEST(CsrTest, RejectsStructuralViolations) {
  using namespace std::string_view_literals;
  auto key = Unwrap(PrivateKey::Generate(KeyType::kEcP256));
  std::string der = Unwrap(CertificateRequest::Create(key)).ToDer();
  // Version is the first element of the info: 30 len 30 len 02 01 00.
  size_t version = der.find("\x02\x01\x00"sv);
  ASSERT_NE(version, std::string::npos);
  std::string v2 = der;
  v2[version + 2] = 1;
  auto bad_version = CertificateRequest::FromDer(v2);
  ASSERT_FALSE(bad_version.ok());
  EXPECT_NE(bad_version.error().message.find("version"), std::string::npos);
  EXPECT_FALSE(CertificateRequest::FromDer(der.substr(0, der.size() - 1)).ok()) << "truncated";
  EXPECT_FALSE(CertificateRequest::FromDer("\x30\x00"sv).ok()) << "empty sequence";
}

TEST(CsrTest, OpensslCliRsaAndPssRequestsAreVerified) {
  edgeid::testing::TempDir dir;
  for (const char* extra : {"", "-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32"}) {
    auto r = edgeid::testing::RunCommand("openssl req -new -newkey rsa:2048 -nodes -subj /CN=rsa " +
                                         std::string(extra) + " -keyout " + dir.File("k.pem") +
                                         " -out " + dir.File("r.csr"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto csr =
        Unwrap(CertificateRequest::FromPem(edgeid::testing::ReadTestFile(dir.File("r.csr"))));
    EXPECT_TRUE(csr.VerifySignature().ok()) << extra;
    EXPECT_EQ(csr.public_key().key_type(), KeyType::kRsa2048);
    std::string der = csr.ToDer();
    der[der.size() - 10] ^= 0x01;  // inside the signature
    auto tampered = Unwrap(CertificateRequest::FromDer(der));
    EXPECT_FALSE(tampered.VerifySignature().ok()) << extra;
  }
}

TEST(CsrTest, OffCurvePointIsRefused) {
  auto key = Unwrap(PrivateKey::Generate(KeyType::kEcP256));
  std::string der = Unwrap(CertificateRequest::Create(key)).ToDer();
  auto coords = Unwrap(key.public_key().ec_coordinates());
  size_t y = der.find(coords.y);
  ASSERT_NE(y, std::string::npos);
  der[y + 31] ^= 0x01;
  auto r = CertificateRequest::FromDer(der);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("curve"), std::string::npos);
}

}  // namespace
}  // namespace edgeid::crypto
