#include "mqtt/mosquitto_plugin/client_identity.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::mqtt {
namespace {

using edgeid::testing::LeafTemplate;
using edgeid::testing::MakeIntermediateCa;
using edgeid::testing::MakeTestCa;
using edgeid::testing::SignLeaf;
using edgeid::testing::TempDir;
using edgeid::testing::Unwrap;
using edgeid::testing::WriteTestFile;

spiffe::TrustDomain BrokerTrustDomain() {
  return Unwrap(spiffe::TrustDomain::Parse("example.org"));
}

Result<spiffe::SpiffeId> IdOf(const crypto::Certificate& leaf, const spiffe::X509Bundle& own) {
  return ClientSpiffeId(leaf.get(), own, std::chrono::system_clock::now());
}

std::string MessageOf(const Result<spiffe::SpiffeId>& id) {
  return id.ok() ? "accepted " + id->str() : id.error().message;
}

TEST(ClientIdentityTest, TheSvidsIdOfTheBrokersTrustDomain) {
  auto ca = MakeTestCa("example.org");
  spiffe::X509Bundle own(BrokerTrustDomain(), {ca.cert});
  auto leaf = SignLeaf(LeafTemplate("spiffe://example.org/mapper/ble"), ca);
  EXPECT_EQ(Unwrap(IdOf(leaf, own)).str(), "spiffe://example.org/mapper/ble");

  auto foreign = IdOf(SignLeaf(LeafTemplate("spiffe://other.org/mapper/ble"), ca), own);
  EXPECT_NE(MessageOf(foreign).find("not in the broker's trust domain example.org"),
            std::string::npos);

  auto tmpl = LeafTemplate("spiffe://example.org/x");
  tmpl.uri_sans.clear();
  tmpl.dns_sans = {"sensor.example.org"};
  EXPECT_NE(MessageOf(IdOf(SignLeaf(tmpl, ca), own)).find("not an X509-SVID"), std::string::npos);

  EXPECT_FALSE(IdOf(ca.cert, own).ok());  // a CA certificate
  EXPECT_FALSE(ClientSpiffeId(nullptr, own, std::chrono::system_clock::now()).ok());
}

TEST(ClientIdentityTest, OnlyTheOwnTrustBundleVouchesForOwnDomainIds) {
  auto ca = MakeTestCa("example.org");
  spiffe::X509Bundle own(BrokerTrustDomain(), {ca.cert});
  // A federated domain's CA (trusted by the broker's cafile) writing an ID of example.org.
  auto federated = MakeTestCa("federated.org");
  auto forged = IdOf(SignLeaf(LeafTemplate("spiffe://example.org/mapper/ble"), federated), own);
  EXPECT_NE(MessageOf(forged).find("(against plugin_opt_trust_bundle)"), std::string::npos)
      << MessageOf(forged);
  // Another CA that merely claims the own trust domain.
  auto impostor = MakeTestCa("example.org");
  EXPECT_FALSE(IdOf(SignLeaf(LeafTemplate("spiffe://example.org/mapper/ble"), impostor), own).ok());

  // Mosquitto hands over the leaf alone: an intermediate issuer counts when the file holds it.
  auto signing = MakeIntermediateCa(ca, "example.org");
  auto below = SignLeaf(LeafTemplate("spiffe://example.org/mapper/ble"), signing);
  EXPECT_FALSE(IdOf(below, own).ok());
  spiffe::X509Bundle with_intermediate(BrokerTrustDomain(), {ca.cert, signing.cert});
  EXPECT_TRUE(IdOf(below, with_intermediate).ok());

  // The leaf's validity period is checked again.
  auto tmpl = LeafTemplate("spiffe://example.org/mapper/ble");
  tmpl.not_before = std::chrono::system_clock::now() - std::chrono::hours(2);
  tmpl.not_after = std::chrono::system_clock::now() - std::chrono::minutes(1);
  EXPECT_FALSE(IdOf(SignLeaf(tmpl, ca), own).ok());
}

TEST(ClientIdentityTest, BadTrustBundleFilesAreNamed) {
  TempDir dir;
  auto td = BrokerTrustDomain();
  auto error_of = [&](const std::string& name) {
    auto loaded = TrustBundleFile::Load(dir.File(name), td);
    return loaded.ok() ? std::string("accepted") : loaded.error().message;
  };
  auto has = [](const std::string& message, const std::string& part) {
    return message.find(part) != std::string::npos;
  };
  const std::string where = "plugin_opt_trust_bundle " + dir.File("");
  EXPECT_TRUE(has(error_of("absent.pem"), where + "absent.pem")) << error_of("absent.pem");

  WriteTestFile(dir.File("empty.pem"), "# nothing here\n");
  EXPECT_TRUE(has(error_of("empty.pem"), where + "empty.pem: no CERTIFICATE block"))
      << error_of("empty.pem");

  WriteTestFile(dir.File("malformed.pem"), "-----BEGIN CERTIFICATE-----\nnot base64\n");
  EXPECT_TRUE(has(error_of("malformed.pem"), where + "malformed.pem")) << error_of("malformed.pem");
  EXPECT_TRUE(has(error_of("malformed.pem"), "malformed PEM certificate #1"))
      << error_of("malformed.pem");

  auto ca = MakeTestCa("example.org");
  WriteTestFile(dir.File("leaf.pem"),
                ca.cert.ToPem() + SignLeaf(LeafTemplate("spiffe://example.org/a"), ca).ToPem());
  EXPECT_TRUE(has(error_of("leaf.pem"), "certificate #2")) << error_of("leaf.pem");
  EXPECT_TRUE(has(error_of("leaf.pem"), "is not a CA")) << error_of("leaf.pem");

  WriteTestFile(dir.File("federated.pem"), ca.cert.ToPem() + MakeTestCa("other.org").cert.ToPem());
  EXPECT_TRUE(has(error_of("federated.pem"), "is a CA of trust domain other.org, not example.org"))
      << error_of("federated.pem");

  WriteTestFile(dir.File("good.pem"), ca.cert.ToPem());
  EXPECT_EQ(error_of("good.pem"), "accepted");
}

TEST(ClientIdentityTest, TheTrustBundleFileIsReadAgainWhenReplaced) {
  TempDir dir;
  auto first = MakeTestCa("example.org");
  auto second = MakeTestCa("example.org");
  const std::string path = dir.File("bundle.pem");
  WriteTestFile(path, first.cert.ToPem());
  auto file = Unwrap(TrustBundleFile::Load(path, BrokerTrustDomain()));
  EXPECT_FALSE(Unwrap(file.RefreshIfChanged()));  // the same file

  // Replaced by rename, as edgeid-helper writes it.
  WriteTestFile(path + ".new", first.cert.ToPem() + second.cert.ToPem());
  ASSERT_EQ(::rename((path + ".new").c_str(), path.c_str()), 0);
  EXPECT_TRUE(Unwrap(file.RefreshIfChanged()));
  EXPECT_EQ(file.bundle().authorities().size(), 2u);

  // A bad replacement is reported once and the authorities stay.
  WriteTestFile(path + ".new", "garbage");
  ASSERT_EQ(::rename((path + ".new").c_str(), path.c_str()), 0);
  EXPECT_FALSE(file.RefreshIfChanged().ok());
  EXPECT_FALSE(Unwrap(file.RefreshIfChanged()));
  EXPECT_EQ(file.bundle().authorities().size(), 2u);
  EXPECT_FALSE(file.Reload().ok());
  EXPECT_EQ(file.bundle().authorities().size(), 2u);

  // A removed file too; the file coming back is read again.
  ASSERT_EQ(::unlink(path.c_str()), 0);
  EXPECT_FALSE(file.RefreshIfChanged().ok());
  EXPECT_FALSE(Unwrap(file.RefreshIfChanged()));
  WriteTestFile(path, second.cert.ToPem());
  EXPECT_TRUE(Unwrap(file.RefreshIfChanged()));
  ASSERT_EQ(file.bundle().authorities().size(), 1u);
  EXPECT_EQ(file.bundle().authorities()[0], second.cert);
}

}  // namespace
}  // namespace edgeid::mqtt
