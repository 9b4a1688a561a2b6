// Authority management end to end: real edgeid-server and edgeid-agent processes, a workload
// streaming FetchX509SVID, and the operator's `localauthority` commands. A taint must reach the
// workload as a new SVID from the new authority at once (not at half-life), and a revoke must
// leave the old authority out of the bundle the workload receives.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "crypto/encoding.h"
#include "testing/command.h"
#include "testing/edgeid_processes.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"
#include "workloadapi/workload_client.h"

namespace edgeid {
namespace {

using testing::EdgeidProcesses;
using testing::RunCommand;
using testing::TempDir;
using testing::UidSelector;
using testing::WriteTestFile;

constexpr const char* kTd = "example.org";

// The updates of one FetchX509SVID stream, collected on a thread.
class X509Stream {
 public:
  explicit X509Stream(const std::string& socket)
      : client_(socket, std::chrono::seconds(5)), thread_([this] {
          // The agent ends the stream while the workload has no identity yet: open it again.
          while (!cancel_.cancelled()) {
            (void)client_.WatchX509Context(
                [this](workloadapi::X509Context context) {
                  std::lock_guard lock(mu_);
                  updates_.push_back(std::move(context));
                  cv_.notify_all();
                  return true;
                },
                &cancel_);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          }
        }) {}
  ~X509Stream() {
    cancel_.Cancel();
    thread_.join();
  }
  // The first update (in order, consuming) that satisfies `want`; nullopt after `timeout`.
  std::optional<workloadapi::X509Context> WaitFor(
      const std::function<bool(const workloadapi::X509Context&)>& want,
      std::chrono::seconds timeout = std::chrono::seconds(20)) {
    std::unique_lock lock(mu_);
    std::optional<workloadapi::X509Context> found;
    cv_.wait_for(lock, timeout, [&] {
      while (!updates_.empty()) {
        auto next = std::move(updates_.front());
        updates_.pop_front();
        if (want(next)) {
          found = std::move(next);
          return true;
        }
      }
      return false;
    });
    return found;
  }

 private:
  workloadapi::WorkloadClient client_;
  workloadapi::WatchCancellation cancel_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<workloadapi::X509Context> updates_;
  std::thread thread_;  // last: started once the rest exists
};

std::string SigningAuthority(const workloadapi::X509Context& context) {
  return crypto::HexEncode(context.svids.at(0).leaf().authority_key_id());
}

nlohmann::json Json(const testing::CommandResult& r) {
  return nlohmann::json::parse(r.output, nullptr, false);
}

std::string JwtKid(const std::string& token) {
  auto header = crypto::Base64UrlDecode(token.substr(0, token.find('.')));
  if (!header.ok()) return "";
  return nlohmann::json::parse(*header, nullptr, false).value("kid", "");
}

class LocalAuthorityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    processes_ = std::make_unique<EdgeidProcesses>(
        testing::EdgeidBinaries{EDGEID_SERVER_BINARY, EDGEID_AGENT_BINARY}, dir_.File("run"), kTd);
    ASSERT_TRUE(processes_->StartServer()) << processes_->error();
    auto token = processes_->JoinToken();
    ASSERT_FALSE(token.empty());
    ASSERT_TRUE(processes_->StartAgent({"--join-token", token})) << processes_->error();
    ASSERT_FALSE(processes_->AgentId().empty());
    ASSERT_FALSE(processes_
                     ->CreateEntry(std::string("spiffe://") + kTd + "/workload",
                                   processes_->AgentId(), {UidSelector()})
                     .empty());
  }
  testing::CommandResult Cli(const std::string& args) { return processes_->ServerCli(args); }

  TempDir dir_;
  std::unique_ptr<EdgeidProcesses> processes_;
};

TEST_F(LocalAuthorityTest, TaintedX509AuthorityIsRotatedAwayThenRevoked) {
  X509Stream stream(processes_->agent_socket());
  auto first = stream.WaitFor([](const auto& c) { return c.svids.size() == 1; });
  ASSERT_TRUE(first) << processes_->agent()->Output();
  const std::string old_id = SigningAuthority(*first);

  auto show = Cli("localauthority x509 show --output json");
  ASSERT_EQ(show.exit_code, 0) << show.output;
  EXPECT_EQ(Json(show)["active"]["authority_id"], old_id);
  show = Cli("localauthority x509 show");
  EXPECT_NE(show.output.find("Active X.509 authority:\n  Authority ID: " + old_id),
            std::string::npos)
      << show.output;
  EXPECT_NE(show.output.find("No Prepared X.509 authority found"), std::string::npos);

  auto refused = Cli("localauthority x509 taint --authority-id " + old_id);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("is active and cannot be tainted"), std::string::npos)
      << refused.output;
  refused = Cli("localauthority x509 revoke --authority-id " + old_id);
  EXPECT_NE(refused.exit_code, 0);

  auto prepared = Cli("localauthority x509 prepare --output json");
  ASSERT_EQ(prepared.exit_code, 0) << prepared.output;
  const std::string new_id = Json(prepared)["prepared_authority"]["authority_id"];
  ASSERT_FALSE(new_id.empty());
  ASSERT_NE(new_id, old_id);
  auto activated = Cli("localauthority x509 activate --authority-id " + new_id);
  ASSERT_EQ(activated.exit_code, 0) << activated.output;
  EXPECT_NE(activated.output.find("Activated X.509 authority:\n  Authority ID: " + new_id),
            std::string::npos)
      << activated.output;
  refused = Cli("localauthority x509 revoke --authority-id " + old_id);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("is not tainted"), std::string::npos) << refused.output;

  auto tainted = Cli("localauthority x509 taint --authority-id " + old_id);
  ASSERT_EQ(tainted.exit_code, 0) << tainted.output;
  EXPECT_NE(tainted.output.find("Tainted X.509 authority:\n  Authority ID: " + old_id),
            std::string::npos)
      << tainted.output;
  EXPECT_EQ(Json(Cli("localauthority x509 show --output json"))["old"]["tainted"], true);

  // The SVID lives an hour: only the taint makes the agent re-sign it now.
  auto rotated = stream.WaitFor(
      [&](const auto& c) { return c.svids.size() == 1 && SigningAuthority(c) == new_id; });
  ASSERT_TRUE(rotated) << processes_->agent()->Output();
  EXPECT_EQ(rotated->bundles.at(kTd).authorities().size(), 2u) << "the tainted CA is still trusted";
  EXPECT_TRUE(processes_->agent()->WaitForOutput("agent SVID renewed"))
      << "the agent's own SVID, signed by the tainted CA, is renewed too";
  // The server presents an SVID of the new CA before the old one leaves agents' bundles.
  ASSERT_TRUE(processes_->server()->WaitForOutput("server SVID renewed"));

  WriteTestFile(dir_.File("old.pem"), crypto::CertificatesToPem(first->svids[0].chain));
  WriteTestFile(dir_.File("new.pem"), crypto::CertificatesToPem(rotated->svids[0].chain));

  auto revoked = Cli("localauthority x509 revoke --authority-id " + old_id);
  ASSERT_EQ(revoked.exit_code, 0) << revoked.output;
  EXPECT_NE(revoked.output.find("Revoked X.509 authority:\n  Authority ID: " + old_id),
            std::string::npos)
      << revoked.output;
  auto after = stream.WaitFor([&](const auto& c) {
    return c.bundles.count(kTd) && c.bundles.at(kTd).authorities().size() == 1;
  });
  ASSERT_TRUE(after) << processes_->agent()->Output();
  WriteTestFile(dir_.File("bundle.pem"), after->bundles.at(kTd).ToPem());
  auto old_verify = RunCommand("openssl verify -CAfile " + dir_.File("bundle.pem") + " " +
                               dir_.File("old.pem") + " 2>&1");
  EXPECT_NE(old_verify.exit_code, 0) << old_verify.output;
  auto new_verify = RunCommand("openssl verify -CAfile " + dir_.File("bundle.pem") + " " +
                               dir_.File("new.pem") + " 2>&1");
  EXPECT_EQ(new_verify.exit_code, 0) << new_verify.output;
  EXPECT_EQ(Json(Cli("localauthority x509 show --output json")).count("old"), 0u);

  // The agent still talks to the server (it presents an SVID of the new CA).
  auto health = processes_->AgentCli("healthcheck");
  EXPECT_EQ(health.exit_code, 0) << health.output;
}

TEST_F(LocalAuthorityTest, TaintedJwtKeyIsNoLongerServedAndSurvivesARestart) {
  workloadapi::WorkloadClient client(processes_->agent_socket(), std::chrono::seconds(5));
  X509Stream stream(processes_->agent_socket());
  ASSERT_TRUE(stream.WaitFor([](const auto& c) { return c.svids.size() == 1; }));
  const std::string old_kid =
      Json(Cli("localauthority jwt show --output json"))["active"]["authority_id"];
  ASSERT_FALSE(old_kid.empty());
  auto jwt = client.FetchJwtSvids({"spiffe://example.org/db"});
  ASSERT_TRUE(jwt.ok()) << jwt.error().message;
  EXPECT_EQ(JwtKid(jwt->at(0).token), old_kid);

  auto prepared = Cli("localauthority jwt prepare --output json");
  ASSERT_EQ(prepared.exit_code, 0) << prepared.output;
  const std::string new_kid = Json(prepared)["prepared_authority"]["authority_id"];
  ASSERT_EQ(Cli("localauthority jwt activate --authority-id " + new_kid).exit_code, 0);
  auto tainted = Cli("localauthority jwt taint --authority-id " + old_kid);
  ASSERT_EQ(tainted.exit_code, 0) << tainted.output;
  EXPECT_NE(tainted.output.find("Tainted JWT authority:\n  Authority ID: " + old_kid),
            std::string::npos)
      << tainted.output;
  // The agent had the old token cached for half its life: the taint drops it.
  ASSERT_TRUE(processes_->agent()->WaitForOutput("dropped 1 JWT-SVIDs signed with a tainted key"))
      << processes_->agent()->Output();
  jwt = client.FetchJwtSvids({"spiffe://example.org/db"});
  ASSERT_TRUE(jwt.ok()) << jwt.error().message;
  EXPECT_EQ(JwtKid(jwt->at(0).token), new_kid);

  // Taints are journaled: a restarted server still reports it.
  processes_->StopServer();
  ASSERT_TRUE(processes_->StartServer()) << processes_->error();
  auto shown = Json(Cli("localauthority jwt show --output json"));
  EXPECT_EQ(shown["active"]["authority_id"], new_kid);
  EXPECT_EQ(shown["old"]["authority_id"], old_kid);
  EXPECT_EQ(shown["old"]["tainted"], true);

  auto revoked = Cli("localauthority jwt revoke --authority-id " + old_kid);
  ASSERT_EQ(revoked.exit_code, 0) << revoked.output;
  auto bundle = Cli("bundle show --format spiffe");
  ASSERT_EQ(bundle.exit_code, 0) << bundle.output;
  EXPECT_EQ(bundle.output.find(old_kid), std::string::npos) << bundle.output;
  EXPECT_NE(bundle.output.find(new_kid), std::string::npos) << bundle.output;
  auto unknown = Cli("localauthority jwt taint --authority-id " + old_kid);
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.output.find("no JWT authority"), std::string::npos) << unknown.output;
}

}  // namespace
}  // namespace edgeid
