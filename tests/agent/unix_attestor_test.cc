#include "agent/workloadattestor/unix/unix_attestor.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/unique_fd.h"
#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "unixrpc/peer_tracker.h"

namespace edgeid::agent {
namespace {

bool Has(const std::vector<std::string>& selectors, const std::string& s) {
  return std::find(selectors.begin(), selectors.end(), s) != selectors.end();
}

PeerCredentials Self() {
  int fds[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  UniqueFd a(fds[0]), b(fds[1]);
  auto peer = ReadPeerCredentials(a.get());
  EXPECT_TRUE(peer.ok());
  return *peer;
}

TEST(PeerCredentialsTest, KernelNamesTheProcessAtTheOtherEnd) {
  auto peer = Self();
  EXPECT_EQ(peer.pid, ::getpid());
  EXPECT_EQ(peer.uid, ::getuid());
  EXPECT_EQ(peer.gid, ::getgid());
  EXPECT_GT(peer.start_time, 0u);
  EXPECT_TRUE(CheckSameProcess(peer).ok());
}

TEST(PeerCredentialsTest, ReusedOrExitedPidIsRefused) {
  auto peer = Self();
  auto reused = peer;
  reused.start_time += 1;  // the same PID, started at another time: another process
  auto status = CheckSameProcess(reused);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kPermissionDenied);

  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  auto start = ProcessStartTime(child);
  ASSERT_TRUE(start.ok());
  ::waitpid(child, nullptr, 0);
  auto gone = CheckSameProcess({child, 0, 0, *start, {}});
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.error().message.find("exited"), std::string::npos);
}

// A process that connects and then runs another program (connect-fork-exec: its child keeps the
// connection) is not the caller that connected, even though its PID and start time stay.
class ExecAfterConnectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/edgeid-exec-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::string path = dir_ + "/s.sock";
    listener_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    ASSERT_EQ(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(listener_.get(), 1), 0);
    int go[2], exec_done[2];
    ASSERT_EQ(::pipe2(go, O_CLOEXEC), 0);
    ASSERT_EQ(::pipe2(exec_done, O_CLOEXEC), 0);
    child_ = ::fork();
    ASSERT_GE(child_, 0);
    if (child_ == 0) {
      ::close(go[1]);
      ::close(exec_done[0]);
      int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);  // inherited across exec, as in the attack
      if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) ::_exit(2);
      char byte = 0;
      if (::read(go[0], &byte, 1) != 1) ::_exit(3);
      ::execl("/bin/sleep", "sleep", "60", nullptr);
      ::_exit(4);
    }
    ::close(go[0]);
    ::close(exec_done[1]);
    go_ = UniqueFd(go[1]);
    exec_done_ = UniqueFd(exec_done[0]);
    connection_ = UniqueFd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    ASSERT_TRUE(connection_.valid());
  }
  void TearDown() override {
    if (child_ > 0) {
      ::kill(child_, SIGKILL);
      ::waitpid(child_, nullptr, 0);
    }
    std::filesystem::remove_all(dir_);
  }
  // Lets the child exec /bin/sleep and returns once it has: the close-on-exec pipe's end closes.
  void ChildExecs() {
    ASSERT_EQ(::write(go_.get(), "x", 1), 1);
    char byte = 0;
    ASSERT_EQ(::read(exec_done_.get(), &byte, 1), 0);
    char exe[4096];
    ssize_t n = ::readlink(("/proc/" + std::to_string(child_) + "/exe").c_str(), exe, sizeof exe);
    ASSERT_GT(n, 0);
    ASSERT_NE(std::string(exe, static_cast<size_t>(n)).find("sleep"), std::string::npos);
  }

  std::string dir_;
  UniqueFd listener_, connection_, go_, exec_done_;
  pid_t child_ = -1;
};

TEST_F(ExecAfterConnectTest, ACallerThatRanAnotherProgramIsRefused) {
  auto peer = ReadPeerCredentials(connection_.get());
  ASSERT_TRUE(peer.ok()) << peer.error().message;
  ASSERT_EQ(peer->pid, child_);
  EXPECT_TRUE(peer->executable.readable);
  EXPECT_TRUE(CheckSameProcess(*peer).ok()) << "before exec it is the caller that connected";
  UnixAttestor with_path({true, 0, "/proc"});
  ASSERT_TRUE(with_path.Attest(*peer).ok());

  ChildExecs();
  auto status = CheckSameProcess(*peer);
  ASSERT_FALSE(status.ok()) << "the PID and start time are unchanged by exec";
  EXPECT_EQ(status.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(status.error().message.find("another program"), std::string::npos)
      << status.error().message;
  // Neither uid selectors nor the new binary's path and digest are handed out.
  EXPECT_FALSE(UnixAttestor({}).Attest(*peer).ok());
  auto selectors = with_path.Attest(*peer);
  ASSERT_FALSE(selectors.ok()) << "selectors of /bin/sleep given to its forker's child";
  EXPECT_EQ(selectors.error().code, ErrorCode::kPermissionDenied);

  // A connection accepted after the exec is the new program's own.
  auto later = *peer;
  later.executable = ReadExecutableId(child_);
  EXPECT_TRUE(CheckSameProcess(later).ok());
}

TEST(PeerTrackerTest, LooksUpCallsByTheirFdPeerName) {
  PeerTracker tracker;
  tracker.Record(7, {42, 1000, 1000, 99, {}});
  auto found = tracker.Lookup("fd:7");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->pid, 42);
  EXPECT_FALSE(tracker.Lookup("fd:8").ok());
  EXPECT_FALSE(tracker.Lookup("ipv4:127.0.0.1:5000").ok());
  EXPECT_FALSE(tracker.Lookup("fd:7x").ok());
  EXPECT_FALSE(tracker.Lookup("fd:").ok());
  tracker.Record(7, {43, 0, 0, 1, {}});  // the number reused by a later connection
  EXPECT_EQ(tracker.Lookup("fd:7")->pid, 43);
}

TEST(UnixAttestorTest, SelectorsOfTheCallingProcess) {
  UnixAttestor attestor({});
  auto selectors = attestor.Attest(Self());
  ASSERT_TRUE(selectors.ok()) << selectors.error().message;
  EXPECT_TRUE(Has(*selectors, "unix:uid:" + std::to_string(::geteuid())));
  EXPECT_TRUE(Has(*selectors, "unix:gid:" + std::to_string(::getegid())));
  if (::geteuid() == 0) {
    EXPECT_TRUE(Has(*selectors, "unix:user:root"));
    EXPECT_TRUE(Has(*selectors, "unix:group:root"));
  }
  EXPECT_TRUE(std::is_sorted(selectors->begin(), selectors->end()));
  // Without discover_workload_path no path or digest is read.
  EXPECT_FALSE(std::any_of(selectors->begin(), selectors->end(),
                           [](const auto& s) { return s.rfind("unix:path:", 0) == 0; }));
}

TEST(UnixAttestorTest, PathAndDigestOfTheBinary) {
  UnixAttestor attestor({true, 0, "/proc"});
  auto selectors = attestor.Attest(Self());
  ASSERT_TRUE(selectors.ok()) << selectors.error().message;
  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  ASSERT_GT(n, 0);
  std::string path(exe, static_cast<size_t>(n));
  EXPECT_TRUE(Has(*selectors, "unix:path:" + path));
  auto binary = ReadFile(path, 1u << 30);
  ASSERT_TRUE(binary.ok());
  EXPECT_TRUE(Has(*selectors, "unix:sha256:" + crypto::HexEncode(crypto::Sha256(*binary))));
  // Hashed once: a second attestation gives the same answer from the cache.
  auto again = attestor.Attest(Self());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *selectors);
}

TEST(UnixAttestorTest, BinaryOverTheSizeLimitIsRefused) {
  UnixAttestor attestor({true, 1024, "/proc"});
  auto selectors = attestor.Attest(Self());
  ASSERT_FALSE(selectors.ok());
  EXPECT_EQ(selectors.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(selectors.error().message.find("workload_size_limit"), std::string::npos);
}

TEST(UnixAttestorTest, SupplementaryGroupsAndMalformedStatus) {
  // Checked first, so that a skipped run leaves no directory behind.
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the fake process another owner";
  // A fake /proc: the attestor reads only status, stat and exe under it.
  char tmpl[] = "/tmp/edgeid-proc-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string root = tmpl;
  std::string proc = root + "/4242";
  ASSERT_EQ(::mkdir(proc.c_str(), 0755), 0);
  // /proc/<pid> belongs to the process's effective user and group.
  ASSERT_EQ(::chown(proc.c_str(), 1001, 51), 0);
  std::string stat = "4242 (odd) name) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 777 0 0";
  ASSERT_TRUE(WriteFileAtomic(proc + "/stat", stat, 0644).ok());
  ASSERT_TRUE(WriteFileAtomic(proc + "/status",
                              "Name:\tx\nUid:\t1000\t1001\t1001\t1001\nGid:\t50\t51\t51\t51\n"
                              "Groups:\t4 27 0\n",
                              0644)
                  .ok());
  ASSERT_EQ(*ProcessStartTime(4242, root), 777u);
  UnixAttestor attestor({false, 0, root});
  auto selectors = attestor.Attest({4242, 1001, 51, 777, {}});
  ASSERT_TRUE(selectors.ok()) << selectors.error().message;
  // Effective IDs, as SPIRE's unix attestor uses.
  EXPECT_TRUE(Has(*selectors, "unix:uid:1001"));
  EXPECT_TRUE(Has(*selectors, "unix:gid:51"));
  EXPECT_FALSE(Has(*selectors, "unix:uid:1000"));
  EXPECT_TRUE(Has(*selectors, "unix:supplementary_gid:4"));
  EXPECT_TRUE(Has(*selectors, "unix:supplementary_gid:27"));
  EXPECT_TRUE(Has(*selectors, "unix:supplementary_gid:0"));
  EXPECT_TRUE(Has(*selectors, "unix:supplementary_group:root"));
  // Started at another time than recorded: a reused PID, refused.
  EXPECT_FALSE(attestor.Attest({4242, 1001, 51, 778, {}}).ok());
  // Connected as uid 1000, now runs as 1001 (a setuid program run after connecting): refused.
  auto escalated = attestor.Attest({4242, 1000, 51, 777, {}});
  ASSERT_FALSE(escalated.ok());
  EXPECT_NE(escalated.error().message.find("changed its user or group"), std::string::npos);
  ASSERT_TRUE(WriteFileAtomic(proc + "/status", "Name:\tx\nUid:\tnope\n", 0644).ok());
  EXPECT_FALSE(attestor.Attest({4242, 1001, 51, 777, {}}).ok());
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace edgeid::agent
