// edgeid's MQTT publisher against Debian's Mosquitto with the SPIFFE plugin, read back by
// Mosquitto's own mosquitto_sub.
#include "mqtt/client/mqtt_publisher.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include <thread>

#include "common/atomic_file.h"
#include "testing/command.h"
#include "testing/mosquitto_broker.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::testing {
namespace {

using mqtt::MqttPublisher;
using mqtt::MqttPublisherOptions;

constexpr char kMapperId[] = "spiffe://example.org/mapper/ble";
constexpr char kBrokerId[] = "spiffe://example.org/mqtt/broker";
constexpr char kTopic[] = "$ke/events/device/default/thermo-1/data/update";
constexpr char kAcl[] = R"(
[[rule]]
spiffe_id = "spiffe://example.org/mapper/*"
publish = ["$ke/events/device/default/+/data/update"]

[[rule]]
spiffe_id = "spiffe://example.org/cloud/telemetry"
subscribe = ["$ke/events/device/#"]
)";

class MqttPublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
#if defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "the broker is not built with ThreadSanitizer and cannot load the plugin";
#endif
    WriteTestFile(dir_.File("bundle.pem"), ca_.cert.ToPem());
    auto broker_tmpl = LeafTemplate(kBrokerId);
    broker_tmpl.dns_sans = {"localhost"};
    WriteKeyAndCert("broker", broker_tmpl);
    WriteKeyAndCert("cloud", LeafTemplate("spiffe://example.org/cloud/telemetry"));
    WriteTestFile(dir_.File("acl.toml"), kAcl);
    broker_ = std::make_unique<MosquittoBroker>(
        dir_.path(),
        MosquittoTls{dir_.File("bundle.pem"), dir_.File("broker.pem"), dir_.File("broker.key")},
        MosquittoPlugin{EDGEID_MOSQUITTO_PLUGIN, "example.org", dir_.File("acl.toml")});
    ASSERT_TRUE(broker_->Start()) << broker_->error();
  }

  void WriteKeyAndCert(const std::string& name, const crypto::CertificateTemplate& tmpl) {
    crypto::PrivateKey key = NewP256Key();
    auto cert = SignLeaf(tmpl, ca_, &key);
    ASSERT_TRUE(WriteFileAtomic(dir_.File(name + ".key"), Unwrap(key.ToPkcs8Pem()), 0600).ok());
    WriteTestFile(dir_.File(name + ".pem"), cert.ToPem());
  }

  spiffe::X509Svid MapperSvid() {
    crypto::PrivateKey key = NewP256Key();
    auto leaf = SignLeaf(LeafTemplate(kMapperId), ca_, &key);
    return spiffe::X509Svid{Unwrap(spiffe::SpiffeId::Parse(kMapperId)), {leaf}, key, ""};
  }

  std::unique_ptr<MqttPublisher> StartPublisher(const std::string& broker_id = kBrokerId,
                                                std::size_t max_pending = 10000) {
    MqttPublisherOptions options;
    options.host = "127.0.0.1";
    options.port = broker_->port();
    options.client_id = "mapper-ble";
    options.broker_id = broker_id;
    options.max_pending = max_pending;
    options.reconnect_max = std::chrono::seconds(2);
    // A broker that is down at start is first retried after the keepalive (libmosquitto).
    options.keepalive = std::chrono::seconds(5);
    return Unwrap(MqttPublisher::Start(options, MapperSvid(), bundle_, log_));
  }

  // A durable subscriber (its session and queued messages survive broker restarts) that exits
  // after `count` messages or 20 s.
  std::unique_ptr<ChildProcess> Subscribe(int count) {
    auto sub = std::make_unique<ChildProcess>(
        std::vector<std::string>{
            "/bin/sh", "-c",
            "exec stdbuf -oL mosquitto_sub " +
                MosquittoClientArgs(*broker_, dir_.File("bundle.pem"), dir_.File("cloud.pem"),
                                    dir_.File("cloud.key")) +
                " -i cloud-durable -c -d -W 20 -C " + std::to_string(count) +
                " -t '$ke/events/device/#'"},
        dir_.File("sub.log"));
    EXPECT_TRUE(sub->WaitForOutput("received SUBACK")) << sub->Output();
    return sub;
  }

  TempDir dir_;
  TestCa ca_ = MakeTestCa("example.org");
  spiffe::X509Bundle bundle_{Unwrap(spiffe::TrustDomain::Parse("example.org")), {ca_.cert}};
  std::shared_ptr<spdlog::logger> log_ =
      std::make_shared<spdlog::logger>("mqtt", std::make_shared<spdlog::sinks::null_sink_mt>());
  std::unique_ptr<MosquittoBroker> broker_;
};

TEST_F(MqttPublisherTest, PublishesOverMutualTlsWithTheSvidInMemory) {
  auto sub = Subscribe(5);
  auto publisher = StartPublisher();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(publisher->Publish(kTopic, "reading-" + std::to_string(i)).ok());
  }
  ASSERT_TRUE(publisher->WaitUntilAcknowledged(std::chrono::seconds(10))) << broker_->Log();
  ASSERT_EQ(sub->Wait(std::chrono::seconds(20)), 0) << sub->Output();
  for (int i = 0; i < 5; ++i) {
    EXPECT_NE(sub->Output().find("reading-" + std::to_string(i)), std::string::npos);
  }
  auto stats = publisher->Stats();
  EXPECT_EQ(stats.acknowledged, 5u);
  EXPECT_TRUE(stats.connected);
  EXPECT_NE(broker_->Log().find(std::string("is ") + kMapperId), std::string::npos);
}

TEST_F(MqttPublisherTest, NothingIsLostAcrossABrokerRestart) {
  auto sub = Subscribe(1000);
  auto publisher = StartPublisher();
  int n = 0;
  auto publish = [&](int count) {
    for (int i = 0; i < count; ++i) {
      ASSERT_TRUE(publisher->Publish(kTopic, "m" + std::to_string(n++) + ";").ok());
    }
  };
  publish(10);
  ASSERT_TRUE(publisher->WaitUntilAcknowledged(std::chrono::seconds(10)));
  broker_->Stop();
  publish(10);  // the broker is down: they wait in the publisher
  EXPECT_EQ(publisher->Stats().pending, 10u);
  EXPECT_FALSE(publisher->Stats().connected);
  ASSERT_TRUE(broker_->Start()) << broker_->error();
  publish(10);
  ASSERT_TRUE(publisher->WaitUntilAcknowledged(std::chrono::seconds(40))) << broker_->Log();
  // At least once: the subscriber may see some twice, and must see every one.
  std::string missing;
  for (int waited_ms = 0; waited_ms < 20000; waited_ms += 100) {
    missing.clear();
    for (int i = 0; i < 30; ++i) {
      if (sub->Output().find("m" + std::to_string(i) + ";") == std::string::npos) {
        missing += " m" + std::to_string(i);
      }
    }
    if (missing.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(missing, "") << sub->Output() << broker_->Log();
  EXPECT_GE(publisher->Stats().connects, 2u);
}

TEST_F(MqttPublisherTest, TheBrokerRefusingATopicIsCounted) {
  auto publisher = StartPublisher();
  ASSERT_TRUE(publisher->Publish("$ke/events/device/plant-b/valve-7/data/update", "x").ok());
  ASSERT_TRUE(publisher->WaitUntilAcknowledged(std::chrono::seconds(10)));
  EXPECT_EQ(publisher->Stats().refused_by_broker, 1u);
  EXPECT_EQ(publisher->Stats().acknowledged, 0u);
}

TEST_F(MqttPublisherTest, ABrokerWithAnotherSpiffeIdIsNotTrusted) {
  auto publisher = StartPublisher("spiffe://example.org/not-the-broker");
  ASSERT_TRUE(publisher->Publish(kTopic, "secret").ok());
  EXPECT_FALSE(publisher->WaitUntilAcknowledged(std::chrono::seconds(3)));
  EXPECT_EQ(publisher->Stats().connects, 0u);
}

TEST_F(MqttPublisherTest, ARotatedSvidIsUsedForTheNextConnection) {
  auto sub = Subscribe(2);
  auto publisher = StartPublisher();
  ASSERT_TRUE(publisher->Publish(kTopic, "before-rotation").ok());
  ASSERT_TRUE(publisher->WaitUntilAcknowledged(std::chrono::seconds(10)));
  auto rotated = MapperSvid();
  ASSERT_TRUE(publisher->UpdateIdentity(rotated, bundle_).ok());
  ASSERT_TRUE(publisher->Publish(kTopic, "after-rotation").ok());
  ASSERT_TRUE(publisher->WaitUntilAcknowledged(std::chrono::seconds(10))) << broker_->Log();
  ASSERT_EQ(sub->Wait(std::chrono::seconds(20)), 0) << sub->Output();
  EXPECT_NE(sub->Output().find("after-rotation"), std::string::npos);
  EXPECT_GE(publisher->Stats().connects, 2u);
  // A bundle of another trust domain is refused and the connection keeps its identity.
  spiffe::X509Bundle foreign(Unwrap(spiffe::TrustDomain::Parse("other.org")), {ca_.cert});
  EXPECT_FALSE(publisher->UpdateIdentity(rotated, foreign).ok());
}

TEST_F(MqttPublisherTest, TheQueueIsBounded) {
  broker_->Stop();
  auto publisher = StartPublisher(kBrokerId, 3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(publisher->Publish(kTopic, "q").ok());
  auto full = publisher->Publish(kTopic, "one too many");
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(publisher->Stats().dropped, 1u);
  ASSERT_TRUE(broker_->Start()) << broker_->error();
  EXPECT_TRUE(publisher->WaitUntilAcknowledged(std::chrono::seconds(40)));
  EXPECT_EQ(publisher->Stats().acknowledged, 3u);
}

}  // namespace
}  // namespace edgeid::testing
