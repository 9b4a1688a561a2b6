// Every binary says which build it is: `--version`, its start-up log line and, for the daemons, an
// edgeid_build_info gauge on /metrics, all from the one version CMake configured.
#include "common/version.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <filesystem>
#include <memory>
#include <regex>

#include "testing/command.h"
#include "testing/process.h"
#include "testing/temp_dir.h"

namespace edgeid {
namespace {

using edgeid::testing::ChildProcess;
using edgeid::testing::RunCommand;
using edgeid::testing::TempDir;
using edgeid::testing::WriteTestFile;

TEST(VersionTest, EveryBinaryPrintsItsVersion) {
  for (auto [binary, name] : {std::pair{EDGEID_SERVER_BINARY, "edgeid-server"},
                              std::pair{EDGEID_AGENT_BINARY, "edgeid-agent"},
                              std::pair{EDGEID_HELPER_BINARY, "edgeid-helper"},
                              std::pair{EDGEID_MAPPER_BINARY, "edgeid-mapper"},
                              std::pair{EDGEID_DEVSIM_BINARY, "edgeid-devsim"}}) {
    auto r = RunCommand(std::string(binary) + " --version 2>&1");
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.output;
    EXPECT_EQ(r.output, std::string(name) + " " + VersionText() + "\n");
  }
  // The project version from CMake, and the commit when built from a git checkout.
  EXPECT_TRUE(std::regex_match(Version(), std::regex("[0-9]+\\.[0-9]+\\.[0-9]+"))) << Version();
}

// The port of "health and metrics listening on http://127.0.0.1:PORT" in a daemon's log.
int HealthPort(const ChildProcess& process) {
  std::smatch m;
  std::string log = process.Output();
  if (!std::regex_search(log, m, std::regex("metrics listening on http://127.0.0.1:(\\d+)"))) {
    return 0;
  }
  return std::stoi(m[1]);
}

// The daemon's /metrics has edgeid_build_info = 1 labelled with this build's version.
void ExpectBuildInfo(const ChildProcess& process) {
  int port = HealthPort(process);
  ASSERT_NE(port, 0) << process.Output();
  httplib::Client http("127.0.0.1", port);
  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  std::string line =
      "edgeid_build_info{version=\"" + Version() + "\",revision=\"" + Revision() + "\"} 1\n";
  EXPECT_NE(metrics->body.find("# TYPE edgeid_build_info gauge\n" + line), std::string::npos)
      << metrics->body;
}

class DaemonVersionTest : public ::testing::Test {
 protected:
  void Stop(ChildProcess& process) {
    process.Signal(SIGTERM);
    process.Wait();
  }
  TempDir dir_;
};

TEST_F(DaemonVersionTest, ServerLogsAndExportsItsVersion) {
  ChildProcess server({EDGEID_SERVER_BINARY, "run", "--trust-domain", "example.org", "--data-dir",
                       dir_.File("data"), "--admin-socket", dir_.File("admin/api.sock"),
                       "--bind-port", "0", "--health-port", "0"},
                      dir_.File("server.log"));
  ASSERT_TRUE(server.WaitForOutput("edgeid-server ready")) << server.Output();
  EXPECT_NE(server.Output().find("version " + VersionText()), std::string::npos) << server.Output();
  ExpectBuildInfo(server);
  Stop(server);
}

TEST_F(DaemonVersionTest, AgentLogsAndExportsItsVersion) {
  // No server: the agent starts, logs and serves /metrics while it keeps trying to attest.
  ChildProcess agent(
      {EDGEID_AGENT_BINARY, "run", "--trust-domain", "example.org", "--server-address", "127.0.0.1",
       "--server-port", "1", "--insecure-bootstrap", "--join-token", "x", "--data-dir",
       dir_.File("agent"), "--socket-path", dir_.File("public/api.sock"), "--health-port", "0"},
      dir_.File("agent.log"));
  ASSERT_TRUE(agent.WaitForOutput("edgeid-agent started")) << agent.Output();
  ASSERT_TRUE(agent.WaitForOutput("metrics listening on")) << agent.Output();
  EXPECT_NE(agent.Output().find("version " + VersionText()), std::string::npos) << agent.Output();
  ExpectBuildInfo(agent);
  Stop(agent);
}

TEST_F(DaemonVersionTest, HelperLogsAndExportsItsVersion) {
  std::filesystem::create_directories(dir_.File("certs"));
  WriteTestFile(dir_.File("helper.conf"),
                "agent_address = \"unix://" + dir_.File("none/api.sock") + "\"\ncert_dir = \"" +
                    dir_.File("certs") +
                    "\"\nsvid_file_name = \"svid.pem\"\nsvid_key_file_name = \"key.pem\"\n"
                    "svid_bundle_file_name = \"bundle.pem\"\n"
                    "[health_checks]\nlistener_enabled = true\nbind_port = 0\n");
  ChildProcess helper({EDGEID_HELPER_BINARY, "run", "--config", dir_.File("helper.conf")},
                      dir_.File("helper.log"));
  ASSERT_TRUE(helper.WaitForOutput("edgeid-helper started")) << helper.Output();
  EXPECT_NE(helper.Output().find("version " + VersionText()), std::string::npos) << helper.Output();
  ExpectBuildInfo(helper);
  Stop(helper);
}

TEST_F(DaemonVersionTest, MapperLogsAndExportsItsVersion) {
  auto root = RunCommand(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
      "-subj /CN=maker -days 1 -keyout " +
      dir_.File("root.key") + " -out " + dir_.File("root.pem") + " 2>&1");
  ASSERT_EQ(root.exit_code, 0) << root.output;
  ChildProcess mapper(
      {EDGEID_MAPPER_BINARY, "run", "--agent-address", dir_.File("none/api.sock"),
       "--manufacturer-roots", dir_.File("root.pem"), "--dmi-socket", dir_.File("dmi/mapper.sock"),
       "--data-file", dir_.File("readings.jsonl"), "--health-port", "0"},
      dir_.File("mapper.log"));
  ASSERT_TRUE(mapper.WaitForOutput("metrics listening on")) << mapper.Output();
  ASSERT_TRUE(mapper.WaitForOutput("starting")) << mapper.Output();
  EXPECT_NE(mapper.Output().find("version " + VersionText()), std::string::npos) << mapper.Output();
  ExpectBuildInfo(mapper);
  Stop(mapper);
}

}  // namespace
}  // namespace edgeid
