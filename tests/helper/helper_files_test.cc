// The pieces of edgeid-helper that need no agent: argument splitting, modes, signal names, file
// contents, JWT timing, PID files and the managed workload.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "helper/command_args.h"
#include "helper/file_mode.h"
#include "helper/jwt_files.h"
#include "helper/managed_process.h"
#include "helper/pid_file.h"
#include "helper/signal_name.h"
#include "helper/svid_file_writer.h"
#include "helper/x509_files.h"
#include "spiffe/jwt_svid.h"
#include "testing/file_watch.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::helper {
namespace {

using testing::ReadTestFile;
using testing::TempDir;
using testing::Unwrap;
using testing::WaitForFileContent;
using testing::WriteTestFile;
using Clock = std::chrono::system_clock;
using std::chrono::seconds;

TEST(HelperCommandArgsTest, SplitsOnBlanksWithQuotes) {
  EXPECT_EQ(Unwrap(SplitCommandArgs("")), std::vector<std::string>{});
  EXPECT_EQ(Unwrap(SplitCommandArgs("  a\tb  c ")), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Unwrap(SplitCommandArgs(R"(-c "echo hi" x)")),
            (std::vector<std::string>{"-c", "echo hi", "x"}));
  EXPECT_EQ(Unwrap(SplitCommandArgs(R"(a"b c"d '' "say \"hi\"" 'it''s' x\ y)")),
            (std::vector<std::string>{"ab cd", "", "say \"hi\"", "its", "x y"}));
  EXPECT_FALSE(SplitCommandArgs(R"(a "b)").ok());
  EXPECT_FALSE(SplitCommandArgs("a 'b").ok());
  EXPECT_FALSE(SplitCommandArgs("a\\").ok());
}

TEST(HelperFileModeTest, OctalTextAndIntegers) {
  EXPECT_EQ(Unwrap(ParseFileMode("0644")), 0644u);
  EXPECT_EQ(Unwrap(ParseFileMode("600")), 0600u);
  EXPECT_EQ(Unwrap(ParseFileMode("0o440")), 0440u);
  EXPECT_FALSE(ParseFileMode("").ok());
  EXPECT_FALSE(ParseFileMode("0o").ok());
  EXPECT_FALSE(ParseFileMode("0648").ok());
  EXPECT_FALSE(ParseFileMode("4755").ok());  // set-uid is refused
  EXPECT_FALSE(ParseFileMode("00644").ok());
  EXPECT_EQ(Unwrap(FileModeFromInteger(0644)), 0644u);
  EXPECT_FALSE(FileModeFromInteger(644).ok());
  EXPECT_FALSE(FileModeFromInteger(-1).ok());
  EXPECT_EQ(FormatFileMode(0600), "0600");
}

TEST(HelperSignalNameTest, LinuxNames) {
  EXPECT_EQ(Unwrap(SignalByName("SIGUSR1")), SIGUSR1);
  EXPECT_EQ(Unwrap(SignalByName("HUP")), SIGHUP);
  EXPECT_FALSE(SignalByName("SIGRTMIN+1").ok());
  EXPECT_FALSE(SignalByName("sigusr1").ok());
  EXPECT_FALSE(SignalByName("").ok());
  EXPECT_EQ(SignalName(SIGTERM), "SIGTERM");
  EXPECT_EQ(SignalName(99), "signal 99");
}

// A context as the Workload API returns it: an SVID under an intermediate, its bundle and a
// federated one.
class HelperX509FilesTest : public ::testing::Test {
 protected:
  HelperX509FilesTest() {
    auto leaf = testing::SignLeaf(testing::LeafTemplate("spiffe://example.org/web"), mid_, &key_);
    auto other_leaf = testing::SignLeaf(testing::LeafTemplate("spiffe://example.org/db"), root_);
    auto td = Unwrap(spiffe::TrustDomain::Parse("example.org"));
    context_.svids.push_back(
        spiffe::X509Svid{Unwrap(spiffe::SpiffeId::Parse("spiffe://example.org/web")),
                         {leaf, mid_.cert},
                         key_,
                         "external"});
    context_.svids.push_back(
        spiffe::X509Svid{Unwrap(spiffe::SpiffeId::Parse("spiffe://example.org/db")),
                         {other_leaf},
                         key_,
                         "internal"});
    context_.bundles.emplace("example.org", spiffe::X509Bundle(td, {root_.cert}));
    auto partner = Unwrap(spiffe::TrustDomain::Parse("partner.org"));
    context_.bundles.emplace("partner.org", spiffe::X509Bundle(partner, {partner_.cert}));
    config_.cert_dir = dir_.path();
    config_.svid_file_name = "svid.pem";
    config_.svid_key_file_name = "svid_key.pem";
    config_.svid_bundle_file_name = "bundle.pem";
  }

  TempDir dir_;
  testing::TestCa root_ = testing::MakeTestCa("example.org");
  testing::TestCa mid_ = testing::MakeIntermediateCa(root_, "example.org");
  testing::TestCa partner_ = testing::MakeTestCa("partner.org");
  crypto::PrivateKey key_ = testing::NewP256Key();
  workloadapi::X509Context context_;
  HelperConfig config_;
};

TEST_F(HelperX509FilesTest, HintSelectsTheSvid) {
  EXPECT_EQ(Unwrap(SelectX509Svid(context_, ""))->id.str(), "spiffe://example.org/web");
  EXPECT_EQ(Unwrap(SelectX509Svid(context_, "internal"))->id.str(), "spiffe://example.org/db");
  auto missing = SelectX509Svid(context_, "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("nope"), std::string::npos);
  EXPECT_FALSE(SelectX509Svid(workloadapi::X509Context{}, "").ok());
}

TEST_F(HelperX509FilesTest, IntermediatesFollowTheLeafByDefault) {
  const auto& svid = context_.svids[0];
  auto files = Unwrap(RenderX509Files(context_, svid, config_));
  EXPECT_EQ(files.svid_pem, crypto::CertificatesToPem(svid.chain));
  EXPECT_EQ(files.bundle_pem, root_.cert.ToPem());
  EXPECT_NE(files.key_pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  auto back = Unwrap(spiffe::X509Svid::FromPem(files.svid_pem, files.key_pem));
  EXPECT_EQ(back.id.str(), "spiffe://example.org/web");
}

TEST_F(HelperX509FilesTest, IntermediatesToBundleAndFederatedDomains) {
  config_.add_intermediates_to_bundle = true;
  config_.include_federated_domains = true;
  const auto& svid = context_.svids[0];
  auto files = Unwrap(RenderX509Files(context_, svid, config_));
  EXPECT_EQ(files.svid_pem, svid.leaf().ToPem());
  EXPECT_EQ(files.bundle_pem, root_.cert.ToPem() + mid_.cert.ToPem() + partner_.cert.ToPem());
}

TEST_F(HelperX509FilesTest, WriterWritesWithTheConfiguredModes) {
  config_.cert_file_mode = 0640;
  config_.key_file_mode = 0400;
  SvidFileWriter writer(config_);
  EXPECT_EQ(Unwrap(writer.WriteX509(context_)), "spiffe://example.org/web");
  EXPECT_EQ(writer.trust_domain(), "example.org");
  struct stat st {};
  ASSERT_EQ(::stat(dir_.File("svid_key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0400u);
  ASSERT_EQ(::stat(dir_.File("svid.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  ASSERT_EQ(::stat(dir_.File("bundle.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(ReadTestFile(dir_.File("bundle.pem")), root_.cert.ToPem());
}

std::string Jwt(const std::string& id, Clock::time_point expiry) {
  auto key = testing::NewP256Key();
  spiffe::JwtSvidParams params{
      Unwrap(spiffe::SpiffeId::Parse(id)), {"db"}, Clock::now(), expiry, "kid"};
  return Unwrap(spiffe::MintJwtSvid(params, key, spiffe::JwsAlgorithm::kES256));
}

TEST(HelperJwtFilesTest, ExpiryAndRefreshAtHalfLife) {
  auto now = Clock::now();
  auto exp = std::chrono::time_point_cast<seconds>(now + seconds(600));
  EXPECT_EQ(Unwrap(JwtExpiry(Jwt("spiffe://example.org/web", exp))), exp);
  EXPECT_FALSE(JwtExpiry("not.a.jwt").ok());
  EXPECT_EQ(JwtRefreshTime(now + seconds(600), now), now + seconds(301));
  // Nearly or already expired: again in a second, never in a tight loop.
  EXPECT_EQ(JwtRefreshTime(now + std::chrono::milliseconds(500), now), now + seconds(1));
  EXPECT_EQ(JwtRefreshTime(now - seconds(5), now), now + seconds(1));
}

TEST(HelperJwtFilesTest, HintAndBundleSelection) {
  std::vector<workloadapi::JwtSvidResult> svids = {{"spiffe://example.org/a", "t1", "one"},
                                                   {"spiffe://example.org/b", "t2", "two"}};
  EXPECT_EQ(Unwrap(SelectJwtSvid(svids, "")).token, "t1");
  EXPECT_EQ(Unwrap(SelectJwtSvid(svids, "two")).token, "t2");
  EXPECT_FALSE(SelectJwtSvid(svids, "three").ok());
  EXPECT_FALSE(SelectJwtSvid({}, "").ok());
  std::map<std::string, std::string> bundles = {{"example.org", R"({"keys":[]})"}};
  EXPECT_EQ(Unwrap(JwtBundleOf(bundles, "example.org")), R"({"keys":[]})");
  EXPECT_FALSE(JwtBundleOf(bundles, "partner.org").ok());
}

TEST(HelperJwtFilesTest, WriterTakesTheTrustDomainFromTheToken) {
  TempDir dir;
  HelperConfig config;
  config.cert_dir = dir.path();
  config.jwt_svids = {{"db", {"cache"}, "db.token"}};
  config.jwt_bundle_file_name = "bundle.json";
  SvidFileWriter writer(config);
  EXPECT_EQ(writer.AudienceOf(0), (std::vector<std::string>{"db", "cache"}));
  EXPECT_FALSE(writer.WriteJwtBundle({{"example.org", "{}"}}).ok());  // no trust domain yet
  auto exp = std::chrono::time_point_cast<seconds>(Clock::now() + seconds(300));
  auto token = Jwt("spiffe://example.org/web", exp);
  EXPECT_EQ(Unwrap(writer.WriteJwtSvid(0, {{"spiffe://example.org/web", token, ""}})), exp);
  EXPECT_EQ(ReadTestFile(dir.File("db.token")), token);
  struct stat st {};
  ASSERT_EQ(::stat(dir.File("db.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(
      writer.WriteJwtBundle({{"example.org", R"({"keys":[]})"}, {"partner.org", "{}"}}).ok());
  EXPECT_EQ(ReadTestFile(dir.File("bundle.json")), R"({"keys":[]})");
}

TEST(HelperPidFileTest, SignalsTheNamedProcessOrSaysWhy) {
  TempDir dir;
  EXPECT_EQ(SignalPidFile(dir.File("missing.pid"), SIGUSR1).error().code, ErrorCode::kNotFound);
  WriteTestFile(dir.File("bad.pid"), "12ab\n");
  EXPECT_NE(SignalPidFile(dir.File("bad.pid"), SIGUSR1).error().message.find("process ID"),
            std::string::npos);
  WriteTestFile(dir.File("zero.pid"), "0");
  EXPECT_FALSE(SignalPidFile(dir.File("zero.pid"), SIGUSR1).ok());
  // Signal 0 checks the process exists without disturbing it.
  WriteTestFile(dir.File("self.pid"), " " + std::to_string(::getpid()) + "\n");
  EXPECT_TRUE(SignalPidFile(dir.File("self.pid"), 0).ok());
}

TEST(HelperManagedProcessTest, StartsSignalsRestartsAndStops) {
  TempDir dir;
  std::string log = dir.File("signals");
  std::string ready = dir.File("ready");
  // Records each SIGUSR1 and exits on SIGTERM; says when its traps are set.
  ManagedProcess process(
      "sh", {"-c", "trap 'echo usr1 >> " + log + "' USR1; trap 'exit 7' TERM; echo set > " + ready +
                       "; while :; do sleep 0.05 & wait $!; done"});
  EXPECT_FALSE(process.Running());
  EXPECT_FALSE(process.Signal(SIGUSR1).ok());
  ASSERT_TRUE(process.Start().ok());
  EXPECT_TRUE(process.Running());
  EXPECT_FALSE(process.Start().ok());  // one at a time
  ASSERT_TRUE(WaitForFileContent(ready, "set\n"));
  ASSERT_TRUE(process.Signal(SIGUSR1).ok());
  EXPECT_TRUE(WaitForFileContent(log, "usr1\n"));
  EXPECT_EQ(ReadTestFile(log), "usr1\n");
  EXPECT_EQ(process.Stop(std::chrono::seconds(5)), 7);
  EXPECT_FALSE(process.Running());
  EXPECT_EQ(process.last_exit(), "exit code 7");

  // An exited workload is seen as such and may start again.
  ManagedProcess quick("sh", {"-c", "exit 3"});
  ASSERT_TRUE(quick.Start().ok());
  for (int i = 0; i < 250 && quick.Running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(quick.last_exit(), "exit code 3");
  EXPECT_TRUE(quick.Start().ok());

  // One that ignores SIGTERM is killed after the grace period.
  std::string stubborn_ready = dir.File("stubborn-ready");
  ManagedProcess stubborn("sh", {"-c", "trap '' TERM; echo set > " + stubborn_ready +
                                           "; while :; do sleep 0.05; done"});
  ASSERT_TRUE(stubborn.Start().ok());
  ASSERT_TRUE(WaitForFileContent(stubborn_ready, "set\n"));  // SIGTERM is ignored from here
  EXPECT_EQ(stubborn.Stop(std::chrono::milliseconds(300)), 128 + SIGKILL);

  ManagedProcess missing("/nonexistent/command", {});
  EXPECT_FALSE(missing.Start().ok());
}

}  // namespace
}  // namespace edgeid::helper
