// Real daemons and their UNIX sockets and data directories: a second agent or server never
// takes over or removes the first one's socket, two daemons never share a data directory, a
// socket path that is not a socket is left alone, /ready notices a socket removed by someone
// else, and a socket under a directory another user owns is refused.
#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <regex>
#include <thread>

#include "common/unique_fd.h"
#include "testing/edgeid_processes.h"
#include "testing/temp_dir.h"
#include "workloadapi/workload_client.h"

namespace edgeid {
namespace {

using testing::ChildProcess;
using testing::EdgeidProcesses;
using testing::ReadTestFile;
using testing::TempDir;
using testing::UidSelector;
using testing::WriteTestFile;

constexpr const char* kTd = "example.org";
constexpr uid_t kNobody = 65534;

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Connects, reads what the server sends first, then reads until the server closes the
// connection: true if it does within `timeout`.
bool ServerClosesIdleConnection(const std::string& path, std::chrono::seconds timeout) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd.get(), POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[256];
    if (::read(fd.get(), buf, sizeof buf) <= 0) return true;
  }
}

class DaemonSocketsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::chmod(dir_.path().c_str(), 0755);
    processes_ = std::make_unique<EdgeidProcesses>(
        testing::EdgeidBinaries{EDGEID_SERVER_BINARY, EDGEID_AGENT_BINARY}, dir_.File("run"), kTd);
    ASSERT_TRUE(processes_->StartServer()) << processes_->error();
  }

  void StartAgent(const std::vector<std::string>& more = {}) {
    auto token = processes_->JoinToken();
    ASSERT_FALSE(token.empty());
    std::vector<std::string> args = {"--join-token", token, "--health-port", "0"};
    args.insert(args.end(), more.begin(), more.end());
    ASSERT_TRUE(processes_->StartAgent(args)) << processes_->error();
    std::smatch m;
    std::string log = processes_->agent()->Output();
    ASSERT_TRUE(
        std::regex_search(log, m, std::regex("metrics listening on http://127.0.0.1:(\\d+)")));
    health_port_ = std::stoi(m[1]);
  }

  // An agent besides the one of processes_, on the same server; runs until it exits.
  std::unique_ptr<ChildProcess> OtherAgent(const std::string& data_dir,
                                           const std::string& socket_path) {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{EDGEID_AGENT_BINARY, "run", "--trust-domain", kTd, "--server-port",
                                 std::to_string(processes_->server_port()), "--trust-bundle",
                                 processes_->server_bundle_file(), "--data-dir", data_dir,
                                 "--socket-path", socket_path, "--join-token",
                                 processes_->JoinToken()},
        dir_.File("other-agent-" + std::to_string(++others_) + ".log"));
  }

  httplib::Result Ready() {
    httplib::Client http("127.0.0.1", health_port_);
    return http.Get("/ready");
  }

  // A Workload API call that needs the first agent: its SVID arrives within a sync or two.
  bool FetchSucceeds() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (processes_->AgentCli("api fetch x509 --timeout 5").exit_code == 0) return true;
    }
    return false;
  }

  TempDir dir_;
  std::unique_ptr<EdgeidProcesses> processes_;
  int health_port_ = 0;
  int others_ = 0;
};

TEST_F(DaemonSocketsTest, ASecondAgentOnTheSameSocketIsRefusedAndTheFirstKeepsServing) {
  StartAgent();
  ASSERT_FALSE(processes_
                   ->CreateEntry(std::string("spiffe://") + kTd + "/workload",
                                 processes_->AgentId(), {UidSelector()})
                   .empty());
  auto second = OtherAgent(dir_.File("second-data"), processes_->agent_socket());
  auto code = second->Wait(std::chrono::seconds(15));
  ASSERT_TRUE(code.has_value()) << "the second agent kept running:\n" << second->Output();
  EXPECT_NE(*code, 0);
  EXPECT_NE(second->Output().find("another process is serving on " + processes_->agent_socket()),
            std::string::npos)
      << second->Output();

  EXPECT_TRUE(FetchSucceeds());
  auto ready = Ready();
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  EXPECT_EQ(processes_->AgentCli("healthcheck").exit_code, 0);
}

TEST_F(DaemonSocketsTest, IdleConnectionsAreClosedButAStreamInProgressIsNot) {
  WriteTestFile(dir_.File("idle.toml"), "[agent]\nworkload_api_idle_timeout = \"1s\"\n");
  StartAgent({"--config", dir_.File("idle.toml")});
  std::string td = std::string("spiffe://") + kTd;
  ASSERT_FALSE(processes_->CreateEntry(td + "/a", processes_->AgentId(), {UidSelector()}).empty());
  ASSERT_TRUE(FetchSucceeds());

  std::promise<void> first_update;
  auto stream = std::async(std::launch::async, [&] {
    workloadapi::WorkloadClient client(processes_->agent_socket());
    bool announced = false;
    return client.WatchX509Context([&](const workloadapi::X509Context& context) {
      if (!announced) first_update.set_value(), announced = true;
      return context.svids.size() < 2;  // until the second entry's SVID arrives
    });
  });
  ASSERT_EQ(first_update.get_future().wait_for(std::chrono::seconds(20)),
            std::future_status::ready);
  // A connection opened after the stream, without calls, is closed after the idle time...
  EXPECT_TRUE(ServerClosesIdleConnection(processes_->agent_socket(), std::chrono::seconds(15)));
  // ...while the stream, open longer than that, still receives the next change.
  ASSERT_FALSE(processes_->CreateEntry(td + "/b", processes_->AgentId(), {UidSelector()}).empty());
  ASSERT_EQ(stream.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  auto ended = stream.get();
  EXPECT_TRUE(ended.ok()) << ended.error().message;
}

TEST_F(DaemonSocketsTest, ASecondAgentOnTheSameDataDirectoryIsRefused) {
  StartAgent();
  std::string first_pid = Trim(ReadTestFile(processes_->agent_data_dir() + "/lock"));
  auto second = OtherAgent(processes_->agent_data_dir(), dir_.File("second/api.sock"));
  auto code = second->Wait(std::chrono::seconds(15));
  ASSERT_TRUE(code.has_value()) << "the second agent kept running:\n" << second->Output();
  EXPECT_NE(*code, 0);
  EXPECT_NE(second->Output().find("is in use by another process (pid " + first_pid + ")"),
            std::string::npos)
      << second->Output();
  EXPECT_FALSE(std::filesystem::exists(dir_.File("second/api.sock")));
  auto ready = Ready();
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
}

TEST_F(DaemonSocketsTest, ASocketPathThatIsARegularFileIsRefusedAndLeftAlone) {
  std::string path = dir_.File("not-a-socket");
  WriteTestFile(path, "precious\n");
  auto agent = OtherAgent(dir_.File("data"), path);
  auto code = agent->Wait(std::chrono::seconds(15));
  ASSERT_TRUE(code.has_value()) << agent->Output();
  EXPECT_NE(*code, 0);
  EXPECT_NE(agent->Output().find(path + " exists and is not a socket"), std::string::npos)
      << agent->Output();
  ASSERT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(ReadTestFile(path), "precious\n");
}

TEST_F(DaemonSocketsTest, TheAgentIsNotReadyOnceSomeoneRemovesItsSocket) {
  StartAgent();
  auto ready = Ready();
  ASSERT_TRUE(ready);
  ASSERT_EQ(ready->status, 200) << ready->body;
  ASSERT_EQ(::unlink(processes_->agent_socket().c_str()), 0);
  ready = Ready();
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_NE(ready->body.find("removed or replaced"), std::string::npos) << ready->body;
}

TEST_F(DaemonSocketsTest, TheAgentRefusesASocketUnderADirectoryAnotherUserOwns) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another user";
  std::string theirs = dir_.File("theirs");
  std::filesystem::create_directories(theirs + "/agent/public");
  ASSERT_EQ(::chown(theirs.c_str(), kNobody, kNobody), 0);
  auto agent = OtherAgent(dir_.File("data"), theirs + "/agent/public/api.sock");
  auto code = agent->Wait(std::chrono::seconds(15));
  ASSERT_TRUE(code.has_value()) << "the agent kept running:\n" << agent->Output();
  EXPECT_NE(*code, 0);
  EXPECT_NE(agent->Output().find(theirs + " belongs to uid 65534"), std::string::npos)
      << agent->Output();
  EXPECT_FALSE(std::filesystem::exists(theirs + "/agent/public/api.sock"));
}

TEST_F(DaemonSocketsTest, ASecondServerOnTheSameDataDirectoryIsRefused) {
  std::string data_dir = dir_.File("run/server/data");
  std::string first_pid = Trim(ReadTestFile(data_dir + "/lock"));
  ChildProcess second({EDGEID_SERVER_BINARY, "run", "--trust-domain", kTd, "--data-dir", data_dir,
                       "--admin-socket", dir_.File("second/admin.sock"), "--bind-port", "0"},
                      dir_.File("second-server.log"));
  auto code = second.Wait(std::chrono::seconds(15));
  ASSERT_TRUE(code.has_value()) << "the second server kept running:\n" << second.Output();
  EXPECT_NE(*code, 0);
  EXPECT_NE(second.Output().find("is in use by another process (pid " + first_pid + ")"),
            std::string::npos)
      << second.Output();
  EXPECT_EQ(processes_->ServerCli("bundle show").exit_code, 0);
}

TEST_F(DaemonSocketsTest, ASecondServerOnTheSameAdminSocketIsRefusedAndTheFirstKeepsServing) {
  ChildProcess second(
      {EDGEID_SERVER_BINARY, "run", "--trust-domain", kTd, "--data-dir", dir_.File("second-data"),
       "--admin-socket", processes_->admin_socket(), "--bind-port", "0"},
      dir_.File("second-server.log"));
  auto code = second.Wait(std::chrono::seconds(15));
  ASSERT_TRUE(code.has_value()) << "the second server kept running:\n" << second.Output();
  EXPECT_NE(*code, 0);
  EXPECT_NE(second.Output().find("another process is serving on " + processes_->admin_socket()),
            std::string::npos)
      << second.Output();
  EXPECT_EQ(processes_->ServerCli("bundle show").exit_code, 0);
}

}  // namespace
}  // namespace edgeid
