// edgeid-agent as a user runs it: real server and agent processes on loopback and a UNIX socket,
// workloads served over the SPIFFE Workload API, checked by independent tools (the openssl CLI,
// Debian's python3-grpcio).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "edgeid/server/v1/entry.grpc.pb.h"
#include "testing/command.h"
#include "testing/edgeid_processes.h"
#include "testing/node_pki.h"
#include "testing/sanitizers.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"
#include "workloadapi/workload_client.h"

namespace edgeid {
namespace {

using testing::CommandResult;
using testing::EdgeidProcesses;
using testing::RunCommand;
using testing::TempDir;
using testing::UidSelector;
using testing::WriteTestFile;
using Clock = std::chrono::steady_clock;

constexpr const char* kTd = "example.org";

// The URI SAN of the first certificate in a PEM file, read by the openssl CLI.
std::string UriSanOf(const std::string& pem_file) {
  auto r = RunCommand("openssl x509 -in " + pem_file + " -noout -ext subjectAltName 2>&1");
  std::smatch m;
  if (!std::regex_search(r.output, m, std::regex("URI:(\\S+)"))) return "";
  return m[1];
}

class WorkloadApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Reachable by the unprivileged user of the refusal test: the socket itself is 0777.
    ::chmod(dir_.path().c_str(), 0755);
    processes_ = std::make_unique<EdgeidProcesses>(
        testing::EdgeidBinaries{EDGEID_SERVER_BINARY, EDGEID_AGENT_BINARY}, dir_.File("run"), kTd);
    ::chmod(dir_.File("run").c_str(), 0755);
  }

  void StartServer(const std::vector<std::string>& args = {}) {
    ASSERT_TRUE(processes_->StartServer(args)) << processes_->error();
  }
  void StartJoinTokenAgent() {
    auto token = processes_->JoinToken();
    ASSERT_FALSE(token.empty());
    ASSERT_TRUE(processes_->StartAgent({"--join-token", token})) << processes_->error();
    ASSERT_FALSE(processes_->AgentId().empty());
  }
  std::string Register(const std::string& path) {
    auto id = processes_->CreateEntry(std::string("spiffe://") + kTd + path, processes_->AgentId(),
                                      {UidSelector()});
    EXPECT_FALSE(id.empty());
    return id;
  }
  // Polls FetchX509SVID until `count` SVIDs arrive (entries reach the agent within a sync).
  Result<workloadapi::X509Context> FetchWhen(
      size_t count, std::chrono::seconds timeout = std::chrono::seconds(15)) {
    workloadapi::WorkloadClient client(processes_->agent_socket(), std::chrono::seconds(5));
    auto deadline = Clock::now() + timeout;
    for (;;) {
      auto context = client.FetchX509Context();
      if (context.ok() && context->svids.size() == count) return context;
      if (Clock::now() > deadline) {
        return context.ok() ? Internal(std::to_string(context->svids.size()) + " SVIDs")
                            : context.error();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  TempDir dir_;
  std::unique_ptr<EdgeidProcesses> processes_;
};

TEST_F(WorkloadApiTest, RegisteredWorkloadGetsItsSvidAndAnotherUidIsRefused) {
  StartServer();
  StartJoinTokenAgent();
  // Before registration: the caller has no identity.
  auto before = processes_->AgentCli("api fetch x509");
  EXPECT_NE(before.exit_code, 0);
  EXPECT_NE(before.output.find("no identity issued"), std::string::npos) << before.output;

  Register("/workload");
  ASSERT_TRUE(FetchWhen(1).ok());
  const std::string out = dir_.File("svid");
  auto fetched = processes_->AgentCli("api fetch x509 --write " + out);
  ASSERT_EQ(fetched.exit_code, 0) << fetched.output;
  EXPECT_NE(fetched.output.find("SPIFFE ID:\t\tspiffe://example.org/workload"), std::string::npos)
      << fetched.output;
  struct stat st {};
  ASSERT_EQ(::stat((out + "/svid.0.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto verify = RunCommand("openssl verify -CAfile " + out + "/bundle.0.pem -untrusted " + out +
                           "/svid.0.pem " + out + "/svid.0.pem 2>&1");
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_EQ(UriSanOf(out + "/svid.0.pem"), "spiffe://example.org/workload");
  // The key the agent handed over is the certificate's.
  auto match = RunCommand("test \"$(openssl x509 -in " + out +
                          "/svid.0.pem -noout -pubkey)\" = \"$(openssl pkey -in " + out +
                          "/svid.0.key -pubout)\"");
  EXPECT_EQ(match.exit_code, 0);

  // The same call from another user: the kernel says who it is, and it has no entry. setpriv
  // can only take another user's IDs as root; the rest of the test runs either way.
  const bool root = ::geteuid() == 0;
  if (root) {
    auto other = RunCommand("setpriv --reuid 65534 --regid 65534 --clear-groups " +
                            std::string(EDGEID_AGENT_BINARY) + " api fetch x509 --socket-path " +
                            processes_->agent_socket() + " 2>&1");
    EXPECT_NE(other.exit_code, 0);
    EXPECT_NE(other.output.find("no identity issued"), std::string::npos) << other.output;
  }
  EXPECT_NE(processes_->agent()->Output().find("FetchX509SVID from PID"), std::string::npos);
  auto health = processes_->AgentCli("healthcheck");
  EXPECT_EQ(health.exit_code, 0) << health.output;
  EXPECT_NE(health.output.find("Agent is healthy"), std::string::npos);
  // `api watch` prints the state at once and keeps the stream open until stopped.
  auto watch = RunCommand("timeout 3 " + std::string(EDGEID_AGENT_BINARY) +
                          " api watch --socket-path " + processes_->agent_socket() + " 2>&1");
  EXPECT_EQ(watch.exit_code, 124) << watch.output;  // still watching when timeout stopped it
  EXPECT_NE(watch.output.find("Received 1 svid"), std::string::npos) << watch.output;
  EXPECT_NE(watch.output.find("SPIFFE ID:\t\tspiffe://example.org/workload"), std::string::npos);

  // It may still validate a token (a verifier needs no identity of its own).
  if (EDGEID_UNDER_TSAN) return;  // the agent's ValidateJWTSVID answer holds a Struct
  auto jwt = processes_->AgentCli("api fetch jwt --audience spiffe://example.org/db");
  ASSERT_EQ(jwt.exit_code, 0) << jwt.output;
  std::smatch token;
  ASSERT_TRUE(std::regex_search(jwt.output, token, std::regex("\t(eyJ\\S+)")));
  if (!root) GTEST_SKIP() << "needs root to call as another user (setpriv --reuid)";
  auto validate = RunCommand(
      "setpriv --reuid 65534 --regid 65534 --clear-groups " + std::string(EDGEID_AGENT_BINARY) +
      " api validate jwt --audience spiffe://example.org/db --svid " + token[1].str() +
      " --socket-path " + processes_->agent_socket() + " 2>&1");
  EXPECT_EQ(validate.exit_code, 0) << validate.output;
  EXPECT_NE(validate.output.find("SPIFFE ID : spiffe://example.org/workload"), std::string::npos);
}

// `api` commands as spire-agent's: --output json in SPIRE's shapes (the Workload API's messages,
// numbers as numbers), the socket from the agent's config file or the environment, --timeout as
// a duration, and a socket this user may not reach reported as such.
TEST_F(WorkloadApiTest, ApiCommandsPrintJsonAndFindTheAgentsSocket) {
  StartServer();
  StartJoinTokenAgent();
  Register("/workload");
  ASSERT_TRUE(FetchWhen(1).ok());
  auto parse = [](const CommandResult& r) {
    auto doc = nlohmann::json::parse(r.output, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << r.output;
    return doc;
  };

  auto x509 = parse(processes_->AgentCli("api fetch x509 --output json"));
  ASSERT_EQ(x509["svids"].size(), 1u) << x509;
  const auto& svid = x509["svids"][0];
  EXPECT_EQ(svid["spiffe_id"], "spiffe://example.org/workload");
  for (const char* field : {"x509_svid", "x509_svid_key", "bundle", "hint"}) {
    EXPECT_TRUE(svid[field].is_string()) << field << ": " << svid;
  }
  EXPECT_TRUE(x509["federated_bundles"].is_object()) << x509;
  EXPECT_TRUE(x509["crl"].is_array()) << x509;
  // base64 DER, as protobuf's JSON writes bytes: the certificate reads back with openssl.
  WriteTestFile(dir_.File("svid.b64"), svid["x509_svid"].get<std::string>() + "\n");
  auto san = RunCommand("base64 -d " + dir_.File("svid.b64") +
                        " | openssl x509 -inform DER -noout -ext subjectAltName");
  EXPECT_NE(san.output.find("URI:spiffe://example.org/workload"), std::string::npos) << san.output;

  auto jwt = parse(processes_->AgentCli("api fetch jwt --audience db --output json"));
  ASSERT_TRUE(jwt.is_array() && jwt.size() == 2) << jwt;
  EXPECT_EQ(jwt[0]["svids"][0]["spiffe_id"], "spiffe://example.org/workload");
  std::string token = jwt[0]["svids"][0]["svid"];
  EXPECT_TRUE(jwt[0]["svids"][0]["hint"].is_string()) << jwt;
  EXPECT_TRUE(jwt[1]["bundles"].contains("spiffe://example.org")) << jwt;

  if (!EDGEID_UNDER_TSAN) {  // the agent's ValidateJWTSVID answer holds a Struct
    auto valid = parse(
        processes_->AgentCli("api validate jwt --audience db --svid " + token + " --output json"));
    EXPECT_EQ(valid["spiffe_id"], "spiffe://example.org/workload") << valid;
    EXPECT_TRUE(valid["claims"]["exp"].is_number()) << valid;
    EXPECT_EQ(valid["claims"]["sub"], "spiffe://example.org/workload") << valid;
  }

  // Where the socket is: --config (agent.socket_path), EDGEID_AGENT_SOCKET, SPIFFE_ENDPOINT_SOCKET.
  const std::string bin = EDGEID_AGENT_BINARY;
  WriteTestFile(dir_.File("agent.conf"),
                "[agent]\ntrust_domain = \"example.org\"\nsocket_path = \"" +
                    processes_->agent_socket() + "\"\n");
  for (const std::string& command :
       {bin + " api fetch x509 --silent --config " + dir_.File("agent.conf"),
        "EDGEID_AGENT_SOCKET=" + processes_->agent_socket() + " " + bin +
            " api fetch x509 --silent",
        "SPIFFE_ENDPOINT_SOCKET=unix://" + processes_->agent_socket() + " " + bin +
            " api fetch x509 --silent",
        bin + " healthcheck --config " + dir_.File("agent.conf")}) {
    auto r = RunCommand(command + " 2>&1");
    EXPECT_EQ(r.exit_code, 0) << command << "\n" << r.output;
  }
  EXPECT_EQ(processes_->AgentCli("api fetch x509 --silent --timeout 5s").exit_code, 0);
  auto bad_timeout = processes_->AgentCli("api fetch x509 --timeout soon");
  EXPECT_NE(bad_timeout.exit_code, 0);
  EXPECT_NE(bad_timeout.output.find("--timeout: invalid duration"), std::string::npos)
      << bad_timeout.output;
  auto missing =
      RunCommand(bin + " api fetch x509 --socket-path " + dir_.File("none.sock") + " 2>&1");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("no agent Workload API socket at " + dir_.File("none.sock")),
            std::string::npos)
      << missing.output;

  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run the CLI as another user (setpriv)";
  // A socket under a directory nobody (65534) may not enter.
  std::filesystem::create_directories(dir_.File("private"));
  ::chmod(dir_.File("private").c_str(), 0700);
  std::filesystem::create_symlink(processes_->agent_socket(), dir_.File("private/api.sock"));
  auto denied =
      RunCommand("setpriv --reuid=65534 --regid=65534 --clear-groups " + bin +
                 " api fetch x509 --socket-path " + dir_.File("private/api.sock") + " 2>&1");
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_NE(denied.output.find("permission denied connecting to " + dir_.File("private/api.sock")),
            std::string::npos)
      << denied.output;
}

TEST_F(WorkloadApiTest, X509PopNodeAttestsAndServesWorkloads) {
  const std::string d = dir_.path();
  ASSERT_EQ(testing::MakeOpensslNodePki(d), "");
  StartServer({"--x509pop-ca-bundle", d + "/ca.pem"});
  ASSERT_TRUE(
      processes_->StartAgent({"--x509pop-cert", d + "/node.pem", "--x509pop-key", d + "/node.key"}))
      << processes_->error();
  EXPECT_EQ(processes_->AgentId().rfind("spiffe://example.org/edgeid/agent/x509pop/", 0), 0u)
      << processes_->AgentId();
  Register("/sensor-mapper");
  auto context = FetchWhen(1);
  ASSERT_TRUE(context.ok()) << context.error().message;
  EXPECT_EQ(context->svids[0].id.str(), "spiffe://example.org/sensor-mapper");
}

TEST_F(WorkloadApiTest, PythonGrpcClientDrivesEveryRpc) {
  EDGEID_SKIP_PROTOBUF_STRUCT_UNDER_TSAN();
  StartServer();
  StartJoinTokenAgent();
  Register("/python-client");
  ASSERT_TRUE(FetchWhen(1).ok());
  auto r =
      RunCommand(std::string("/usr/bin/python3 ") + EDGEID_SOURCE_DIR +
                 "/tests/integration/workload_api_client.py " + EDGEID_SOURCE_DIR + "/proto " +
                 processes_->agent_socket() + " " + dir_.path() + " spiffe://example.org/api 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto result = nlohmann::json::parse(r.output);
  EXPECT_EQ(result["no_header"], "INVALID_ARGUMENT");
  ASSERT_EQ(result["x509_svids"].size(), 1u);
  EXPECT_EQ(result["x509_svids"][0]["spiffe_id"], "spiffe://example.org/python-client");
  EXPECT_GE(result["x509_svids"][0]["chain_length"], 1);
  EXPECT_GT(result["x509_svids"][0]["key_bytes"], 100);
  EXPECT_EQ(result["x509_federated"].size(), 0u);
  EXPECT_EQ(result["x509_bundles"].size(), 1u);
  EXPECT_GE(result["x509_bundles"]["spiffe://example.org"], 1);
  ASSERT_EQ(result["jwt_svids"].size(), 1u);
  EXPECT_EQ(result["jwt_svids"][0]["spiffe_id"], "spiffe://example.org/python-client");
  EXPECT_EQ(result["jwt_svids"][0]["token_parts"], 3);
  EXPECT_GE(result["jwt_bundles"]["spiffe://example.org"], 1);
  EXPECT_EQ(result["validated"]["spiffe_id"], "spiffe://example.org/python-client");
  EXPECT_EQ(result["validated"]["sub"], "spiffe://example.org/python-client");
  EXPECT_EQ(result["validated"]["aud"], "spiffe://example.org/api");
  EXPECT_EQ(result["validate_wrong_audience"], "INVALID_ARGUMENT");
  EXPECT_EQ(result["validate_tampered"], "INVALID_ARGUMENT");
  EXPECT_EQ(result["jwt_without_audience"], "INVALID_ARGUMENT");
  auto verify =
      RunCommand("openssl verify -CAfile " + dir_.File("py_bundle.0.pem") + " -untrusted " +
                 dir_.File("py_svid.0.pem") + " " + dir_.File("py_svid.0.pem") + " 2>&1");
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
}

struct StreamLog {
  std::mutex mu;
  std::vector<std::vector<std::pair<std::string, std::string>>> updates;  // (id, serial)
  std::optional<Status> ended;

  size_t size() {
    std::lock_guard lock(mu);
    return updates.size();
  }
};

TEST_F(WorkloadApiTest, OpenStreamSeesRotationAndEntryRemoval) {
  StartServer({"--default-x509-svid-ttl", "16s"});
  StartJoinTokenAgent();
  Register("/a");
  auto b = Register("/b");
  ASSERT_TRUE(FetchWhen(2).ok());

  StreamLog log;
  workloadapi::WorkloadClient client(processes_->agent_socket());
  workloadapi::WatchCancellation cancel;
  std::thread watcher([&] {
    auto status = client.WatchX509Context(
        [&](const workloadapi::X509Context& context) {
          std::vector<std::pair<std::string, std::string>> update;
          for (const auto& svid : context.svids) {
            update.emplace_back(svid.id.str(), svid.leaf().serial_hex());
          }
          std::lock_guard lock(log.mu);
          log.updates.push_back(std::move(update));
          return true;
        },
        &cancel);
    std::lock_guard lock(log.mu);
    log.ended = status;
  });
  auto wait_for = [&](auto done, std::chrono::seconds limit) {
    auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      {
        std::lock_guard lock(log.mu);
        if (done()) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  ASSERT_TRUE(wait_for([&] { return !log.updates.empty(); }, std::chrono::seconds(5)));
  std::string first_serial;
  {
    std::lock_guard lock(log.mu);
    ASSERT_EQ(log.updates[0].size(), 2u);
    first_serial = log.updates[0][0].second;
  }
  // Rotation at about half of 16 s (less 10% jitter) reaches the open stream.
  EXPECT_TRUE(wait_for(
      [&] {
        const auto& last = log.updates.back();
        return last.size() == 2 && last[0].second != first_serial;
      },
      std::chrono::seconds(15)))
      << "no rotated SVID on the stream";

  // Deleting an entry takes its SVID out of the next message.
  ASSERT_EQ(processes_->ServerCli("entry delete --entry-id " + b).exit_code, 0);
  EXPECT_TRUE(wait_for(
      [&] {
        const auto& last = log.updates.back();
        return last.size() == 1 && last[0].first == "spiffe://example.org/a";
      },
      std::chrono::seconds(5)))
      << "the deleted entry's SVID stayed on the stream";
  cancel.Cancel();
  watcher.join();
  ASSERT_TRUE(log.ended.has_value());
  EXPECT_TRUE(log.ended->ok()) << log.ended->error().message;
}

TEST_F(WorkloadApiTest, LastIdentityRemovedEndsTheStreamWithPermissionDenied) {
  StartServer();
  StartJoinTokenAgent();
  auto a = Register("/only");
  ASSERT_TRUE(FetchWhen(1).ok());
  workloadapi::WorkloadClient client(processes_->agent_socket());
  std::atomic<int> updates{0};
  std::optional<Status> ended;
  std::thread watcher([&] {
    ended = client.WatchX509Context([&](const workloadapi::X509Context&) {
      ++updates;
      return true;
    });
  });
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (updates.load() == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GT(updates.load(), 0) << "no first message";
  ASSERT_EQ(processes_->ServerCli("entry delete --entry-id " + a).exit_code, 0);
  watcher.join();  // the agent ends the stream (the test's timeout catches a hang)
  ASSERT_TRUE(ended.has_value());
  ASSERT_FALSE(ended->ok());
  EXPECT_EQ(ended->error().code, ErrorCode::kPermissionDenied) << ended->error().message;
}

TEST_F(WorkloadApiTest, ServerOutageLongerThanARotationPeriodThenRecovery) {
  // Workload SVIDs rotate every 10 s or so; the agent's own SVID outlives the outage.
  StartServer({"--default-x509-svid-ttl", "20s", "--agent-ttl", "1h"});
  StartJoinTokenAgent();
  Register("/through-outage");
  auto before = FetchWhen(1);
  ASSERT_TRUE(before.ok());
  processes_->StopServer();
  // Past the rotation point (about 9 to 10 s after issue) with the server gone.
  std::this_thread::sleep_for(std::chrono::seconds(11));
  auto during = FetchWhen(1, std::chrono::seconds(1));
  ASSERT_TRUE(during.ok()) << during.error().message;
  EXPECT_GT(during->svids[0].leaf().not_after(), std::chrono::system_clock::now());
  EXPECT_NE(processes_->agent()->Output().find("sync with the server failed"), std::string::npos);

  StartServer();
  // Rotation resumes: a fresh SVID, valid longer than the one served through the outage, and
  // before that one expires (the agent retries more often as expiry nears).
  auto deadline = Clock::now() + std::chrono::seconds(20);
  bool rotated = false;
  while (!rotated && Clock::now() < deadline) {
    auto now = FetchWhen(1, std::chrono::seconds(2));
    rotated = now.ok() && now->svids[0].leaf().not_after() > during->svids[0].leaf().not_after();
    if (!rotated) std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  EXPECT_TRUE(rotated) << processes_->agent()->Output();
  EXPECT_NE(processes_->agent()->Output().find("the server answers again"), std::string::npos);
  // The workload was never without a valid SVID.
  EXPECT_EQ(processes_->agent()->Output().find("expired before they could be renewed"),
            std::string::npos)
      << processes_->agent()->Output();
}

TEST_F(WorkloadApiTest, ServerAnnouncedChangesReachAnAgentBeforeItsPeriodicSync) {
  StartServer();
  auto token = processes_->JoinToken();
  // The periodic sync is a minute away: only the server's announcement brings changes sooner.
  ASSERT_TRUE(processes_->StartAgent({"--join-token", token, "--sync-interval", "60s"}))
      << processes_->error();
  auto* agent = processes_->agent();
  ASSERT_TRUE(agent->WaitForOutput("watching the server for changes")) << agent->Output();
  auto first = Register("/announced");
  auto got = FetchWhen(1, std::chrono::seconds(5));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->svids[0].id.str(), "spiffe://example.org/announced");

  // The watch is opened again after the server restarts.
  processes_->StopServer();
  ASSERT_TRUE(agent->WaitForOutput("change watch ended")) << agent->Output();
  // Ended by the stopping server, not left for its shutdown deadline to cut.
  EXPECT_NE(agent->Output().find("the service is shutting down"), std::string::npos);
  size_t lost_at = agent->Output().size();
  StartServer();
  auto deadline = Clock::now() + std::chrono::seconds(40);
  while (Clock::now() < deadline &&
         agent->Output().find("watching the server for changes", lost_at) == std::string::npos) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_NE(agent->Output().find("watching the server for changes", lost_at), std::string::npos)
      << agent->Output();
  Register("/after-restart");
  got = FetchWhen(2, std::chrono::seconds(5));
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_EQ(processes_->ServerCli("entry delete --entry-id " + first).exit_code, 0);
  got = FetchWhen(1, std::chrono::seconds(5));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->svids[0].id.str(), "spiffe://example.org/after-restart");
}

TEST_F(WorkloadApiTest, RestartedAgentReusesItsSvidWithoutAttesting) {
  StartServer();
  StartJoinTokenAgent();
  std::string agent_id = processes_->AgentId();
  Register("/survivor");
  ASSERT_TRUE(FetchWhen(1).ok());
  struct stat st {};
  ASSERT_EQ(::stat((processes_->agent_data_dir() + "/agent_svid.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(processes_->StopAgent(), 0);
  // No join token this time: a used one would be refused anyway.
  ASSERT_TRUE(processes_->StartAgent({})) << processes_->error();
  std::string log = processes_->agent()->Output();
  EXPECT_NE(log.find("reusing the stored agent SVID " + agent_id), std::string::npos) << log;
  EXPECT_EQ(log.find("attesting with"), std::string::npos) << log;
  auto context = FetchWhen(1);
  ASSERT_TRUE(context.ok());
  EXPECT_EQ(context->svids[0].id.str(), "spiffe://example.org/survivor");
}

TEST_F(WorkloadApiTest, UnavailableUntilAttestedThenReadyWhenTheServerComes) {
  StartServer();
  auto token = processes_->JoinToken();
  processes_->StopServer();
  ASSERT_TRUE(processes_->StartAgent({"--join-token", token}, false));
  ASSERT_TRUE(processes_->agent()->WaitForOutput("Workload API listening"));
  auto early = processes_->AgentCli("api fetch x509");
  EXPECT_NE(early.exit_code, 0);
  EXPECT_NE(early.output.find("not attested"), std::string::npos) << early.output;
  auto unhealthy = processes_->AgentCli("healthcheck");
  EXPECT_NE(unhealthy.exit_code, 0);

  StartServer();
  ASSERT_TRUE(processes_->agent()->WaitForOutput("edgeid-agent ready", std::chrono::seconds(30)))
      << processes_->agent()->Output();
}

TEST_F(WorkloadApiTest, BannedAgentDeletesItsSvidAndStops) {
  StartServer();
  StartJoinTokenAgent();
  Register("/soon-gone");
  ASSERT_TRUE(FetchWhen(1).ok());
  auto ban = processes_->ServerCli("agent ban --spiffe-id " + processes_->AgentId());
  ASSERT_EQ(ban.exit_code, 0) << ban.output;
  auto code = processes_->agent()->Wait(std::chrono::seconds(15));
  ASSERT_TRUE(code.has_value()) << "the agent kept running after its ban";
  EXPECT_NE(*code, 0);
  EXPECT_NE(processes_->agent()->Output().find("banned"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(processes_->agent_data_dir() + "/agent_svid.pem"));
  EXPECT_FALSE(std::filesystem::exists(processes_->agent_data_dir() + "/agent_svid.key"));
}

TEST_F(WorkloadApiTest, SigningAdaptsToAServerLimitBelowOneBatch) {
  // 100 SVIDs a second per agent: a batch of 300 is more than the server ever accepts at once.
  StartServer({"--signing-rate-limit", "100"});
  // The entries exist before the agent's first sync, so it asks for all 300 at once.
  auto token = processes_->JoinToken();
  const std::string agent_id = "spiffe://example.org/edgeid/agent/join_token/" + token;
  auto admin = server::v1::EntryService::NewStub(grpc::CreateChannel(
      "unix:" + processes_->admin_socket(), grpc::InsecureChannelCredentials()));
  server::v1::BatchCreateEntryRequest request;
  for (int i = 0; i < 300; ++i) {
    auto* e = request.add_entries();
    e->set_spiffe_id("spiffe://example.org/many/" + std::to_string(i));
    e->set_parent_id(agent_id);
    auto* s = e->add_selectors();
    s->set_type("unix");
    s->set_value("uid:" + std::to_string(100000 + i));
  }
  grpc::ClientContext context;
  server::v1::BatchCreateEntryResponse response;
  ASSERT_TRUE(admin->BatchCreateEntry(&context, request, &response).ok());
  ASSERT_TRUE(processes_->StartAgent({"--join-token", token, "--health-port", "0"}))
      << processes_->error();
  std::smatch m;
  std::string log = processes_->agent()->Output();
  ASSERT_TRUE(
      std::regex_search(log, m, std::regex("metrics listening on http://127.0.0.1:(\\d+)")));
  httplib::Client metrics("127.0.0.1", std::stoi(m[1]));
  auto deadline = Clock::now() + std::chrono::seconds(40);
  std::string cached;
  while (Clock::now() < deadline) {
    auto res = metrics.Get("/metrics");
    if (res &&
        std::regex_search(res->body, m, std::regex("edgeid_agent_cached_x509_svids (\\d+)"))) {
      cached = m[1];
      if (cached == "300") break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(cached, "300");
  // Refused batches made the agent wait and send smaller ones, never give up.
  EXPECT_NE(processes_->agent()->Output().find("signing paused by the server's rate limit"),
            std::string::npos);
  EXPECT_EQ(processes_->agent()->Output().find("signing SVIDs:"), std::string::npos);
}

TEST_F(WorkloadApiTest, AnEntryGivenAnotherSpiffeIdNeverServesTheOldSvid) {
  StartServer();
  StartJoinTokenAgent();
  auto id = Register("/db-admin");
  ASSERT_TRUE(FetchWhen(1).ok());
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> seen;  // (ID given, URI SAN of the cert)
  workloadapi::WorkloadClient client(processes_->agent_socket());
  workloadapi::WatchCancellation cancel;
  std::thread watcher([&] {
    auto ended = client.WatchX509Context(
        [&](const workloadapi::X509Context& context) {
          std::lock_guard lock(mu);
          for (const auto& svid : context.svids) {
            seen.emplace_back(svid.id.str(), svid.leaf().uri_sans().at(0));
          }
          return true;
        },
        &cancel);
    EXPECT_TRUE(ended.ok()) << ended.error().message;
  });
  auto update = processes_->ServerCli("entry update --entry-id " + id +
                                      " --spiffe-id spiffe://example.org/guest --parent-id " +
                                      processes_->AgentId() + " --selector " + UidSelector());
  ASSERT_EQ(update.exit_code, 0) << update.output;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  bool renamed = false;
  while (!renamed && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::lock_guard lock(mu);
    renamed = !seen.empty() && seen.back().first == "spiffe://example.org/guest";
  }
  cancel.Cancel();
  watcher.join();
  EXPECT_TRUE(renamed);
  for (const auto& [given, in_cert] : seen) EXPECT_EQ(given, in_cert);
}

TEST_F(WorkloadApiTest, SocketDirectoryOthersCanWriteIsRefused) {
  StartServer();
  const std::string open_dir = dir_.File("run/agent/public");
  std::filesystem::create_directories(open_dir);
  ::chmod(open_dir.c_str(), 0777);
  ASSERT_TRUE(processes_->StartAgent({"--join-token", processes_->JoinToken()}, false));
  auto code = processes_->agent()->Wait(std::chrono::seconds(10));
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_NE(processes_->agent()->Output().find("writable by other users"), std::string::npos)
      << processes_->agent()->Output();
}

TEST_F(WorkloadApiTest, MutualTlsBetweenTwoWorkloadsWithOpensslCli) {
  StartServer();
  StartJoinTokenAgent();
  Register("/frontend");
  Register("/backend");
  ASSERT_TRUE(FetchWhen(2).ok());
  const std::string out = dir_.File("mtls");
  auto fetched = processes_->AgentCli("api fetch x509 --write " + out);
  ASSERT_EQ(fetched.exit_code, 0) << fetched.output;
  std::string server_id = UriSanOf(out + "/svid.0.pem");
  std::string client_id = UriSanOf(out + "/svid.1.pem");
  ASSERT_NE(server_id, client_id);

  // A free loopback port for s_server.
  auto port_probe = RunCommand(
      "/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); "
      "print(s.getsockname()[1])'");
  std::string port = port_probe.output.substr(0, port_probe.output.find('\n'));
  // -www: s_server answers a GET with a page describing the connection, including the client
  // certificate it verified.
  const std::vector<std::string> s_server_argv = {"/usr/bin/openssl",
                                                  "s_server",
                                                  "-accept",
                                                  "127.0.0.1:" + port,
                                                  "-cert",
                                                  out + "/svid.0.pem",
                                                  "-key",
                                                  out + "/svid.0.key",
                                                  "-CAfile",
                                                  out + "/bundle.0.pem",
                                                  "-Verify",
                                                  "2",
                                                  "-verify_return_error",
                                                  "-naccept",
                                                  "1",
                                                  "-www"};
  testing::ChildProcess s_server(s_server_argv, dir_.File("s_server.log"));
  ASSERT_TRUE(s_server.WaitForOutput("ACCEPT")) << s_server.Output();
  auto client = RunCommand(
      "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | openssl s_client -connect 127.0.0.1:" + port +
      " -cert " + out + "/svid.1.pem -key " + out + "/svid.1.key -CAfile " + out +
      "/bundle.0.pem -verify_return_error -showcerts -ign_eof 2>&1");
  ASSERT_EQ(client.exit_code, 0) << client.output << s_server.Output();
  EXPECT_NE(client.output.find("Verify return code: 0 (ok)"), std::string::npos);
  auto pem_after = [&](size_t from) {
    auto begin = client.output.find("-----BEGIN CERTIFICATE-----", from);
    auto end = client.output.find("-----END CERTIFICATE-----", from);
    if (begin == std::string::npos || end == std::string::npos) return std::string();
    return client.output.substr(begin, end + 25 - begin) + "\n";
  };
  // The client checks the server's SPIFFE ID in the certificate it received...
  WriteTestFile(dir_.File("seen_by_client.pem"), pem_after(0));
  EXPECT_EQ(UriSanOf(dir_.File("seen_by_client.pem")), server_id);
  // ...and the server reports the client's, which it verified against the bundle.
  auto reported = client.output.find("Client certificate");
  ASSERT_NE(reported, std::string::npos) << client.output;
  WriteTestFile(dir_.File("seen_by_server.pem"), pem_after(reported));
  EXPECT_EQ(UriSanOf(dir_.File("seen_by_server.pem")), client_id);
  EXPECT_TRUE(s_server.Wait(std::chrono::seconds(10)).has_value());

  // A client without a certificate is refused by the verifying server.
  testing::ChildProcess strict(s_server_argv, dir_.File("s_server2.log"));
  ASSERT_TRUE(strict.WaitForOutput("ACCEPT"));
  auto anonymous = RunCommand(
      "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | openssl s_client -connect 127.0.0.1:" + port +
      " -CAfile " + out + "/bundle.0.pem -ign_eof 2>&1");
  EXPECT_EQ(anonymous.output.find("Client certificate"), std::string::npos) << anonymous.output;
  ASSERT_TRUE(strict.Wait(std::chrono::seconds(10)).has_value());
  EXPECT_NE(strict.Output().find("peer did not return a certificate"), std::string::npos)
      << strict.Output();
}

// A boolean set in the config file stands when its flag is not given: the flags must not
// silently reset it to false.
TEST(AgentCommandLineTest, ConfigFileBooleansStandWithoutTheirFlags) {
  TempDir dir;
  WriteTestFile(dir.File("bundle.pem"), testing::MakeTestCa("example.org").cert.ToPem());
  WriteTestFile(dir.File("agent.toml"), "[agent]\ntrust_domain = \"example.org\"\ndata_dir = \"" +
                                            dir.File("data") + "\"\ntrust_bundle_path = \"" +
                                            dir.File("bundle.pem") +
                                            "\"\ninsecure_bootstrap = true\n");
  auto r = RunCommand(std::string(EDGEID_AGENT_BINARY) + " validate --config " +
                      dir.File("agent.toml") + " 2>&1");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("cannot be combined with trust_bundle_path"), std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace edgeid
