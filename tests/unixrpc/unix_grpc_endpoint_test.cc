// UnixGrpcEndpoint and its socket file: a live socket or a non-socket never taken over or
// removed; a socket's directories checked from "/".
#include "unixrpc/unix_grpc_endpoint.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
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
// connection it was handed (served); a refused connection is closed (EOF).
Outcome FirstAnswer(int fd, int timeout_ms = 10000) {
  if (fd < 0) return Outcome::kNoConnection;
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return Outcome::kNoAnswer;
  char buf[256];
  ssize_t n = ::read(fd, buf, sizeof buf);
  return n > 0 ? Outcome::kServed : Outcome::kClosed;
}

class UnixGrpcEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Reachable by the other user of the root-only tests.
    ::chmod(dir_.path().c_str(), 0755);
  }
  Result<std::unique_ptr<UnixGrpcEndpoint>> Start(const std::string& path) {
    UnixGrpcEndpointOptions options;
    options.socket_path = path;
    options.name = "test API";
    return UnixGrpcEndpoint::Start(options, {&service_}, peers_, log_);
  }
  std::string Socket() const { return dir_.File("run/api.sock"); }

  TempDir dir_;
  grpc::health::v1::Health::Service service_;  // any service: gRPC needs one to start
  PeerTracker peers_;
  std::shared_ptr<spdlog::logger> log_ = std::make_shared<spdlog::logger>("test");
};

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
