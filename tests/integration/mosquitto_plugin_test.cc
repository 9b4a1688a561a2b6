// The SPIFFE plugin inside a real Mosquitto broker, driven by Mosquitto's own command-line
// clients: who may connect, publish and subscribe is decided by the SPIFFE ID of the client's
// certificate, the plugin's own trust bundle and the ACL file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>

#include "common/atomic_file.h"
#include "testing/command.h"
#include "testing/mosquitto_broker.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::testing {
namespace {

constexpr char kDataTopic[] = "$ke/events/device/default/thermo-1/data/update";
constexpr char kDeltaTopic[] = "$hw/events/device/default/thermo-1/twin/update/delta";
constexpr char kMapperId[] = "spiffe://example.org/mapper/ble";
constexpr char kCloudId[] = "spiffe://example.org/cloud/telemetry";
constexpr char kAcl[] = R"(
[[rule]]
spiffe_id = "spiffe://example.org/mapper/*"
publish = ["$hw/events/device/default/+/twin/update", "$ke/events/device/default/+/data/update"]
subscribe = ["$hw/events/device/default/+/twin/update/delta"]

[[rule]]
spiffe_id = "spiffe://example.org/cloud/telemetry"
publish = ["$hw/events/device/default/+/twin/update/delta"]
subscribe = ["$ke/events/device/#"]
)";

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

class MosquittoPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
#if defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "the broker is not built with ThreadSanitizer and cannot load the plugin";
#endif
    broker_ =
        MakeBrokerWithTestCa(dir_.path(), ca_, "example.org", "spiffe://example.org/mqtt/broker",
                             kAcl, EDGEID_MOSQUITTO_PLUGIN);
  }

  // Writes NAME.pem and NAME.key (0600) for a certificate made from `tmpl` by `issuer`.
  void Issue(const std::string& name, const crypto::CertificateTemplate& tmpl,
             const TestCa& issuer) {
    WriteIssuedKeyAndCert(dir_.File(name), tmpl, issuer);
    if (!tmpl.uri_sans.empty()) ids_[name] = tmpl.uri_sans.front();
  }
  void IssueSvid(const std::string& name, const std::string& id) {
    Issue(name, LeafTemplate(id), ca_);
  }

  std::string ClientArgs(const std::string& name) const {
    return MosquittoClientArgs(*broker_, dir_.File("bundle.pem"),
                               name.empty() ? "" : dir_.File(name + ".pem"),
                               name.empty() ? "" : dir_.File(name + ".key"));
  }

  // The client ID `name`'s certificate binds it to for `session`: its SPIFFE ID, '#', the
  // session; "session-name" for a certificate without a URI SAN.
  std::string ClientId(const std::string& name, const std::string& session) const {
    auto id = ids_.find(name);
    return id == ids_.end() ? session + "-" + name : id->second + "#" + session;
  }

  CommandResult Publish(const std::string& name, const std::string& topic,
                        const std::string& message) {
    return PublishAs(name, ClientId(name, "pub"), topic, message);
  }
  CommandResult PublishAs(const std::string& name, const std::string& client_id,
                          const std::string& topic, const std::string& message) {
    return RunCommand("mosquitto_pub " + ClientArgs(name) +
                      (client_id.empty() ? "" : " -i '" + client_id + "'") + " -t '" + topic +
                      "' -m '" + message + "' 2>&1");
  }

  // Subscribes in the background until `count` messages came or 10 s passed; returns once the
  // broker acknowledged the subscription.
  std::unique_ptr<ChildProcess> Subscribe(const std::string& name, const std::string& filter,
                                          int count) {
    return SubscribeAs(name, ClientId(name, "sub"), filter, count);
  }
  std::unique_ptr<ChildProcess> SubscribeAs(const std::string& name, const std::string& client_id,
                                            const std::string& filter, int count) {
    auto sub = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/bin/sh", "-c",
                                 "exec stdbuf -oL mosquitto_sub " + ClientArgs(name) + " -i '" +
                                     client_id + "' -d -v -W 10 -C " + std::to_string(count) +
                                     " -t '" + filter + "'"},
        dir_.File("sub-" + name + ".log"));
    EXPECT_TRUE(sub->WaitForOutput("received SUBACK")) << sub->Output();
    return sub;
  }

  TempDir dir_;
  TestCa ca_ = MakeTestCa("example.org");
  std::unique_ptr<MosquittoBroker> broker_;
  std::map<std::string, std::string> ids_;  // certificate name -> its URI SAN
};

TEST_F(MosquittoPluginTest, RegisteredWorkloadPublishesAndTheSubscriberReceives) {
  ASSERT_TRUE(broker_->Start()) << broker_->error();
  IssueSvid("mapper", "spiffe://example.org/mapper/ble");
  IssueSvid("cloud", "spiffe://example.org/cloud/telemetry");
  auto sub = Subscribe("cloud", "$ke/events/device/default/+/data/update", 1);
  auto pub = Publish("mapper", kDataTopic, "{\"temperature\":21.5}");
  EXPECT_EQ(pub.exit_code, 0) << pub.output;
  ASSERT_EQ(sub->Wait(std::chrono::seconds(12)), 0) << sub->Output() << broker_->Log();
  EXPECT_NE(sub->Output().find(std::string(kDataTopic) + " {\"temperature\":21.5}"),
            std::string::npos)
      << sub->Output();
  EXPECT_NE(broker_->Log().find("is spiffe://example.org/mapper/ble"), std::string::npos);
}

TEST_F(MosquittoPluginTest, PublishingToAnotherNamespaceIsDenied) {
  ASSERT_TRUE(broker_->Start()) << broker_->error();
  IssueSvid("mapper", "spiffe://example.org/mapper/ble");
  IssueSvid("cloud", "spiffe://example.org/cloud/telemetry");
  auto sub = Subscribe("cloud", "$ke/events/device/#", 1);
  auto denied = Publish("mapper", "$ke/events/device/plant-b/valve-7/data/update", "forged");
  EXPECT_NE(Lower(denied.output).find("not authorized"), std::string::npos) << denied.output;
  EXPECT_NE(broker_->Log().find("denied publish to spiffe://example.org/mapper/ble on "
                                "$ke/events/device/plant-b/valve-7/data/update"),
            std::string::npos)
      << broker_->Log();
  // The subscriber sees the next allowed message, never the denied one.
  EXPECT_EQ(Publish("mapper", kDataTopic, "allowed").exit_code, 0);
  ASSERT_EQ(sub->Wait(std::chrono::seconds(12)), 0) << sub->Output() << broker_->Log();
  EXPECT_EQ(sub->Output().find("forged"), std::string::npos) << sub->Output();
  EXPECT_NE(sub->Output().find("allowed"), std::string::npos) << sub->Output();
}

TEST_F(MosquittoPluginTest, SubscriptionsBeyondTheGrantAreDenied) {
  ASSERT_TRUE(broker_->Start()) << broker_->error();
  IssueSvid("mapper", "spiffe://example.org/mapper/ble");
  auto wide = RunCommand("mosquitto_sub " + ClientArgs("mapper") + " -i '" +
                         ClientId("mapper", "wide") + "' -W 3 -C 1 -t '$ke/events/device/#' 2>&1");
  // The broker answers the SUBSCRIBE with reason code 0x87 (not authorized).
  EXPECT_NE(wide.output.find("All subscription requests were denied"), std::string::npos)
      << wide.output;
  EXPECT_NE(broker_->Log().find("denied subscribe to spiffe://example.org/mapper/ble on "
                                "$ke/events/device/#"),
            std::string::npos)
      << broker_->Log();
}

TEST_F(MosquittoPluginTest, ClientsWithoutAnAcceptableSpiffeIdAreRefused) {
  ASSERT_TRUE(broker_->Start()) << broker_->error();
  // No certificate at all: the TLS handshake fails.
  auto anonymous = Publish("", kDataTopic, "x");
  EXPECT_NE(anonymous.exit_code, 0) << anonymous.output;

  auto no_uri = LeafTemplate("spiffe://example.org/unused");
  no_uri.uri_sans.clear();
  no_uri.dns_sans = {"sensor.example.org"};
  Issue("no-uri", no_uri, ca_);
  IssueSvid("other-domain", "spiffe://other.org/mapper/ble");
  IssueSvid("unlisted", "spiffe://example.org/device/thermo-1");
  TestCa other_ca = MakeTestCa("example.org");
  Issue("other-ca", LeafTemplate("spiffe://example.org/mapper/ble"), other_ca);
  auto expired = LeafTemplate("spiffe://example.org/mapper/ble");
  expired.not_before = Clock::now() - std::chrono::hours(2);
  expired.not_after = Clock::now() - std::chrono::minutes(1);
  Issue("expired", expired, ca_);

  for (const std::string name : {"no-uri", "other-domain", "unlisted", "other-ca", "expired"}) {
    auto refused = Publish(name, kDataTopic, "x");
    EXPECT_NE(refused.exit_code, 0) << name << ": " << refused.output;
  }
  const std::string log = broker_->Log();
  EXPECT_NE(log.find("refused client pub-no-uri"), std::string::npos) << log;
  EXPECT_NE(log.find("spiffe://other.org/mapper/ble is not in the broker's trust domain"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("no ACL rule names spiffe://example.org/device/thermo-1"), std::string::npos)
      << log;
  // The broker's TLS layer refuses the other CA's and the expired certificate before any plugin
  // callback: no client of theirs ever became a SPIFFE ID.
  EXPECT_EQ(log.find("is spiffe://example.org/mapper/ble"), std::string::npos) << log;
}

TEST_F(MosquittoPluginTest, BadAclFileStopsTheBrokerWithTheReason) {
  WriteTestFile(dir_.File("acl.toml"),
                "[[rule]]\nspiffe_id = \"spiffe://example.org/mapper/ble\"\n"
                "publish = [\"$ke/#/data\"]\n");
  EXPECT_FALSE(broker_->Start());
  EXPECT_NE(broker_->WaitForExit(), 0);
  EXPECT_NE(broker_->error().find("rule[0].publish: topic filter \"$ke/#/data\": '#' must be "
                                  "the last level"),
            std::string::npos)
      << broker_->error();
}

TEST_F(MosquittoPluginTest, ReloadTakesANewAclAndKeepsTheOldOneWhenBroken) {
  ASSERT_TRUE(broker_->Start()) << broker_->error();
  IssueSvid("newcomer", "spiffe://example.org/mapper2/ble");
  EXPECT_NE(Publish("newcomer", "a/b", "x").exit_code, 0);

  WriteTestFile(dir_.File("acl.toml"), std::string(kAcl) +
                                           "[[rule]]\nspiffe_id = "
                                           "\"spiffe://example.org/mapper2/ble\"\n"
                                           "publish = [\"a/+\"]\n");
  broker_->Reload();
  EXPECT_TRUE(broker_->WaitForLog("reloaded 3 ACL rules")) << broker_->Log();
  auto now_allowed = Publish("newcomer", "a/b", "x");
  EXPECT_EQ(now_allowed.exit_code, 0) << now_allowed.output << broker_->Log();

  WriteTestFile(dir_.File("acl.toml"), "[[rule]]\nspiffe_id = 3\n");
  broker_->Reload();
  EXPECT_TRUE(broker_->WaitForLog("kept the previous ACL")) << broker_->Log();
  EXPECT_EQ(Publish("newcomer", "a/b", "y").exit_code, 0);
}

TEST_F(MosquittoPluginTest, ClientsTheReloadedAclNoLongerNamesAreDisconnected) {
  ASSERT_TRUE(broker_->Start()) << broker_->error();
  IssueSvid("mapper", "spiffe://example.org/mapper/ble");
  IssueSvid("cloud", "spiffe://example.org/cloud/telemetry");
  // Both hold open sessions (until -W, 10 s; -C is never reached).
  auto mapper = Subscribe("mapper", "$hw/events/device/default/+/twin/update/delta", 100);
  auto cloud = Subscribe("cloud", "$ke/events/device/#", 100);

  // The cloud's rule is taken out: its session ends at the reload; the mapper's stays.
  WriteTestFile(dir_.File("acl.toml"), R"(
[[rule]]
spiffe_id = "spiffe://example.org/mapper/*"
subscribe = ["$hw/events/device/default/+/twin/update/delta"]
)");
  broker_->Reload();
  // Mosquitto checks every connected client again after a reload.
  EXPECT_TRUE(
      broker_->WaitForLog("refused client spiffe://example.org/cloud/telemetry#sub: no "
                          "ACL rule names spiffe://example.org/cloud/telemetry"))
      << broker_->Log();
  EXPECT_TRUE(cloud->Wait(std::chrono::seconds(5)).has_value())
      << "the revoked client is still connected: " << cloud->Output();
  EXPECT_FALSE(mapper->Wait(std::chrono::milliseconds(500)).has_value())
      << "the still-named client lost its session: " << mapper->Output();
  // And it cannot come back.
  auto again = RunCommand("mosquitto_sub " + ClientArgs("cloud") + " -i '" +
                          ClientId("cloud", "again") + "' -W 3 -C 1 -t '$ke/events/device/#' 2>&1");
  EXPECT_NE(again.exit_code, 0) << again.output;
}

// Issue 19, finding 6: the broker's cafile also holds a federated trust domain's root (as
// edgeid-helper writes it with include_federated_domains), so the TLS layer accepts that CA's
// certificates. It must not vouch for an ID of the broker's own trust domain: only the plugin's
// trust bundle does.
TEST_F(MosquittoPluginTest, AFederatedRootInTheCafileCannotMintOwnDomainIds) {
  TestCa federated = MakeTestCa("federated.org");
  WriteTestFile(dir_.File("bundle.pem"), ca_.cert.ToPem() + federated.cert.ToPem());
  ASSERT_TRUE(broker_->Start()) << broker_->error();
  IssueSvid("cloud", kCloudId);
  Issue("forged", LeafTemplate(kMapperId), federated);
  Issue("foreign", LeafTemplate("spiffe://federated.org/mapper/ble"), federated);
  auto sub = Subscribe("cloud", "$ke/events/device/#", 1);

  auto forged = Publish("forged", kDataTopic, "forged");
  EXPECT_NE(forged.exit_code, 0) << forged.output;
  EXPECT_TRUE(
      broker_->WaitForLog("refused client spiffe://example.org/mapper/ble#pub from "
                          "127.0.0.1: X.509-SVID spiffe://example.org/mapper/ble: leaf: "))
      << broker_->Log();
  EXPECT_NE(broker_->Log().find("(against plugin_opt_trust_bundle)"), std::string::npos)
      << broker_->Log();
  auto foreign = Publish("foreign", kDataTopic, "foreign");
  EXPECT_NE(foreign.exit_code, 0) << foreign.output;
  EXPECT_NE(
      broker_->Log().find("spiffe://federated.org/mapper/ble is not in the broker's trust domain"),
      std::string::npos)
      << broker_->Log();

  // The own trust domain's mapper still gets through, and the subscriber sees only its message.
  IssueSvid("mapper", kMapperId);
  auto genuine = Publish("mapper", kDataTopic, "genuine");
  EXPECT_EQ(genuine.exit_code, 0) << genuine.output << broker_->Log();
  ASSERT_EQ(sub->Wait(std::chrono::seconds(12)), 0) << sub->Output() << broker_->Log();
  EXPECT_NE(sub->Output().find("genuine"), std::string::npos) << sub->Output();
  EXPECT_EQ(sub->Output().find("forged"), std::string::npos) << sub->Output();
  EXPECT_EQ(broker_->Log().find("client spiffe://example.org/mapper/ble#pub is "),
            broker_->Log().rfind("client spiffe://example.org/mapper/ble#pub is "))
      << "more than one client became the mapper: " << broker_->Log();
}

TEST_F(MosquittoPluginTest, TheTrustBundleFileIsReadAgainWhenItChanges) {
  // A new CA of the own trust domain, already in the cafile, as during a CA rotation.
  TestCa next = MakeTestCa("example.org");
  WriteTestFile(dir_.File("bundle.pem"), ca_.cert.ToPem() + next.cert.ToPem());
  ASSERT_TRUE(broker_->Start()) << broker_->error();
  Issue("rotated", LeafTemplate(kMapperId), next);
  EXPECT_NE(Publish("rotated", kDataTopic, "x").exit_code, 0);
  EXPECT_NE(broker_->Log().find("(against plugin_opt_trust_bundle)"), std::string::npos)
      << broker_->Log();

  // Seen at the next connect, without a signal.
  WriteTestFile(dir_.File("trust_bundle.pem"), ca_.cert.ToPem() + next.cert.ToPem());
  auto accepted = Publish("rotated", kDataTopic, "y");
  EXPECT_EQ(accepted.exit_code, 0) << accepted.output << broker_->Log();
  EXPECT_NE(broker_->Log().find("trust_bundle.pem changed: 2 trust bundle authorities"),
            std::string::npos)
      << broker_->Log();

  // A broken file is not taken, at a reload or a connect; the authorities stay.
  WriteTestFile(dir_.File("trust_bundle.pem"), "-----BEGIN CERTIFICATE-----\nnot base64\n");
  broker_->Reload();
  EXPECT_TRUE(broker_->WaitForLog("kept the previous trust bundle: plugin_opt_trust_bundle " +
                                  dir_.File("trust_bundle.pem")))
      << broker_->Log();
  EXPECT_EQ(Publish("rotated", kDataTopic, "z").exit_code, 0) << broker_->Log();
}

TEST_F(MosquittoPluginTest, WithoutAUsableTrustBundleTheBrokerDoesNotStart) {
  auto without = std::make_unique<MosquittoBroker>(
      dir_.path(),
      MosquittoTls{dir_.File("bundle.pem"), dir_.File("broker.pem"), dir_.File("broker.key")},
      MosquittoPlugin{EDGEID_MOSQUITTO_PLUGIN, "example.org", "", dir_.File("acl.toml")});
  EXPECT_FALSE(without->Start());
  EXPECT_NE(without->WaitForExit(), 0);
  EXPECT_NE(without->error().find("plugin_opt_trust_bundle is required"), std::string::npos)
      << without->error();

  auto missing = std::make_unique<MosquittoBroker>(
      dir_.path(),
      MosquittoTls{dir_.File("bundle.pem"), dir_.File("broker.pem"), dir_.File("broker.key")},
      MosquittoPlugin{EDGEID_MOSQUITTO_PLUGIN, "example.org", dir_.File("absent.pem"),
                      dir_.File("acl.toml")});
  EXPECT_FALSE(missing->Start());
  EXPECT_NE(missing->WaitForExit(), 0);
  EXPECT_NE(missing->error().find("plugin_opt_trust_bundle " + dir_.File("absent.pem")),
            std::string::npos)
      << missing->error();

  // The cafile with a federated root given as the plugin's bundle by mistake.
  WriteTestFile(dir_.File("trust_bundle.pem"),
                ca_.cert.ToPem() + MakeTestCa("federated.org").cert.ToPem());
  EXPECT_FALSE(broker_->Start());
  EXPECT_NE(broker_->WaitForExit(), 0);
  EXPECT_NE(broker_->error().find("is a CA of trust domain federated.org, not example.org"),
            std::string::npos)
      << broker_->error();
}

// Issue 19, finding 7: another identity named in the ACL connects with the mapper's client ID.
// Mosquitto would close the mapper's connection in favour of the newcomer; the plugin refuses
// the newcomer first, and the mapper keeps its session.
TEST_F(MosquittoPluginTest, AnotherIdentityCannotTakeAClientIdOver) {
  ASSERT_TRUE(broker_->Start()) << broker_->error();
  IssueSvid("mapper", kMapperId);
  IssueSvid("cloud", kCloudId);
  // The mapper's session, with its SPIFFE ID as client ID, as edgeid-mapper connects.
  auto mapper =
      SubscribeAs("mapper", kMapperId, "$hw/events/device/default/+/twin/update/delta", 1);

  auto takeover = PublishAs("cloud", kMapperId, kDeltaTopic, "takeover");
  EXPECT_NE(takeover.exit_code, 0) << takeover.output;
  EXPECT_TRUE(broker_->WaitForLog(
      "refused client spiffe://example.org/mapper/ble from 127.0.0.1: client ID "
      "spiffe://example.org/mapper/ble is not bound to spiffe://example.org/cloud/telemetry"))
      << broker_->Log();
  // Prefixes of another ID and plain names are not bound either.
  for (const std::string id : {"spiffe://example.org/mapper/ble#x", "mapper-ble"}) {
    EXPECT_NE(PublishAs("cloud", id, kDeltaTopic, "takeover").exit_code, 0) << id;
  }

  // The cloud with a client ID of its own reaches the mapper, still connected.
  auto delta = PublishAs("cloud", ClientId("cloud", "desired"), kDeltaTopic, "desired");
  EXPECT_EQ(delta.exit_code, 0) << delta.output << broker_->Log();
  ASSERT_EQ(mapper->Wait(std::chrono::seconds(12)), 0) << mapper->Output() << broker_->Log();
  EXPECT_NE(mapper->Output().find("desired"), std::string::npos) << mapper->Output();
  EXPECT_EQ(mapper->Output().find("takeover"), std::string::npos) << mapper->Output();
  EXPECT_EQ(broker_->Log().find("already connected, closing old connection"), std::string::npos)
      << broker_->Log();
}

TEST_F(MosquittoPluginTest, ClientIdsMustBeBoundToTheSpiffeId) {
  WriteTestFile(dir_.File("acl.toml"), std::string(kAcl) +
                                           "[[rule]]\nspiffe_id = \"spiffe://example.org/legacy/"
                                           "sensor\"\nclient_ids = [\"legacy-1\"]\n"
                                           "publish = [\"legacy/+\"]\n");
  ASSERT_TRUE(broker_->Start()) << broker_->error();
  IssueSvid("mapper", kMapperId);
  IssueSvid("legacy", "spiffe://example.org/legacy/sensor");
  // The SPIFFE ID itself, or the ID, '#' and a suffix.
  EXPECT_EQ(PublishAs("mapper", kMapperId, kDataTopic, "a").exit_code, 0) << broker_->Log();
  EXPECT_EQ(PublishAs("mapper", std::string(kMapperId) + "#2", kDataTopic, "b").exit_code, 0);
  // A name the ACL lists for that ID only.
  EXPECT_EQ(PublishAs("legacy", "legacy-1", "legacy/a", "c").exit_code, 0) << broker_->Log();
  EXPECT_NE(PublishAs("mapper", "legacy-1", kDataTopic, "d").exit_code, 0);
  // An empty client ID: the broker assigns one ("auto-..."), which is bound to nobody.
  auto assigned = PublishAs("mapper", "", kDataTopic, "e");
  EXPECT_NE(assigned.exit_code, 0) << assigned.output;
  EXPECT_TRUE(broker_->WaitForLog("refused client auto-")) << broker_->Log();
}

}  // namespace
}  // namespace edgeid::testing
