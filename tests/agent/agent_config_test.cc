#include "agent/config/agent_config.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::agent {
namespace {

using testing::TempDir;
using testing::WriteTestFile;

constexpr const char* kMinimal = R"(
[agent]
trust_domain = "example.org"
data_dir = "/var/lib/edgeid-agent"
insecure_bootstrap = true
)";

TEST(AgentConfigTest, DefaultsAreSpireAgentOnes) {
  auto config = ParseAgentConfig(kMinimal, {});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->trust_domain.name(), "example.org");
  EXPECT_EQ(config->server_address, "127.0.0.1");
  EXPECT_EQ(config->server_port, 8081);
  EXPECT_EQ(config->socket_path, "/run/edgeid/agent/public/api.sock");
  EXPECT_EQ(config->sync_interval, std::chrono::seconds(5));
  EXPECT_FALSE(config->availability_target.has_value());
  EXPECT_FALSE(config->health_port.has_value());
  EXPECT_FALSE(config->discover_workload_path);
  EXPECT_EQ(config->node_attestor, NodeAttestorKind::kJoinToken);
  EXPECT_EQ(config->workload_api_max_connections_per_uid, 64);
  EXPECT_EQ(config->workload_api_max_connections, 1024);
  EXPECT_EQ(config->workload_api_idle_timeout, std::chrono::seconds(60));
}

TEST(AgentConfigTest, WorkloadApiConnectionLimits) {
  auto config = ParseAgentConfig(std::string(kMinimal) +
                                     "workload_api_max_connections_per_uid = 8\n"
                                     "workload_api_max_connections = 100\n"
                                     "workload_api_idle_timeout = \"5s\"\n",
                                 {});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->workload_api_max_connections_per_uid, 8);
  EXPECT_EQ(config->workload_api_max_connections, 100);
  EXPECT_EQ(config->workload_api_idle_timeout, std::chrono::seconds(5));
  auto zero = ParseAgentConfig(std::string(kMinimal) + "workload_api_max_connections = 0\n", {});
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("agent.workload_api_max_connections"), std::string::npos);
}

TEST(AgentConfigTest, EveryKeyFromTheFileAndFlagsOverride) {
  TempDir dir;
  auto ca = testing::MakeTestCa("example.org");
  WriteTestFile(dir.File("bundle.pem"), ca.cert.ToPem());
  std::string toml = R"(
[agent]
trust_domain = "example.org"
data_dir = "/data"
server_address = "10.0.0.1"
server_port = 9000
trust_bundle_path = ")" +
                     dir.File("bundle.pem") + R"("
socket_path = "/run/edgeid/api.sock"
log_level = "debug"
log_format = "json"
sync_interval = "2s"
availability_target = "24h"
health_port = 8088

[plugins.node_attestor.x509pop]
certificate_path = "/etc/node.pem"
private_key_path = "/etc/node.key"

[plugins.workload_attestor.unix]
discover_workload_path = true
workload_size_limit = 1048576
)";
  AgentFlags flags;
  flags.server_port = 9443;
  flags.socket_path = "/tmp/flag.sock";
  auto config = ParseAgentConfig(toml, flags);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server_address, "10.0.0.1");
  EXPECT_EQ(config->server_port, 9443);
  EXPECT_EQ(config->socket_path, "/tmp/flag.sock");
  EXPECT_EQ(config->trust_bundle.size(), 1u);
  EXPECT_TRUE(config->log_json);
  EXPECT_EQ(config->sync_interval, std::chrono::seconds(2));
  EXPECT_EQ(config->availability_target, std::chrono::hours(24));
  EXPECT_EQ(config->health_port, 8088);
  EXPECT_EQ(config->node_attestor, NodeAttestorKind::kX509Pop);
  EXPECT_EQ(config->x509pop.certificate_path, "/etc/node.pem");
  EXPECT_TRUE(config->discover_workload_path);
  EXPECT_EQ(config->workload_size_limit, 1048576);
}

TEST(AgentConfigTest, MistakesAreNamed) {
  struct Case {
    std::string toml;
    std::string expected;
  };
  const std::string base = "[agent]\ntrust_domain = \"example.org\"\ndata_dir = \"/d\"\n";
  for (const auto& c : std::vector<Case>{
           {"[agent]\ndata_dir = \"/d\"\n", "agent.trust_domain: is required"},
           {"[agent]\ntrust_domain = \"Bad Domain\"\ndata_dir = \"/d\"\n", "agent.trust_domain"},
           {"[agent]\ntrust_domain = \"example.org\"\n", "agent.data_dir: is required"},
           {base + "sever_port = 1\n", "agent.sever_port: unknown key"},
           {base + "server_port = 70000\n", "agent.server_port"},
           {base + "server_port = \"8081\"\n", "agent.server_port: has the wrong type"},
           {base + "log_level = \"loud\"\n", "agent.log_level"},
           {base + "sync_interval = \"soon\"\n", "agent.sync_interval"},
           {base + "trust_bundle_path = \"/nonexistent/b.pem\"\n", "agent.trust_bundle_path"},
           {base + "socket_path = \"/" + std::string(120, 'x') + "\"\n", "107 bytes"},
           {base + "join_token = \"t\"\n[plugins.node_attestor.x509pop]\ncertificate_path = "
                   "\"/a\"\nprivate_key_path = \"/b\"\n",
            "not both"},
           {base + "[plugins.node_attestor.x509pop]\ncertificate_path = \"/a\"\n",
            "certificate_path and private_key_path are required"},
           {base + "[plugins.workload_attestor.docker]\n", "unknown key"},
           {base + "availability_target = \"1h\"\n", "at least 24h"},
           {base + "[plugins.workload_attestor.unix]\nworkload_size_limit = -1\n",
            "must not be negative"},
           {"[agent\n", "config: line 1"}}) {
    auto config = ParseAgentConfig(c.toml, {});
    ASSERT_FALSE(config.ok()) << c.toml;
    EXPECT_NE(config.error().message.find(c.expected), std::string::npos)
        << config.error().message << " (wanted " << c.expected << ")";
  }
  AgentFlags bad_flag;
  bad_flag.availability_target = "forever";
  auto config = ParseAgentConfig(base, bad_flag);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("--availability-target"), std::string::npos);
}

TEST(AgentConfigTest, BundleAndInsecureBootstrapExcludeEachOther) {
  TempDir dir;
  WriteTestFile(dir.File("bundle.pem"), testing::MakeTestCa("example.org").cert.ToPem());
  AgentFlags flags;
  flags.trust_domain = "example.org";
  flags.data_dir = dir.File("data");
  flags.trust_bundle = dir.File("bundle.pem");
  flags.insecure_bootstrap = true;
  auto config = ParseAgentConfig("", flags);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("insecure_bootstrap"), std::string::npos);
  WriteTestFile(dir.File("empty.pem"), "");
  flags.insecure_bootstrap.reset();
  flags.trust_bundle = dir.File("empty.pem");
  config = ParseAgentConfig("", flags);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("agent.trust_bundle_path"), std::string::npos)
      << config.error().message;
}

}  // namespace
}  // namespace edgeid::agent
