// edgeid-helper as a user runs it: real server, agent and helper processes; the files it writes
// are checked with the openssl CLI, and the workload it runs is a shell script.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "testing/command.h"
#include "testing/edgeid_processes.h"
#include "testing/process.h"
#include "testing/temp_dir.h"

namespace edgeid {
namespace {

using testing::ChildProcess;
using testing::EdgeidProcesses;
using testing::ReadTestFile;
using testing::RunCommand;
using testing::TempDir;
using testing::WriteTestFile;
using Clock = std::chrono::steady_clock;

constexpr const char* kTd = "example.org";
constexpr const char* kId = "spiffe://example.org/helper-workload";
constexpr const char* kAudience = "spiffe://example.org/db";

bool Exists(const std::string& path) {
  return ::access(path.c_str(), F_OK) == 0;
}

bool WaitFor(const std::function<bool()>& done, std::chrono::seconds limit) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

unsigned ModeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

std::string UriSanOf(const std::string& pem_file) {
  auto r = RunCommand("openssl x509 -in " + pem_file + " -noout -ext subjectAltName 2>&1");
  std::smatch m;
  if (!std::regex_search(r.output, m, std::regex("URI:(\\S+)"))) return "";
  return m[1];
}

std::string SerialOf(const std::string& pem_file) {
  auto r = RunCommand("openssl x509 -in " + pem_file + " -noout -serial 2>/dev/null");
  return r.exit_code == 0 ? r.output : "";
}

// The JSON claims of a compact JWT, decoded by the base64 CLI.
nlohmann::json ClaimsOf(const std::string& token) {
  auto first = token.find('.');
  auto second = token.find('.', first + 1);
  std::string payload = token.substr(first + 1, second - first - 1);
  std::replace(payload.begin(), payload.end(), '-', '+');
  std::replace(payload.begin(), payload.end(), '_', '/');
  while (payload.size() % 4 != 0) payload += '=';
  auto r = RunCommand("echo '" + payload + "' | base64 -d");
  return nlohmann::json::parse(r.output, nullptr, false);
}

class HelperIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    processes_ = std::make_unique<EdgeidProcesses>(
        testing::EdgeidBinaries{EDGEID_SERVER_BINARY, EDGEID_AGENT_BINARY}, dir_.File("run"), kTd);
    std::filesystem::create_directories(certs_);
  }

  void StartServerAndAgent(const std::vector<std::string>& server_args = {}) {
    ASSERT_TRUE(processes_->StartServer(server_args)) << processes_->error();
    auto token = processes_->JoinToken();
    ASSERT_FALSE(token.empty());
    ASSERT_TRUE(processes_->StartAgent({"--join-token", token})) << processes_->error();
    ASSERT_FALSE(processes_->AgentId().empty());
  }
  // An entry for every process of the test's uid: the helper and the workload it starts.
  void Register(const std::string& more_flags = "") {
    auto id =
        processes_->CreateEntry(kId, processes_->AgentId(), {testing::UidSelector()}, more_flags);
    ASSERT_FALSE(id.empty());
  }
  // helper.conf with the X.509 files, one JWT-SVID and the JWT bundle, plus `extra`.
  std::string WriteConfig(const std::string& extra = "") {
    std::string path = dir_.File("helper.conf");
    WriteTestFile(path, "agent_address = \"unix://" + processes_->agent_socket() + "\"\n" +
                            "cert_dir = \"" + certs_ + "\"\n" +
                            "svid_file_name = \"svid.pem\"\n"
                            "svid_key_file_name = \"svid_key.pem\"\n"
                            "svid_bundle_file_name = \"svid_bundle.pem\"\n"
                            "jwt_svids = [{jwt_audience=\"" +
                            kAudience +
                            "\", jwt_svid_file_name=\"db.token\"}]\n"
                            "jwt_bundle_file_name = \"jwt_bundle.json\"\n" +
                            extra);
    return path;
  }
  std::unique_ptr<ChildProcess> StartDaemon(const std::string& config) {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{EDGEID_HELPER_BINARY, "run", "--config", config},
        dir_.File("helper.log"));
  }
  std::string Cert(const std::string& name) const { return certs_ + "/" + name; }

  TempDir dir_;
  std::string certs_ = dir_.File("certs");
  std::unique_ptr<EdgeidProcesses> processes_;
};

TEST_F(HelperIntegrationTest, OneShotWritesTheFilesAndExits) {
  StartServerAndAgent();
  Register();
  // The entry reaches the agent within a sync: the helper retries until then.
  auto r = RunCommand(std::string(EDGEID_HELPER_BINARY) + " run --config " + WriteConfig() +
                      " --daemon-mode=false --timeout 20s 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ModeOf(Cert("svid_key.pem")), 0600u);
  EXPECT_EQ(ModeOf(Cert("svid.pem")), 0644u);
  EXPECT_EQ(ModeOf(Cert("svid_bundle.pem")), 0644u);
  auto verify = RunCommand("openssl verify -CAfile " + Cert("svid_bundle.pem") + " -untrusted " +
                           Cert("svid.pem") + " " + Cert("svid.pem") + " 2>&1");
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_EQ(UriSanOf(Cert("svid.pem")), kId);
  auto match = RunCommand("test \"$(openssl x509 -in " + Cert("svid.pem") +
                          " -noout -pubkey)\" = \"$(openssl pkey -in " + Cert("svid_key.pem") +
                          " -pubout)\"");
  EXPECT_EQ(match.exit_code, 0) << "the key file does not hold the SVID's key";
  // The key never reaches the log.
  EXPECT_EQ(r.output.find("PRIVATE KEY"), std::string::npos);

  std::string token = ReadTestFile(Cert("db.token"));
  EXPECT_EQ(ModeOf(Cert("db.token")), 0600u);
  auto claims = ClaimsOf(token);
  ASSERT_TRUE(claims.is_object()) << token;
  EXPECT_EQ(claims["sub"], kId);
  EXPECT_NE(claims["aud"].dump().find(kAudience), std::string::npos) << claims.dump();
  auto validated = processes_->AgentCli("api validate jwt --audience " + std::string(kAudience) +
                                        " --svid " + token);
  EXPECT_EQ(validated.exit_code, 0) << validated.output;

  EXPECT_EQ(ModeOf(Cert("jwt_bundle.json")), 0600u);
  auto jwks = nlohmann::json::parse(ReadTestFile(Cert("jwt_bundle.json")), nullptr, false);
  ASSERT_TRUE(jwks.is_object()) << ReadTestFile(Cert("jwt_bundle.json"));
  ASSERT_TRUE(jwks["keys"].is_array());
  EXPECT_GE(jwks["keys"].size(), 1u);
  EXPECT_TRUE(jwks["keys"][0].contains("kid"));
}

// Two entries for the same workload told apart by hint, the second created while the helper
// already runs: it waits for the one it was told to write instead of failing on the first.
TEST_F(HelperIntegrationTest, OneShotWaitsForTheSvidWithItsHint) {
  StartServerAndAgent();
  Register("--hint first");
  std::string config = WriteConfig("hint = \"second\"\n");
  auto helper = std::make_unique<ChildProcess>(
      std::vector<std::string>{EDGEID_HELPER_BINARY, "run", "--config", config,
                               "--daemon-mode=false", "--timeout", "30s"},
      dir_.File("helper-hint.log"));
  ASSERT_TRUE(helper->WaitForOutput("no X.509-SVID has the hint \"second\" (yet)",
                                    std::chrono::seconds(20)))
      << helper->Output();
  ASSERT_FALSE(processes_
                   ->CreateEntry(std::string("spiffe://") + kTd + "/second", processes_->AgentId(),
                                 {testing::UidSelector()}, "--hint second")
                   .empty());
  ASSERT_EQ(helper->Wait(std::chrono::seconds(30)), 0) << helper->Output();
  EXPECT_EQ(UriSanOf(Cert("svid.pem")), std::string("spiffe://") + kTd + "/second");
}

TEST_F(HelperIntegrationTest, OneShotWithoutAnEntryFailsWithPermissionDenied) {
  StartServerAndAgent();
  auto start = Clock::now();
  auto r = RunCommand(std::string(EDGEID_HELPER_BINARY) + " run --config " + WriteConfig() +
                      " --daemon-mode=false --timeout 2s 2>&1");
  auto elapsed = Clock::now() - start;
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("PermissionDenied"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no identity issued"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("gave up after 2s"), std::string::npos) << r.output;
  EXPECT_GE(elapsed, std::chrono::seconds(2));
  EXPECT_LT(elapsed, std::chrono::seconds(8));
  EXPECT_FALSE(Exists(Cert("svid.pem")));

  // A missing cert_dir is a configuration error, named as such, before any fetch.
  std::filesystem::remove(certs_);
  auto missing = RunCommand(std::string(EDGEID_HELPER_BINARY) + " run --config " + WriteConfig() +
                            " --daemon-mode=false 2>&1");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("cert_dir: directory " + certs_ + " does not exist"),
            std::string::npos)
      << missing.output;
}

TEST_F(HelperIntegrationTest, DaemonRenewsTheFilesAndSignalsItsWorkload) {
  StartServerAndAgent();
  // Rotation at about half of 16 s; JWT-SVIDs minted anew after half of 8 s.
  Register("--x509-svid-ttl 16s --jwt-svid-ttl 8s");
  // The workload: records its PID, every SIGUSR1 and the SIGTERM that stops it.
  std::string script = dir_.File("workload.sh");
  std::string events = dir_.File("events");
  std::string pid_file = dir_.File("workload.pid");
  WriteTestFile(script, "echo $$ > " + pid_file + "\n" + "trap 'echo usr1 >> " + events +
                            "' USR1\n" + "trap 'echo term >> " + events + "; exit 0' TERM\n" +
                            "while :; do sleep 0.1 & wait $!; done\n");
  auto daemon =
      StartDaemon(WriteConfig("cmd = \"/bin/sh\"\ncmd_args = \"" + script +
                              "\"\nrenew_signal = \"SIGUSR1\"\n"
                              "[health_checks]\nlistener_enabled = true\nbind_port = 0\n"));
  ASSERT_TRUE(daemon->WaitForOutput("health and metrics listening on")) << daemon->Output();
  std::smatch port;
  std::string log = daemon->Output();
  ASSERT_TRUE(std::regex_search(log, port, std::regex("http://127.0.0.1:(\\d+)")));
  httplib::Client http("127.0.0.1", std::stoi(port[1]));
  auto live = http.Get("/live");
  ASSERT_TRUE(live);
  EXPECT_EQ(live->status, 200);

  ASSERT_TRUE(WaitFor(
      [&] {
        return Exists(pid_file) && !ReadTestFile(pid_file).empty() && Exists(Cert("svid.pem"));
      },
      std::chrono::seconds(15)))
      << daemon->Output();
  EXPECT_TRUE(WaitFor(
      [&] {
        auto ready = http.Get("/ready");
        return ready && ready->status == 200;
      },
      std::chrono::seconds(5)));
  EXPECT_EQ(ModeOf(Cert("svid_key.pem")), 0600u);
  EXPECT_EQ(UriSanOf(Cert("svid.pem")), kId);
  std::string first_serial = SerialOf(Cert("svid.pem"));
  std::string first_token = ReadTestFile(Cert("db.token"));
  ASSERT_FALSE(first_serial.empty());
  pid_t workload = std::stoi(ReadTestFile(pid_file));

  EXPECT_TRUE(WaitFor(
      [&] {
        auto serial = SerialOf(Cert("svid.pem"));
        return !serial.empty() && serial != first_serial;
      },
      std::chrono::seconds(20)))
      << "no renewed SVID in the file\n"
      << daemon->Output();
  EXPECT_TRUE(WaitFor([&] { return Exists(events) && ReadTestFile(events).find("usr1") == 0; },
                      std::chrono::seconds(5)))
      << "the workload got no SIGUSR1\n"
      << daemon->Output();
  auto verify = RunCommand("openssl verify -CAfile " + Cert("svid_bundle.pem") + " -untrusted " +
                           Cert("svid.pem") + " " + Cert("svid.pem") + " 2>&1");
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_TRUE(WaitFor([&] { return ReadTestFile(Cert("db.token")) != first_token; },
                      std::chrono::seconds(10)))
      << "the JWT-SVID was not refreshed";
  EXPECT_EQ(std::stoi(ReadTestFile(pid_file)), workload) << "the workload was started again";
  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("edgeid_helper_x509_updates_total"), std::string::npos);
  EXPECT_NE(metrics->body.find("edgeid_helper_renew_signals_total"), std::string::npos);

  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(std::chrono::seconds(10)), 0) << daemon->Output();
  EXPECT_NE(ReadTestFile(events).find("term"), std::string::npos) << "SIGTERM not forwarded";
  EXPECT_TRUE(
      WaitFor([&] { return ::kill(workload, 0) != 0 && errno == ESRCH; }, std::chrono::seconds(2)))
      << "the workload outlived the helper";
  EXPECT_EQ(daemon->Output().find("PRIVATE KEY"), std::string::npos);
}

TEST_F(HelperIntegrationTest, DaemonWaitsForItsEntryAndOutlivesAnAgentRestart) {
  StartServerAndAgent();
  // A process the helper did not start, named by a PID file: told about renewals by SIGUSR2.
  std::string events = dir_.File("events");
  std::string pid_file = dir_.File("server.pid");
  WriteTestFile(dir_.File("server.sh"), "trap 'echo usr2 >> " + events + "' USR2\n" + "echo $$ > " +
                                            pid_file + ".tmp; mv " + pid_file + ".tmp " + pid_file +
                                            "\n" + "while :; do sleep 0.1 & wait $!; done\n");
  ChildProcess server({"/bin/sh", dir_.File("server.sh")}, dir_.File("server.log"));
  ASSERT_TRUE(WaitFor([&] { return Exists(pid_file); }, std::chrono::seconds(5)));
  auto daemon = StartDaemon(
      WriteConfig("pid_file_name = \"" + pid_file + "\"\nrenew_signal = \"SIGUSR2\"\n"));
  // No entry yet: the helper keeps trying and writes nothing.
  ASSERT_TRUE(daemon->WaitForOutput("PermissionDenied")) << daemon->Output();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_FALSE(daemon->Wait(std::chrono::milliseconds(0)).has_value()) << daemon->Output();
  EXPECT_FALSE(Exists(Cert("svid.pem")));
  EXPECT_NE(daemon->Output().find("reconnecting in"), std::string::npos);

  Register();
  ASSERT_TRUE(WaitFor([&] { return Exists(Cert("svid.pem")) && Exists(Cert("db.token")); },
                      std::chrono::seconds(15)))
      << daemon->Output();
  EXPECT_EQ(UriSanOf(Cert("svid.pem")), kId);
  EXPECT_TRUE(WaitFor([&] { return Exists(events) && ReadTestFile(events).find("usr2") == 0; },
                      std::chrono::seconds(5)))
      << "the PID file's process got no SIGUSR2\n"
      << daemon->Output();

  // The agent goes away and comes back (reusing its SVID): the helper stays and resumes.
  ASSERT_EQ(processes_->StopAgent(), 0);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_FALSE(daemon->Wait(std::chrono::milliseconds(0)).has_value()) << daemon->Output();
  auto written = [&] {
    std::string out = daemon->Output();
    size_t n = 0;
    for (size_t at = out.find("X.509-SVID of"); at != std::string::npos;
         at = out.find("X.509-SVID of", at + 1)) {
      ++n;
    }
    return n;
  };
  size_t before = written();
  ASSERT_TRUE(processes_->StartAgent({})) << processes_->error();
  EXPECT_TRUE(WaitFor([&] { return written() > before; }, std::chrono::seconds(15)))
      << daemon->Output();

  daemon->Signal(SIGINT);
  EXPECT_EQ(daemon->Wait(std::chrono::seconds(10)), 0) << daemon->Output();
}

}  // namespace
}  // namespace edgeid
