// Two real edgeid-server processes on one PostgreSQL database (a private server this test
// starts on a UNIX socket): one trust domain, either server serving any agent.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "agent/client/server_client.h"
#include "crypto/csr.h"
#include "grpctls/spiffe_tls.h"
#include "testing/command.h"
#include "testing/postgres_server.h"
#include "testing/process.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid {
namespace {

using agent::ServerClient;
using edgeid::testing::ChildProcess;
using edgeid::testing::CommandResult;
using edgeid::testing::PostgresServer;
using edgeid::testing::RunCommand;
using edgeid::testing::TempDir;
using edgeid::testing::Unwrap;
using edgeid::testing::WriteTestFile;

constexpr char kTd[] = "example.org";

using edgeid::testing::NewP256Key;

// Polls `done` every 200 ms for up to 20 s (servers pick up each other's writes within their
// 5 s refresh).
template <typename F>
bool Eventually(F done) {
  for (int i = 0; i < 100; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

class ServerProcess {
 public:
  ServerProcess(const std::string& name, const std::string& conninfo) : name_(name) {
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{EDGEID_SERVER_BINARY, "run", "--trust-domain", kTd, "--data-dir",
                                 dir_.File("data"), "--admin-socket", Socket(), "--bind-port", "0",
                                 "--database-type", "postgres", "--datastore", conninfo,
                                 "--attestation-rate-limit", "0"},
        dir_.File(name + ".log"));
    if (!process_->WaitForOutput("edgeid-server ready")) return;
    std::smatch m;
    std::string log = process_->Output();
    if (std::regex_search(log, m, std::regex("agent API listening on 127.0.0.1:(\\d+)"))) {
      port_ = std::stoi(m[1]);
    }
  }
  ~ServerProcess() {
    process_->Signal(SIGTERM);
    process_->Wait();
  }

  bool ready() const { return port_ != 0; }
  std::string Output() const { return process_->Output(); }
  std::string Socket() const { return dir_.File("admin/api.sock"); }
  CommandResult Cli(const std::string& args) const {
    return RunCommand(std::string(EDGEID_SERVER_BINARY) + " " + args + " --admin-socket " +
                      Socket() + " 2>&1");
  }
  crypto::CertificateChain BundleRoots() const {
    auto pem = Cli("bundle show");
    if (pem.exit_code != 0) return {};
    auto roots = crypto::ParseCertificatesPem(pem.output);
    return roots.ok() ? *roots : crypto::CertificateChain{};
  }
  std::unique_ptr<ServerClient> Client(const crypto::CertificateChain& roots) const {
    auto td = Unwrap(spiffe::TrustDomain::Parse(kTd));
    spiffe::X509Bundle bundle(td);
    for (const auto& root : roots) bundle.AddAuthority(root);
    return std::make_unique<ServerClient>(
        "127.0.0.1:" + std::to_string(port_), td,
        std::make_shared<grpctls::StaticX509BundleSource>(std::move(bundle)),
        std::chrono::seconds(10));
  }
  const TempDir& dir() const { return dir_; }

 private:
  std::string name_;
  TempDir dir_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

TEST(SharedDatabaseTest, TwoServersServeOneTrustDomain) {
  PostgresServer pg;
  ASSERT_TRUE(pg.started()) << pg.error();
  std::string conninfo = pg.CreateDatabase("edgeid");
  ASSERT_FALSE(conninfo.empty()) << pg.error();
  ServerProcess a("a", conninfo);
  ASSERT_TRUE(a.ready()) << a.Output();
  ServerProcess b("b", conninfo);
  ASSERT_TRUE(b.ready()) << b.Output();
  EXPECT_EQ(a.Output().find("dbname"), std::string::npos) << "the connection string is not logged";

  // Each server has its own CA; both publish one bundle with both roots.
  crypto::CertificateChain roots;
  ASSERT_TRUE(Eventually([&] {
    roots = a.BundleRoots();
    return roots.size() == 2 && b.BundleRoots().size() == 2;
  })) << "a: "
      << a.BundleRoots().size() << " roots, b: " << b.BundleRoots().size();
  EXPECT_NE(roots[0].subject_key_id(), roots[1].subject_key_id());

  // A token made on one server is good on the other, once.
  auto token = a.Cli("token generate --ttl 600 --output json");
  ASSERT_EQ(token.exit_code, 0) << token.output;
  std::string value = nlohmann::json::parse(token.output)["value"];
  auto agent_key = NewP256Key();
  auto at_b = b.Client(roots);
  auto attested = Unwrap(at_b->AttestJoinToken(value, agent_key));
  ASSERT_TRUE(at_b->UseIdentity(attested.svid).ok());
  EXPECT_EQ(a.Client(roots)->AttestJoinToken(value, NewP256Key()).error().code,
            ErrorCode::kPermissionDenied);

  // An entry registered on a reaches the agent through b.
  auto created = a.Cli("entry create --spiffe-id spiffe://example.org/web --parent-id " +
                       attested.svid.id.str() + " --selector unix:uid:1000 --output json");
  ASSERT_EQ(created.exit_code, 0) << created.output;
  std::string entry_id = nlohmann::json::parse(created.output)["results"][0]["entry"]["id"];
  ASSERT_TRUE(Eventually([&] {
    auto synced = at_b->SyncEntries({});
    return synced.ok() && synced->changed.size() == 1 && synced->changed[0].id() == entry_id;
  })) << b.Output();

  // b signs it; a's bundle verifies it (openssl, independently).
  auto key = NewP256Key();
  auto csr = Unwrap(crypto::CertificateRequest::Create(key)).ToDer();
  auto signed_at_b = Unwrap(at_b->BatchNewX509Svid({{entry_id, csr}}));
  ASSERT_TRUE(signed_at_b[0].ok()) << signed_at_b[0].error().message;
  TempDir files;
  WriteTestFile(files.File("bundle.pem"), a.Cli("bundle show").output);
  WriteTestFile(files.File("svid.pem"), crypto::CertificatesToPem(signed_at_b[0]->chain));
  auto verified = RunCommand("openssl verify -CAfile " + files.File("bundle.pem") + " " +
                             files.File("svid.pem") + " 2>&1");
  EXPECT_EQ(verified.exit_code, 0) << verified.output;

  // The agent b attested fails over to a with the same SVID.
  auto at_a = a.Client(roots);
  ASSERT_TRUE(at_a->UseIdentity(attested.svid).ok());
  auto synced_at_a = Unwrap(at_a->SyncEntries({}));
  ASSERT_EQ(synced_at_a.changed.size(), 1u);
  EXPECT_EQ(synced_at_a.changed[0].id(), entry_id);

  // A ban on b holds on a at once: every call reads the agent's record.
  auto banned = b.Cli("agent ban --spiffe-id " + attested.svid.id.str());
  ASSERT_EQ(banned.exit_code, 0) << banned.output;
  EXPECT_EQ(at_a->SyncEntries({}).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(at_b->SyncEntries({}).error().code, ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace edgeid
