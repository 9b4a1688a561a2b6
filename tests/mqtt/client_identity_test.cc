#include "mqtt/mosquitto_plugin/client_identity.h"

#include <gtest/gtest.h>

#include "testing/test_pki.h"

namespace edgeid::mqtt {
namespace {

using edgeid::testing::LeafTemplate;
using edgeid::testing::MakeTestCa;
using edgeid::testing::SignLeaf;
using edgeid::testing::Unwrap;

TEST(ClientIdentityTest, TheSvidsIdOfTheBrokersTrustDomain) {
  auto ca = MakeTestCa("example.org");
  auto td = Unwrap(spiffe::TrustDomain::Parse("example.org"));
  auto leaf = SignLeaf(LeafTemplate("spiffe://example.org/mapper/ble"), ca);
  EXPECT_EQ(Unwrap(ClientSpiffeId(leaf.get(), td)).str(), "spiffe://example.org/mapper/ble");

  auto foreign = SignLeaf(LeafTemplate("spiffe://other.org/mapper/ble"), ca);
  auto refused = ClientSpiffeId(foreign.get(), td);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("not in the broker's trust domain example.org"),
            std::string::npos);

  auto tmpl = LeafTemplate("spiffe://example.org/x");
  tmpl.uri_sans.clear();
  tmpl.dns_sans = {"sensor.example.org"};
  auto no_uri = ClientSpiffeId(SignLeaf(tmpl, ca).get(), td);
  ASSERT_FALSE(no_uri.ok());
  EXPECT_NE(no_uri.error().message.find("not an X509-SVID"), std::string::npos);

  EXPECT_FALSE(ClientSpiffeId(ca.cert.get(), td).ok());  // a CA certificate
  EXPECT_FALSE(ClientSpiffeId(nullptr, td).ok());
}

}  // namespace
}  // namespace edgeid::mqtt
