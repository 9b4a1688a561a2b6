#include "crypto/certificate.h"

#include <gtest/gtest.h>

#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "testing/command.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::crypto {
namespace {

using edgeid::testing::MakeTestCa;
using edgeid::testing::Unwrap;

TEST(CertificateTest, BuilderWritesTheRequestedProfile) {
  auto ca = MakeTestCa("example.org");
  auto tmpl = edgeid::testing::LeafTemplate("spiffe://example.org/web");
  tmpl.dns_sans = {"web.example.org"};
  auto leaf = edgeid::testing::SignLeaf(tmpl, ca);

  EXPECT_FALSE(leaf.is_ca());
  EXPECT_TRUE(leaf.key_usage_critical());
  EXPECT_EQ(leaf.key_usage(), kDigitalSignature);
  EXPECT_TRUE(leaf.ext_key_usage_server_auth());
  EXPECT_TRUE(leaf.ext_key_usage_client_auth());
  EXPECT_EQ(leaf.uri_sans(), std::vector<std::string>{"spiffe://example.org/web"});
  EXPECT_EQ(leaf.dns_sans(), std::vector<std::string>{"web.example.org"});
  EXPECT_EQ(leaf.authority_key_id(), ca.cert.subject_key_id());
  EXPECT_EQ(leaf.subject_key_id().size(), 20u);
  EXPECT_GE(leaf.serial_hex().size(), 30u) << "128-bit random serial";
  EXPECT_TRUE(ca.cert.is_ca());
  EXPECT_TRUE(ca.cert.is_self_signed());
  EXPECT_FALSE(leaf.is_self_signed());
  EXPECT_EQ(ca.cert.subject_common_name(), "example.org root");
}

TEST(CertificateTest, SerialsAreUnique) {
  auto ca = MakeTestCa("example.org");
  auto a = edgeid::testing::SignLeaf(edgeid::testing::LeafTemplate("spiffe://example.org/a"), ca);
  auto b = edgeid::testing::SignLeaf(edgeid::testing::LeafTemplate("spiffe://example.org/a"), ca);
  EXPECT_NE(a.serial_hex(), b.serial_hex());
}

TEST(CertificateTest, PemAndDerChainsRoundTrip) {
  auto root = MakeTestCa("example.org");
  auto inter = edgeid::testing::MakeIntermediateCa(root, "example.org");
  auto leaf =
      edgeid::testing::SignLeaf(edgeid::testing::LeafTemplate("spiffe://example.org/x"), inter);
  CertificateChain chain{leaf, inter.cert, root.cert};

  auto from_pem = Unwrap(ParseCertificatesPem(CertificatesToPem(chain)));
  EXPECT_EQ(from_pem, chain);
  auto from_der = Unwrap(ParseCertificatesDer(CertificatesToDer(chain)));
  EXPECT_EQ(from_der, chain);
  EXPECT_EQ(Unwrap(Certificate::FromDer(leaf.ToDer())), leaf);
  EXPECT_EQ(leaf.fingerprint_sha256(), Sha256(leaf.ToDer()));
}

TEST(CertificateTest, PemWithKeyBlockBeforeCertificatesIsAccepted) {
  auto ca = MakeTestCa("example.org");
  std::string pem = Unwrap(ca.key.ToPkcs8Pem()) + ca.cert.ToPem();
  EXPECT_EQ(Unwrap(ParseCertificatesPem(pem)).size(), 1u);
}

TEST(CertificateTest, RejectsMalformedInput) {
  auto ca = MakeTestCa("example.org");
  std::string der = ca.cert.ToDer();
  EXPECT_FALSE(Certificate::FromDer(der.substr(0, der.size() - 1)).ok()) << "truncated";
  EXPECT_FALSE(Certificate::FromDer(der + "x").ok()) << "trailing data";
  EXPECT_FALSE(ParseCertificatesDer(der + der.substr(0, 10)).ok()) << "second cert truncated";
  EXPECT_FALSE(ParseCertificatesPem("").ok());
  EXPECT_FALSE(ParseCertificatesPem("hello").ok());
  std::string pem = ca.cert.ToPem();
  pem[pem.size() / 2] = '!';
  EXPECT_FALSE(ParseCertificatesPem(pem).ok()) << "corrupt base64 inside the block";
  EXPECT_FALSE(Certificate::FromPem(ca.cert.ToPem() + ca.cert.ToPem()).ok())
      << "FromPem wants exactly one";
}

TEST(CertificateTest, RefusesCertificateWhoseKeyCannotBeDecoded) {
  // Found by x509_fuzz and bundle_fuzz: OpenSSL parses such a certificate but has no key for it.
  auto ca = MakeTestCa("example.org");
  std::string der = ca.cert.ToDer();
  auto coords = Unwrap(ca.cert.public_key().ec_coordinates());
  size_t y = der.find(coords.y);
  ASSERT_NE(y, std::string::npos);
  der[y + 31] ^= 0x01;  // the point leaves the curve
  auto parsed = Certificate::FromDer(der);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("public key"), std::string::npos);
  EXPECT_FALSE(ParseCertificatesDer(der).ok());
  std::string b64 = Base64Encode(der);
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  pem += "-----END CERTIFICATE-----\n";
  auto from_pem = ParseCertificatesPem(pem);
  ASSERT_FALSE(from_pem.ok());
  EXPECT_NE(from_pem.error().message.find("public key"), std::string::npos);
}

TEST(CertificateTest, FarFutureExpiryIsClampedNotOverflowed) {
  // Found by x509_fuzz: RFC 5280 allows dates up to 9999, system_clock ends in 2262.
  edgeid::testing::TempDir dir;
  auto r = edgeid::testing::RunCommand(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=far"
      " -days 2900000 -keyout " +
      dir.File("k.pem") + " -out " + dir.File("c.pem"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto cert = Unwrap(Certificate::FromPem(edgeid::testing::ReadTestFile(dir.File("c.pem"))));
  EXPECT_EQ(cert.not_after(), TimePoint::max());
  EXPECT_LT(cert.not_before(), std::chrono::system_clock::now() + std::chrono::hours(1));
}

TEST(CertificateTest, BuilderRefusesInvertedValidity) {
  auto ca = MakeTestCa("example.org");
  auto tmpl = edgeid::testing::LeafTemplate("spiffe://example.org/x");
  std::swap(tmpl.not_before, tmpl.not_after);
  EXPECT_FALSE(SignCertificate(tmpl, ca.key.public_key(), &ca.cert, ca.key).ok());
}

}  // namespace
}  // namespace edgeid::crypto
