// The openssl CLI as an independent verifier: what edgeid writes, OpenSSL accepts, and what
// OpenSSL writes, edgeid reads.
#include <gtest/gtest.h>

#include "crypto/csr.h"
#include "spiffe/x509_svid.h"
#include "testing/command.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::crypto {
namespace {

using edgeid::testing::ReadTestFile;
using edgeid::testing::RunCommand;
using edgeid::testing::TempDir;
using edgeid::testing::Unwrap;
using edgeid::testing::WriteTestFile;

spiffe::SpiffeId Id(const char* s) {
  return Unwrap(spiffe::SpiffeId::Parse(s));
}

TEST(OpensslInteropTest, OpensslVerifiesMintedSvidThroughIntermediate) {
  TempDir dir;
  auto root = edgeid::testing::MakeTestCa("example.org");
  auto inter = edgeid::testing::MakeIntermediateCa(root, "example.org");
  auto key = Unwrap(PrivateKey::Generate(KeyType::kEcP256));
  spiffe::X509SvidParams params{Id("spiffe://example.org/web"), {"web.local"}};
  params.now = std::chrono::system_clock::now();
  auto leaf = Unwrap(spiffe::MintX509Svid(params, key.public_key(), inter.cert, inter.key));
  WriteTestFile(dir.File("root.pem"), root.cert.ToPem());
  WriteTestFile(dir.File("inter.pem"), inter.cert.ToPem());
  WriteTestFile(dir.File("leaf.pem"), leaf.ToPem());

  for (const char* purpose : {"sslclient", "sslserver"}) {
    auto r = RunCommand("openssl verify -purpose " + std::string(purpose) + " -CAfile " +
                        dir.File("root.pem") + " -untrusted " + dir.File("inter.pem") + " " +
                        dir.File("leaf.pem"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(": OK"), std::string::npos) << r.output;
  }
  auto text = RunCommand("openssl x509 -noout -text -in " + dir.File("leaf.pem"));
  EXPECT_NE(text.output.find("URI:spiffe://example.org/web"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("CA:FALSE"), std::string::npos);

  // Without the intermediate, or against another root, OpenSSL refuses.
  auto missing =
      RunCommand("openssl verify -CAfile " + dir.File("root.pem") + " " + dir.File("leaf.pem"));
  EXPECT_NE(missing.exit_code, 0);
  auto other = edgeid::testing::MakeTestCa("example.org");
  WriteTestFile(dir.File("other.pem"), other.cert.ToPem());
  auto wrong = RunCommand("openssl verify -CAfile " + dir.File("other.pem") + " -untrusted " +
                          dir.File("inter.pem") + " " + dir.File("leaf.pem"));
  EXPECT_NE(wrong.exit_code, 0);
}

TEST(OpensslInteropTest, OpensslVerifiesOurCsrs) {
  TempDir dir;
  for (auto type : {KeyType::kEcP256, KeyType::kEcP384, KeyType::kRsa2048}) {
    auto key = Unwrap(PrivateKey::Generate(type));
    auto csr = Unwrap(CertificateRequest::Create(key, {"node", {"spiffe://example.org/n"}, {}}));
    WriteTestFile(dir.File("csr.pem"), csr.ToPem());
    auto r = RunCommand("openssl req -verify -noout -in " + dir.File("csr.pem"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("verify OK"), std::string::npos) << r.output;
  }
}

TEST(OpensslInteropTest, AcceptsCaAndCsrMadeWithOpensslCli) {
  TempDir dir;
  auto ca = RunCommand(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
      " -subj /CN=upstream -addext basicConstraints=critical,CA:TRUE"
      " -addext keyUsage=critical,keyCertSign,cRLSign -keyout " +
      dir.File("ca.key") + " -out " + dir.File("ca.pem"));
  ASSERT_EQ(ca.exit_code, 0) << ca.output;
  auto csr = RunCommand(
      "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=w"
      " -keyout " +
      dir.File("w.key") + " -out " + dir.File("w.csr"));
  ASSERT_EQ(csr.exit_code, 0) << csr.output;

  auto ca_cert = Unwrap(Certificate::FromPem(ReadTestFile(dir.File("ca.pem"))));
  auto ca_key = Unwrap(PrivateKey::FromPem(ReadTestFile(dir.File("ca.key"))));
  EXPECT_TRUE(ca_cert.is_ca());
  EXPECT_TRUE(ca_cert.public_key() == ca_key.public_key());
  auto request = Unwrap(CertificateRequest::FromPem(ReadTestFile(dir.File("w.csr"))));
  ASSERT_TRUE(request.VerifySignature().ok());

  spiffe::X509SvidParams params{Id("spiffe://example.org/w")};
  params.now = std::chrono::system_clock::now();
  auto leaf = Unwrap(spiffe::MintX509SvidFromCsr(params, request, ca_cert, ca_key));
  WriteTestFile(dir.File("w.pem"), leaf.ToPem());
  auto r = RunCommand("openssl verify -CAfile " + dir.File("ca.pem") + " " + dir.File("w.pem"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // The certificate carries the key the workload made, which never left its file.
  auto pub = RunCommand("openssl pkey -in " + dir.File("w.key") + " -pubout");
  EXPECT_EQ(pub.output, leaf.public_key().ToPem());
}

}  // namespace
}  // namespace edgeid::crypto
