// edgeid-mapper's TOML and flags: defaults, overrides, and refusals naming the key.
#include "mapper/config/mapper_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::mapper {
namespace {

class MapperConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteTestFile(roots_, testing::MakeTestCa("maker").cert.ToPem());
  }
  std::string Toml(const std::string& extra = "") const {
    return "[mapper]\ndevice_files = [\"devices.yaml\"]\nmanufacturer_roots = \"" + roots_ +
           "\"\ndata_file = \"readings.jsonl\"\n" + extra;
  }
  testing::TempDir dir_;
  std::string roots_ = dir_.File("roots.pem");
};

TEST_F(MapperConfigTest, DefaultsAreSpiffeHelperLike) {
  auto config = ParseMapperConfig(Toml(), {});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->agent_address, "/run/edgeid/agent/public/api.sock");
  EXPECT_EQ(config->protocol, "ble");
  EXPECT_EQ(config->refused_retry, std::chrono::seconds(30));
  EXPECT_EQ(config->manufacturer_roots.size(), 1u);
  EXPECT_FALSE(config->health_port);
}

TEST_F(MapperConfigTest, FlagsOverrideTheFile) {
  MapperFlags flags;
  flags.agent_address = "unix:///run/agent.sock";
  flags.device_files = {"a.yaml", "b.yaml"};
  flags.refused_retry = "5s";
  flags.health_port = 9090;
  auto config = ParseMapperConfig(Toml("refused_retry = \"1m\"\n"), flags);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->agent_address, "unix:///run/agent.sock");
  EXPECT_EQ(config->device_files.size(), 2u);
  EXPECT_EQ(config->refused_retry, std::chrono::seconds(5));
  EXPECT_EQ(config->health_port, 9090);
}

TEST_F(MapperConfigTest, MqttIsOffUntilABrokerIsNamed) {
  auto config = ParseMapperConfig(Toml(), {});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_TRUE(config->mqtt.host.empty());
  EXPECT_EQ(config->mqtt.port, 8883);
  EXPECT_TRUE(config->mqtt.client_id.empty());  // the SVID's SPIFFE ID
  EXPECT_TRUE(config->mqtt.queue_dir.empty());
  EXPECT_TRUE(config->mqtt.twin_updates);
}

TEST_F(MapperConfigTest, MqttAloneIsEnoughAndFlagsWin) {
  std::string toml = "[mapper]\ndevice_files = [\"d.yaml\"]\nmanufacturer_roots = \"" + roots_ +
                     "\"\n[mqtt]\nhost = \"broker.local\"\nport = 8884\n"
                     "broker_id = \"spiffe://example.org/mqtt/broker\"\nmax_pending = 50\n"
                     "queue_dir = \"/var/lib/edgeid-mapper/queue\"\nqueue_sync = false\n"
                     "keepalive = \"1m\"\ntwin_updates = false\nclient_id = \"m-1\"\n";
  MapperFlags flags;
  flags.mqtt_port = 18883;
  auto config = ParseMapperConfig(toml, flags);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->mqtt.host, "broker.local");
  EXPECT_EQ(config->mqtt.port, 18883);
  EXPECT_EQ(config->mqtt.broker_id, "spiffe://example.org/mqtt/broker");
  EXPECT_EQ(config->mqtt.max_pending, 50);
  EXPECT_EQ(config->mqtt.queue_dir, "/var/lib/edgeid-mapper/queue");
  EXPECT_FALSE(config->mqtt.queue_sync);
  EXPECT_EQ(config->mqtt.keepalive, std::chrono::seconds(60));
  EXPECT_FALSE(config->mqtt.twin_updates);
  EXPECT_EQ(config->mqtt.client_id, "m-1");
  EXPECT_TRUE(config->data_file.empty());
}

TEST_F(MapperConfigTest, DmiAloneMayBringTheDevices) {
  std::string toml = "[mapper]\nmanufacturer_roots = \"" + roots_ +
                     "\"\ndata_file = \"r.jsonl\"\n[dmi]\nsocket_path = \"/run/m.sock\"\n"
                     "edgecore_socket = \"/etc/kubeedge/dmi.sock\"\nallowed_uids = [0, 998]\n"
                     "report_interval = \"5s\"\n";
  auto config = ParseMapperConfig(toml, {});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->dmi.socket_path, "/run/m.sock");
  EXPECT_EQ(config->dmi.edgecore_socket, "/etc/kubeedge/dmi.sock");
  EXPECT_EQ(config->dmi.allowed_uids, (std::set<uid_t>{0, 998}));
  EXPECT_EQ(config->dmi.report_interval, std::chrono::seconds(5));
  // Without a list: this process's user and root.
  auto defaults = ParseMapperConfig(Toml("[dmi]\nsocket_path = \"/run/m.sock\"\n"), {});
  ASSERT_TRUE(defaults.ok()) << defaults.error().message;
  EXPECT_EQ(defaults->dmi.allowed_uids, (std::set<uid_t>{::getuid(), 0}));
}

TEST_F(MapperConfigTest, MistakesNameTheKey) {
  struct Case {
    std::string toml;
    const char* says;
  };
  for (const auto& c : {
           Case{Toml("colour = \"blue\"\n"), "mapper.colour"},
           Case{"[mapper]\nmanufacturer_roots = \"" + roots_ + "\"\ndata_file = \"x\"\n",
                "mapper.device_files"},
           Case{"[mapper]\ndevice_files = [\"d.yaml\"]\ndata_file = \"x\"\n",
                "mapper.manufacturer_roots"},
           Case{Toml("log_level = \"loud\"\n"), "mapper.log_level"},
           Case{Toml("health_port = 70000\n"), "mapper.health_port"},
           Case{Toml("refused_retry = \"soon\"\n"), "mapper.refused_retry"},
           Case{Toml("[mqtt]\nhost = \"b\"\nport = 0\n"), "mqtt.port"},
           Case{Toml("[mqtt]\nhost = \"b\"\nbroker_id = \"mqtt-broker\"\n"), "mqtt.broker_id"},
           Case{Toml("[mqtt]\nhost = \"b\"\nmax_pending = 0\n"), "mqtt.max_pending"},
           Case{Toml("[mqtt]\nhost = \"b\"\nmax_pending = 70000\n"), "mqtt.max_pending"},
           Case{Toml("[mqtt]\nhost = \"b\"\nkeepalive = \"1s\"\n"), "mqtt.keepalive"},
           Case{Toml("[mqtt]\nhots = \"b\"\n"), "mqtt.hots"},
           Case{Toml("[dmi]\nallowed_uids = [\"root\"]\n"), "dmi.allowed_uids"},
           Case{Toml("[dmi]\nallowed_uids = [-1]\n"), "dmi.allowed_uids"},
           Case{Toml("[dmi]\nreport_interval = \"0s\"\n"), "dmi.report_interval"},
           Case{Toml("[dmi]\nsocket = \"/x\"\n"), "dmi.socket"},
           Case{Toml("[mqtt]\nhost = 5\n"), "mqtt.host"},
           Case{Toml("[mqtt]\nhost = \"b\"\nqueue_sync = \"yes\"\n"), "mqtt.queue_sync"},
           Case{"[mapper]\ndevice_files = [\"d.yaml\"]\nmanufacturer_roots = \"" + roots_ + "\"\n",
                "mqtt.host"},
           Case{"[mapper]\ndevice_files = \"d.yaml\"\n", "mapper.device_files"},
           Case{"[mapper]\ndevice_files = [\"d.yaml\"]\nmanufacturer_roots = \"/nonexistent\"\n"
                "data_file = \"x\"\n",
                "mapper.manufacturer_roots"},
       }) {
    auto config = ParseMapperConfig(c.toml, {});
    ASSERT_FALSE(config.ok()) << c.toml;
    EXPECT_NE(config.error().message.find(c.says), std::string::npos) << config.error().message;
  }
}

}  // namespace
}  // namespace edgeid::mapper
