// edgeid's MQTT publisher against Debian's Mosquitto with the SPIFFE plugin, read back by
// Mosquitto's own mosquitto_sub.
#include "mqtt/client/mqtt_client.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "common/atomic_file.h"
#include "testing/command.h"
#include "testing/mosquitto_broker.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::testing {
namespace {

using mqtt::MqttClient;
using mqtt::MqttClientOptions;

constexpr char kMapperId[] = "spiffe://example.org/mapper/ble";
constexpr char kBrokerId[] = "spiffe://example.org/mqtt/broker";
constexpr char kTopic[] = "$ke/events/device/default/thermo-1/data/update";
constexpr char kAcl[] = R"(
[[rule]]
spiffe_id = "spiffe://example.org/mapper/*"
publish = ["$ke/events/device/default/+/data/update"]
subscribe = ["$hw/events/device/default/+/twin/update/delta"]

[[rule]]
spiffe_id = "spiffe://example.org/cloud/telemetry"
publish = ["$hw/events/device/+/+/twin/update/delta"]
subscribe = ["$ke/events/device/#"]
)";
constexpr char kDelta[] = "$hw/events/device/default/+/twin/update/delta";

class MqttClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
#if defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "the broker is not built with ThreadSanitizer and cannot load the plugin";
#endif
    broker_ = MakeBrokerWithTestCa(dir_.path(), ca_, "example.org", kBrokerId, kAcl,
                                   EDGEID_MOSQUITTO_PLUGIN);
    WriteIssuedKeyAndCert(dir_.File("cloud"), LeafTemplate("spiffe://example.org/cloud/telemetry"),
                          ca_);
    ASSERT_TRUE(broker_->Start()) << broker_->error();
  }

  spiffe::X509Svid MapperSvid() {
    crypto::PrivateKey key = NewP256Key();
    auto leaf = SignLeaf(LeafTemplate(kMapperId), ca_, &key);
    return spiffe::X509Svid{Unwrap(spiffe::SpiffeId::Parse(kMapperId)), {leaf}, key, ""};
  }

  std::unique_ptr<MqttClient> StartPublisher(const std::string& broker_id = kBrokerId,
                                             std::size_t max_pending = 10000) {
    return Unwrap(MqttClient::Start(Options(broker_id, max_pending), MapperSvid(), bundle_, log_));
  }

  MqttClientOptions Options(const std::string& broker_id = kBrokerId,
                            std::size_t max_pending = 10000) {
    MqttClientOptions options;
    options.host = "127.0.0.1";
    options.port = broker_->port();
    options.broker_id = broker_id;
    options.max_pending = max_pending;
    options.reconnect_max = std::chrono::seconds(2);
    // A broker that is down at start is first retried after the keepalive (libmosquitto).
    options.keepalive = std::chrono::seconds(5);
    return options;
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
                " -i 'spiffe://example.org/cloud/telemetry#durable' -c -d -W 20 -C " +
                std::to_string(count) + " -t '$ke/events/device/#'"},
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

TEST_F(MqttClientTest, PublishesOverMutualTlsWithTheSvidInMemory) {
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
  // Without a client_id the client connects with its SPIFFE ID, the one the plugin binds to it.
  EXPECT_NE(broker_->Log().find(std::string("client ") + kMapperId + " is " + kMapperId),
            std::string::npos)
      << broker_->Log();
}

TEST_F(MqttClientTest, NothingIsLostAcrossABrokerRestart) {
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
  // The network thread sees the connection gone at its next read, not at once.
  bool disconnected = false;
  for (int waited_ms = 0; waited_ms < 10000 && !disconnected; waited_ms += 20) {
    disconnected = !publisher->Stats().connected;
    if (!disconnected) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(disconnected);
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

TEST_F(MqttClientTest, TheBrokerRefusingATopicIsCounted) {
  auto publisher = StartPublisher();
  ASSERT_TRUE(publisher->Publish("$ke/events/device/plant-b/valve-7/data/update", "x").ok());
  ASSERT_TRUE(publisher->WaitUntilAcknowledged(std::chrono::seconds(10)));
  EXPECT_EQ(publisher->Stats().refused_by_broker, 1u);
  EXPECT_EQ(publisher->Stats().acknowledged, 0u);
}

TEST_F(MqttClientTest, ABrokerWithAnotherSpiffeIdIsNotTrusted) {
  auto publisher = StartPublisher("spiffe://example.org/not-the-broker");
  ASSERT_TRUE(publisher->Publish(kTopic, "secret").ok());
  EXPECT_FALSE(publisher->WaitUntilAcknowledged(std::chrono::seconds(3)));
  EXPECT_EQ(publisher->Stats().connects, 0u);
}

TEST_F(MqttClientTest, ARotatedSvidIsUsedForTheNextConnection) {
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
  // So is an SVID of another SPIFFE ID: the client ID is the first one's, which the broker
  // binds to that ID alone.
  crypto::PrivateKey key = NewP256Key();
  auto other =
      spiffe::X509Svid{Unwrap(spiffe::SpiffeId::Parse("spiffe://example.org/mapper/other")),
                       {SignLeaf(LeafTemplate("spiffe://example.org/mapper/other"), ca_, &key)},
                       key,
                       ""};
  auto refused = publisher->UpdateIdentity(other, bundle_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("another SPIFFE ID needs a new client"), std::string::npos)
      << refused.error().message;
}

TEST_F(MqttClientTest, TheQueueIsBounded) {
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

TEST_F(MqttClientTest, ARefusedClientKeepsTryingAndConnectsOnceAdmitted) {
  // No rule names the mapper yet: the broker refuses it at CONNACK.
  WriteTestFile(dir_.File("acl.toml"), R"(
[[rule]]
spiffe_id = "spiffe://example.org/cloud/telemetry"
subscribe = ["$ke/events/device/#"]
)");
  broker_->Reload();
  ASSERT_TRUE(broker_->WaitForLog("reloaded 1 ACL rules")) << broker_->Log();
  auto publisher = StartPublisher();
  ASSERT_TRUE(publisher->Publish(kTopic, "waited").ok());
  ASSERT_TRUE(broker_->WaitForLog("no ACL rule names spiffe://example.org/mapper/ble"))
      << broker_->Log();
  std::this_thread::sleep_for(std::chrono::seconds(3));  // more than one backoff round
  EXPECT_EQ(publisher->Stats().connects, 0u);
  // Admitted: the next retry connects and the queued message goes out.
  WriteTestFile(dir_.File("acl.toml"), kAcl);
  broker_->Reload();
  ASSERT_TRUE(broker_->WaitForLog("reloaded 2 ACL rules")) << broker_->Log();
  EXPECT_TRUE(publisher->WaitUntilAcknowledged(std::chrono::seconds(15))) << broker_->Log();
  EXPECT_EQ(publisher->Stats().acknowledged, 1u);
}

TEST_F(MqttClientTest, AJournaledQueueOutlivesTheProcess) {
  broker_->Stop();
  auto options = Options();
  options.queue_dir = dir_.File("queue");
  {
    auto first_run = Unwrap(MqttClient::Start(options, MapperSvid(), bundle_, log_));
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(first_run->Publish(kTopic, "j" + std::to_string(i) + ";").ok());
    }
    EXPECT_EQ(first_run->Stats().pending, 10u);
  }  // the process ends with the broker still down
  ASSERT_TRUE(broker_->Start()) << broker_->error();
  auto sub = Subscribe(10);
  auto second_run = Unwrap(MqttClient::Start(options, MapperSvid(), bundle_, log_));
  EXPECT_EQ(second_run->Stats().replayed, 10u);
  ASSERT_TRUE(second_run->WaitUntilAcknowledged(std::chrono::seconds(40))) << broker_->Log();
  ASSERT_EQ(sub->Wait(std::chrono::seconds(20)), 0) << sub->Output();
  for (int i = 0; i < 10; ++i) {
    EXPECT_NE(sub->Output().find("j" + std::to_string(i) + ";"), std::string::npos) << i;
  }
  // All acknowledged: a third run has nothing to send again.
  second_run.reset();
  auto third_run = Unwrap(MqttClient::Start(options, MapperSvid(), bundle_, log_));
  EXPECT_EQ(third_run->Stats().replayed, 0u);
}

TEST_F(MqttClientTest, SubscriptionsDeliverAndAreMadeAgainAfterAReconnect) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> seen;
  auto options = Options();
  options.subscriptions.push_back({kDelta, [&](const std::string& topic, const std::string& body) {
                                     std::lock_guard lock(mu);
                                     seen.push_back(topic + " " + body);
                                     cv.notify_all();
                                   }});
  // Beyond the grant: refused by the broker, counted.
  options.subscriptions.push_back({"$hw/events/device/plant-b/+/twin/update/delta",
                                   [](const std::string&, const std::string&) {}});
  auto client = Unwrap(MqttClient::Start(options, MapperSvid(), bundle_, log_));
  // Published until the client has seen it: its subscription may not be in place yet.
  auto publish_delta = [&](const std::string& body, std::size_t want) {
    std::unique_lock lock(mu);
    for (int i = 0; i < 50 && seen.size() < want; ++i) {
      lock.unlock();
      auto pub = RunCommand("mosquitto_pub " +
                            MosquittoClientArgs(*broker_, dir_.File("bundle.pem"),
                                                dir_.File("cloud.pem"), dir_.File("cloud.key")) +
                            " -i 'spiffe://example.org/cloud/telemetry#delta'"
                            " -t '$hw/events/device/default/thermo-1/twin/update/delta' -m " +
                            body);
      EXPECT_EQ(pub.exit_code, 0) << pub.output;
      lock.lock();
      cv.wait_for(lock, std::chrono::milliseconds(200), [&] { return seen.size() >= want; });
    }
  };
  publish_delta("first", 1);
  broker_->Stop();
  ASSERT_TRUE(broker_->Start()) << broker_->error();
  std::size_t after_first = 0;
  {
    std::lock_guard lock(mu);
    after_first = seen.size();
  }
  publish_delta("second", after_first + 1);
  std::lock_guard lock(mu);
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen.front(), "$hw/events/device/default/thermo-1/twin/update/delta first");
  EXPECT_EQ(seen.back(), "$hw/events/device/default/thermo-1/twin/update/delta second");
  EXPECT_GE(client->Stats().subscriptions_refused, 2u);  // once per connection
}

}  // namespace
}  // namespace edgeid::testing
