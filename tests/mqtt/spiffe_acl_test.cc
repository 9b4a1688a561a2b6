#include "mqtt/acl/spiffe_acl.h"

#include <gtest/gtest.h>

#include "common/atomic_file.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::mqtt {
namespace {

using edgeid::testing::Unwrap;

spiffe::TrustDomain ExampleOrg() {
  return Unwrap(spiffe::TrustDomain::Parse("example.org"));
}

constexpr char kAcl[] = R"(
# the mapper publishes for every device of namespace default, and takes desired values
[[rule]]
spiffe_id = "spiffe://example.org/mapper/*"
publish = ["$hw/events/device/default/+/twin/update", "$ke/events/device/default/+/data/update"]
subscribe = ["$hw/events/device/default/+/twin/update/delta"]

[[rule]]
spiffe_id = "spiffe://example.org/cloud/telemetry"
subscribe = ["$ke/events/device/#"]
)";

Result<std::string> ErrorOf(std::string_view text) {
  auto acl = SpiffeAcl::Parse(text, ExampleOrg(), "ACL file acl.toml");
  if (acl.ok()) return std::string("accepted");
  return acl.error().message;
}

TEST(SpiffeAclTest, RulesGrantByIdAndTopic) {
  auto acl = Unwrap(SpiffeAcl::Parse(kAcl, ExampleOrg(), "acl"));
  const std::string mapper = "spiffe://example.org/mapper/ble";
  const std::string cloud = "spiffe://example.org/cloud/telemetry";
  EXPECT_TRUE(acl.Knows(mapper));
  EXPECT_TRUE(acl.Knows(cloud));
  EXPECT_FALSE(acl.Knows("spiffe://example.org/device/thermo-1"));
  EXPECT_FALSE(acl.Knows("spiffe://example.org/mapper/ble/extra"));
  EXPECT_TRUE(
      acl.Allows(mapper, MqttAccess::kPublish, "$ke/events/device/default/thermo-1/data/update"));
  EXPECT_FALSE(
      acl.Allows(mapper, MqttAccess::kPublish, "$ke/events/device/other-ns/thermo-1/data/update"));
  EXPECT_FALSE(acl.Allows(mapper, MqttAccess::kSubscribe, "$ke/events/device/#"));
  EXPECT_TRUE(
      acl.Allows(mapper, MqttAccess::kSubscribe, "$hw/events/device/default/+/twin/update/delta"));
  EXPECT_TRUE(acl.Allows(mapper, MqttAccess::kReceive,
                         "$hw/events/device/default/thermo-1/twin/update/delta"));
  EXPECT_FALSE(acl.Allows(cloud, MqttAccess::kPublish,
                          "$hw/events/device/default/thermo-1/twin/update/delta"));
  EXPECT_TRUE(acl.Allows(cloud, MqttAccess::kSubscribe, "$ke/events/device/default/+/data/update"));
  EXPECT_TRUE(
      acl.Allows(cloud, MqttAccess::kReceive, "$ke/events/device/default/thermo-1/data/update"));
  EXPECT_FALSE(acl.Allows("spiffe://example.org/device/thermo-1", MqttAccess::kPublish,
                          "$ke/events/device/default/thermo-1/data/update"));
}

TEST(SpiffeAclTest, IdPatternsMatchWholeSegments) {
  EXPECT_TRUE(SpiffeIdMatches("spiffe://example.org/mapper/*", "spiffe://example.org/mapper/a"));
  EXPECT_FALSE(SpiffeIdMatches("spiffe://example.org/mapper/*", "spiffe://example.org/mapper"));
  EXPECT_FALSE(SpiffeIdMatches("spiffe://example.org/mapper/*", "spiffe://example.org/mapper/"));
  EXPECT_FALSE(SpiffeIdMatches("spiffe://example.org/mapper/*", "spiffe://example.org/mapper/a/b"));
  EXPECT_TRUE(SpiffeIdMatches("spiffe://example.org/*/ble", "spiffe://example.org/mapper/ble"));
  EXPECT_FALSE(
      SpiffeIdMatches("spiffe://example.org/mapper/ble", "spiffe://example.org/mapper/bl"));
}

TEST(SpiffeAclTest, MistakesAreNamedWithTheirRule) {
  auto has = [](const Result<std::string>& message, const std::string& part) {
    return message.ok() && message->find(part) != std::string::npos;
  };
  EXPECT_TRUE(has(ErrorOf("[[rule]]\npublish = [\"a\"]\n"), "rule[0].spiffe_id: is required"));
  EXPECT_TRUE(has(ErrorOf("[[rule]]\nspiffe_id = \"spiffe://other.org/x\"\n"),
                  "not a workload of the broker's trust domain example.org"));
  EXPECT_TRUE(has(ErrorOf("[[rule]]\nspiffe_id = \"spiffe://*/x\"\n"), "rule[0].spiffe_id"));
  EXPECT_TRUE(
      has(ErrorOf("[[rule]]\nspiffe_id = \"spiffe://example.org/a*\"\n"), "rule[0].spiffe_id"));
  EXPECT_TRUE(has(ErrorOf("[[rule]]\nspiffe_id = \"spiffe://example.org/a\"\n"
                          "[[rule]]\nspiffe_id = \"spiffe://example.org/b\"\n"
                          "publish = [\"a/#/b\"]\n"),
                  "rule[1].publish"));
  EXPECT_TRUE(has(ErrorOf("[[rule]]\nspiffe_id = \"spiffe://example.org/a\"\npublish = \"a\"\n"),
                  "must be an array of strings"));
  EXPECT_TRUE(has(ErrorOf("[[rule]]\nspiffe_id = \"spiffe://example.org/a\"\npublsh = [\"a\"]\n"),
                  "rule[0].publsh"));
  EXPECT_TRUE(has(ErrorOf(""), "no [[rule]]"));
  EXPECT_TRUE(has(ErrorOf("[[rule]\n"), "ACL file acl.toml"));
  EXPECT_TRUE(has(ErrorOf("rule = 3\n"), "ACL file acl.toml"));
}

TEST(SpiffeAclTest, ClientIdsAreBoundToOneSpiffeId) {
  auto acl = Unwrap(SpiffeAcl::Parse(std::string(kAcl) +
                                         "[[rule]]\nspiffe_id = \"spiffe://example.org/legacy\"\n"
                                         "client_ids = [\"legacy-1\", \"legacy-2\"]\n",
                                     ExampleOrg(), "acl"));
  const std::string mapper = "spiffe://example.org/mapper/ble";
  EXPECT_TRUE(acl.ClientIdAllowed(mapper, mapper));
  EXPECT_TRUE(acl.ClientIdAllowed(mapper, mapper + "#sub-2"));
  EXPECT_FALSE(acl.ClientIdAllowed(mapper, mapper + "#"));
  EXPECT_FALSE(acl.ClientIdAllowed(mapper, mapper + "/x"));  // another ID's
  EXPECT_FALSE(acl.ClientIdAllowed(mapper, "spiffe://example.org/mapper/bl"));
  EXPECT_FALSE(acl.ClientIdAllowed(mapper, "spiffe://example.org/cloud/telemetry"));
  EXPECT_FALSE(acl.ClientIdAllowed("spiffe://example.org/mapper", mapper));
  EXPECT_FALSE(acl.ClientIdAllowed(mapper, "edgeid-ble-mapper"));
  EXPECT_FALSE(acl.ClientIdAllowed(mapper, "auto-6d1c0a6e-1111-4c4e-9b43-0c8d7b0c7a11"));
  EXPECT_FALSE(acl.ClientIdAllowed(mapper, ""));
  EXPECT_TRUE(acl.ClientIdAllowed("spiffe://example.org/legacy", "legacy-2"));
  EXPECT_FALSE(acl.ClientIdAllowed(mapper, "legacy-1"));
}

TEST(SpiffeAclTest, ClientIdsThatCouldBeSharedAreRefused) {
  auto has = [](const Result<std::string>& message, const std::string& part) {
    return message.ok() && message->find(part) != std::string::npos;
  };
  EXPECT_TRUE(has(ErrorOf("[[rule]]\nspiffe_id = \"spiffe://example.org/mapper/*\"\n"
                          "client_ids = [\"m\"]\n"),
                  "rule[0].client_ids: needs a spiffe_id without '*'"));
  EXPECT_TRUE(has(ErrorOf("[[rule]]\nspiffe_id = \"spiffe://example.org/a\"\n"
                          "client_ids = [\"spiffe://example.org/b\"]\n"),
                  "bound to that SPIFFE ID already"));
  EXPECT_TRUE(
      has(ErrorOf("[[rule]]\nspiffe_id = \"spiffe://example.org/a\"\nclient_ids = [\"\"]\n"),
          "rule[0].client_ids"));
  EXPECT_TRUE(
      has(ErrorOf("[[rule]]\nspiffe_id = \"spiffe://example.org/a\"\nclient_ids = [\"x\"]\n"
                  "[[rule]]\nspiffe_id = \"spiffe://example.org/b\"\nclient_ids = [\"x\"]\n"),
          "rule[1].client_ids: \"x\" is already bound to spiffe://example.org/a by rule[0]"));
  // Two rules of one identity may both list it.
  EXPECT_EQ(*ErrorOf("[[rule]]\nspiffe_id = \"spiffe://example.org/a\"\nclient_ids = [\"x\"]\n"
                     "[[rule]]\nspiffe_id = \"spiffe://example.org/a\"\nclient_ids = [\"x\"]\n"),
            "accepted");
}

TEST(SpiffeAclTest, LoadNamesTheFile) {
  edgeid::testing::TempDir dir;
  auto missing = SpiffeAcl::Load(dir.File("none.toml"), ExampleOrg());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find(dir.File("none.toml")), std::string::npos);
  ASSERT_TRUE(WriteFileAtomic(dir.File("acl.toml"), kAcl, 0644).ok());
  EXPECT_EQ(Unwrap(SpiffeAcl::Load(dir.File("acl.toml"), ExampleOrg())).rules().size(), 2u);
}

}  // namespace
}  // namespace edgeid::mqtt
