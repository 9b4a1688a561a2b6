// UnixGrpcEndpoint and its socket file: connections capped per uid and overall, released when
// they close, closed when idle; a live socket or a non-socket never taken over or removed; a
// socket's directories checked from "/".
#include "unixrpc/unix_grpc_endpoint.h"

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>

#include "grpc/health/v1/health.grpc.pb.h"
#include "testing/temp_dir.h"

namespace edgeid {
namespace {

using testing::ReadTestFile;
using testing::TempDir;
using testing::WriteTestFile;

constexpr uid_t kOtherUser = 65534;

UniqueFd ConnectTo(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return {};
  return fd;
}

enum class Outcome { kServed, kClosed, kNoAnswer, kNoConnection };

// What the server does first on a new connection: gRPC sends its HTTP/2 SETTINGS at once on a
// connection it was handed (served); a refused connection is closed (EOF). Async-signal-safe,
// for the forked child below.
Outcome FirstAnswer(int fd, int timeout_ms = 10000) {
  if (fd < 0) return Outcome::kNoConnection;
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return Outcome::kNoAnswer;
  char buf[256];
  ssize_t n = ::read(fd, buf, sizeof buf);
  return n > 0 ? Outcome::kServed : Outcome::kClosed;
}

// Reads until the server closes the connection; false if it is still open after `timeout`.
bool WaitForEof(int fd, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[256];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return true;
  }
}

class UnixGrpcEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Reachable by the other user of the root-only tests.
    ::chmod(dir_.path().c_str(), 0755);
  }
  Result<std::unique_ptr<UnixGrpcEndpoint>> Start(const std::string& path,
                                                  UnixConnectionLimits limits = {}) {
    UnixGrpcEndpointOptions options;
    options.socket_path = path;
    options.name = "test API";
    options.limits = limits;
    options.metrics = &metrics_;
    return UnixGrpcEndpoint::Start(options, {&service_}, peers_, log_);
  }
  std::string Socket() const { return dir_.File("run/api.sock"); }

  TempDir dir_;
  grpc::health::v1::Health::Service service_;  // any service: gRPC needs one to start
  Metrics metrics_;
  PeerTracker peers_;
  std::shared_ptr<spdlog::logger> log_ = std::make_shared<spdlog::logger>("test");
};

// ---- finding 8: connection caps and idle connections ----

TEST_F(UnixGrpcEndpointTest, RefusesConnectionsOverTheUidCapAndTakesThemBackWhenClosed) {
  auto endpoint = Start(Socket(), {2, 16, std::chrono::milliseconds(0)});
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  UniqueFd first = ConnectTo(Socket());
  UniqueFd second = ConnectTo(Socket());
  EXPECT_EQ(FirstAnswer(first.get()), Outcome::kServed);
  EXPECT_EQ(FirstAnswer(second.get()), Outcome::kServed);
  UniqueFd third = ConnectTo(Socket());
  EXPECT_EQ(FirstAnswer(third.get()), Outcome::kClosed);
  EXPECT_EQ(metrics_.CounterValue("edgeid_unix_socket_refused_connections_total",
                                  {{"socket", "test API"}, {"reason", "uid_limit"}}),
            1u);
  // The tracker holds only the open connections.
  EXPECT_LE(peers_.size(), 2u);

  // A connection closed by its client gives its place back.
  first.reset();
  UniqueFd fourth = ConnectTo(Socket());
  EXPECT_EQ(FirstAnswer(fourth.get()), Outcome::kServed);
  EXPECT_EQ((*endpoint)->open_connections(), 2u);
  EXPECT_EQ(peers_.size(), 2u);
}

TEST_F(UnixGrpcEndpointTest, RefusesConnectionsOverTheOverallCap) {
  auto endpoint = Start(Socket(), {8, 2, std::chrono::milliseconds(0)});
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  UniqueFd first = ConnectTo(Socket());
  UniqueFd second = ConnectTo(Socket());
  EXPECT_EQ(FirstAnswer(first.get()), Outcome::kServed);
  EXPECT_EQ(FirstAnswer(second.get()), Outcome::kServed);
  UniqueFd third = ConnectTo(Socket());
  EXPECT_EQ(FirstAnswer(third.get()), Outcome::kClosed);
  EXPECT_EQ(metrics_.CounterValue("edgeid_unix_socket_refused_connections_total",
                                  {{"socket", "test API"}, {"reason", "total_limit"}}),
            1u);
}

TEST_F(UnixGrpcEndpointTest, AnotherUidIsServedWhileOneIsAtItsCap) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to connect as a second user";
  auto endpoint = Start(Socket(), {2, 16, std::chrono::milliseconds(0)});
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  UniqueFd first = ConnectTo(Socket());
  UniqueFd second = ConnectTo(Socket());
  ASSERT_EQ(FirstAnswer(first.get()), Outcome::kServed);
  ASSERT_EQ(FirstAnswer(second.get()), Outcome::kServed);
  ASSERT_EQ(FirstAnswer(ConnectTo(Socket()).get()), Outcome::kClosed);

  int result[2];
  ASSERT_EQ(::pipe2(result, O_CLOEXEC), 0);
  std::string path = Socket();
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Only async-signal-safe calls: the parent has threads.
    char outcome = 'x';
    if (::setgroups(0, nullptr) == 0 && ::setresgid(kOtherUser, kOtherUser, kOtherUser) == 0 &&
        ::setresuid(kOtherUser, kOtherUser, kOtherUser) == 0) {
      int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      std::memcpy(addr.sun_path, path.c_str(), path.size());
      if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        outcome = static_cast<char>('0' + static_cast<int>(FirstAnswer(fd)));
      }
    }
    (void)!::write(result[1], &outcome, 1);
    ::_exit(0);
  }
  ::close(result[1]);
  char outcome = 0;
  ASSERT_EQ(::read(result[0], &outcome, 1), 1);
  ::close(result[0]);
  ::waitpid(child, nullptr, 0);
  EXPECT_EQ(outcome, '0' + static_cast<int>(Outcome::kServed));
}

TEST_F(UnixGrpcEndpointTest, ClosesAConnectionWithoutCalls) {
  auto endpoint = Start(Socket(), {4, 16, std::chrono::milliseconds(300)});
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  UniqueFd idle = ConnectTo(Socket());
  ASSERT_EQ(FirstAnswer(idle.get()), Outcome::kServed);
  EXPECT_TRUE(WaitForEof(idle.get(), std::chrono::seconds(10)));
  // Its place is given back.
  UniqueFd next = ConnectTo(Socket());
  EXPECT_EQ(FirstAnswer(next.get()), Outcome::kServed);
  EXPECT_EQ((*endpoint)->open_connections(), 1u);
}

// ---- finding 11: the socket file ----

TEST_F(UnixGrpcEndpointTest, ASecondEndpointOnALiveSocketIsRefusedAndTheFirstKeepsServing) {
  auto first = Start(Socket());
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = Start(Socket());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("another process is serving on " + Socket()),
            std::string::npos)
      << second.error().message;
  EXPECT_TRUE((*first)->CheckServing().ok());
  EXPECT_EQ(FirstAnswer(ConnectTo(Socket()).get()), Outcome::kServed);
}

TEST_F(UnixGrpcEndpointTest, ARegularFileAtTheSocketPathIsRefusedAndLeftAlone) {
  std::filesystem::create_directories(dir_.File("run"));
  WriteTestFile(Socket(), "not a socket\n");
  auto endpoint = Start(Socket());
  ASSERT_FALSE(endpoint.ok());
  EXPECT_NE(endpoint.error().message.find("is not a socket; not replacing it"), std::string::npos);
  ASSERT_TRUE(std::filesystem::exists(Socket()));
  EXPECT_EQ(ReadTestFile(Socket()), "not a socket\n");
}

TEST_F(UnixGrpcEndpointTest, AStaleSocketIsReplaced) {
  std::filesystem::create_directories(dir_.File("run"));
  {
    UniqueFd stale(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, Socket().c_str(), sizeof(addr.sun_path) - 1);
    ASSERT_EQ(::bind(stale.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  }  // closed without listening: nobody accepts on it
  auto endpoint = Start(Socket());
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  EXPECT_EQ(FirstAnswer(ConnectTo(Socket()).get()), Outcome::kServed);
}

TEST_F(UnixGrpcEndpointTest, IsNotServingOnceItsSocketIsRemovedAndLeavesAReplacementAlone) {
  auto endpoint = Start(Socket());
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  ASSERT_TRUE((*endpoint)->CheckServing().ok());
  ASSERT_EQ(::unlink(Socket().c_str()), 0);
  auto serving = (*endpoint)->CheckServing();
  ASSERT_FALSE(serving.ok());
  EXPECT_NE(serving.error().message.find("removed or replaced"), std::string::npos);
  WriteTestFile(Socket(), "someone else's\n");
  endpoint->reset();
  EXPECT_EQ(ReadTestFile(Socket()), "someone else's\n");
}

TEST_F(UnixGrpcEndpointTest, RemovesItsOwnSocketAtExit) {
  auto endpoint = Start(Socket());
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  endpoint->reset();
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(Socket())));
}

TEST_F(UnixGrpcEndpointTest, SocketAndDirectoryHaveTheirModesWhateverTheUmask) {
  UnixGrpcEndpointOptions options;
  options.socket_path = dir_.File("private/api.sock");
  options.name = "admin API";
  options.socket_mode = 0770;
  options.directory_mode = 0750;
  mode_t old = ::umask(0);
  auto endpoint = UnixGrpcEndpoint::Start(options, {&service_}, peers_, log_);
  ::umask(old);
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  struct stat st {};
  ASSERT_EQ(::lstat(options.socket_path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0770u);
  ASSERT_EQ(::stat(dir_.File("private").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  // Nothing left of the private directory the socket was bound in.
  for (const auto& entry : std::filesystem::directory_iterator(dir_.File("private"))) {
    EXPECT_EQ(entry.path().filename(), "api.sock");
  }
}

// ---- finding 2: the socket's directories ----

TEST_F(UnixGrpcEndpointTest, RefusesASocketUnderAGroupWritableAncestor) {
  std::filesystem::create_directories(dir_.File("shared/run"));
  ::chmod(dir_.File("shared").c_str(), 0775);
  ::chmod(dir_.File("shared/run").c_str(), 0755);
  auto endpoint = Start(dir_.File("shared/run/api.sock"));
  ASSERT_FALSE(endpoint.ok());
  EXPECT_NE(endpoint.error().message.find(dir_.File("shared") + " (mode 0775)"), std::string::npos)
      << endpoint.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("shared/run/api.sock")));
}

}  // namespace
}  // namespace edgeid
