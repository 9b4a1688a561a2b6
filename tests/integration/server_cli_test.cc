// The admin CLI against a real edgeid-server process: what SPIRE users type, and what they see.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "testing/command.h"
#include "testing/process.h"
#include "testing/temp_dir.h"

namespace edgeid {
namespace {

using edgeid::testing::ChildProcess;
using edgeid::testing::CommandResult;
using edgeid::testing::RunCommand;
using edgeid::testing::TempDir;
using edgeid::testing::WriteTestFile;
using nlohmann::json;

class ServerCliTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }

  void StartServer() {
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{EDGEID_SERVER_BINARY, "run", "--trust-domain", "example.org",
                                 "--data-dir", dir_.File("data"), "--admin-socket", Socket(),
                                 "--bind-port", "0"},
        dir_.File("server-" + std::to_string(++starts_) + ".log"));
    ASSERT_TRUE(server_->WaitForOutput("edgeid-server ready")) << server_->Output();
  }
  void StopServer() {
    server_->Signal(SIGTERM);
    ASSERT_EQ(server_->Wait(), 0) << server_->Output();
  }
  std::string Socket() const { return dir_.File("admin/api.sock"); }
  CommandResult Cli(const std::string& args) {
    return RunCommand(std::string(EDGEID_SERVER_BINARY) + " " + args + " --admin-socket " +
                      Socket());
  }
  nlohmann::json Json(const CommandResult& r) {
    auto doc = nlohmann::json::parse(r.output, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << r.output;
    return doc;
  }

  TempDir dir_;
  int starts_ = 0;  // each start logs to its own file, so "ready" means this start
  std::unique_ptr<ChildProcess> server_;
};

constexpr char kWeb[] =
    "--spiffe-id spiffe://example.org/web --parent-id spiffe://example.org/edgeid/agent/a"
    " --selector unix:uid:1000";

TEST_F(ServerCliTest, CreateShowUpdateDeleteRoundTrip) {
  auto created = Cli(std::string("entry create ") + kWeb +
                     " --selector unix:gid:50 --dns-name web.local --x509-svid-ttl 30m"
                     " --hint web --output json");
  ASSERT_EQ(created.exit_code, 0) << created.output;
  auto entry = Json(created)["results"][0]["entry"];
  std::string id = entry["id"];
  EXPECT_EQ(entry["x509_svid_ttl"], 1800);
  EXPECT_EQ(entry["selectors"].size(), 2u);

  auto shown = Cli("entry show --entry-id " + id);
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_NE(shown.output.find("Found 1 entry"), std::string::npos);
  EXPECT_NE(shown.output.find("SPIFFE ID        : spiffe://example.org/web"), std::string::npos);
  EXPECT_NE(shown.output.find("X509-SVID TTL    : 30m"), std::string::npos);
  EXPECT_NE(shown.output.find("Selector         : unix:uid:1000"), std::string::npos);
  EXPECT_NE(shown.output.find("DNS name         : web.local"), std::string::npos);

  auto updated = Cli("entry update --entry-id " + id + " " + kWeb + " --admin --output json");
  ASSERT_EQ(updated.exit_code, 0) << updated.output;
  EXPECT_EQ(Json(updated)["results"][0]["entry"]["revision_number"], 1);
  EXPECT_EQ(Json(updated)["results"][0]["entry"]["admin"], true);

  auto count = Cli("entry count");
  EXPECT_EQ(count.exit_code, 0);
  EXPECT_NE(count.output.find("1 registration entry"), std::string::npos) << count.output;

  auto deleted = Cli("entry delete --entry-id " + id);
  ASSERT_EQ(deleted.exit_code, 0) << deleted.output;
  EXPECT_NE(deleted.output.find("Deleted entry with ID: " + id), std::string::npos);
  auto gone = Cli("entry show --entry-id " + id);
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.output.find("no registration entry"), std::string::npos) << gone.output;
  EXPECT_EQ(Cli("entry delete --entry-id " + id).exit_code, 1);
}

TEST_F(ServerCliTest, FiltersAndNodeAliases) {
  ASSERT_EQ(Cli(std::string("entry create ") + kWeb).exit_code, 0);
  ASSERT_EQ(
      Cli("entry create --spiffe-id spiffe://example.org/db --parent-id "
          "spiffe://example.org/edgeid/agent/a --selector unix:uid:1000 --selector unix:gid:7")
          .exit_code,
      0);
  auto alias =
      Cli("entry create --node --spiffe-id spiffe://example.org/edge-nodes"
          " --selector x509pop:subject:cn:edge-1 --output json");
  ASSERT_EQ(alias.exit_code, 0) << alias.output;
  EXPECT_EQ(Json(alias)["results"][0]["entry"]["parent_id"], "spiffe://example.org/edgeid/server");

  auto exact = Json(Cli("entry show --selector unix:uid:1000 --output json"));
  EXPECT_EQ(exact["entries"].size(), 1u);
  auto superset = Json(Cli("entry show --selector unix:uid:1000 --match-superset --output json"));
  EXPECT_EQ(superset["entries"].size(), 2u);
  auto by_parent =
      Json(Cli("entry show --parent-id spiffe://example.org/edgeid/server --output json"));
  EXPECT_EQ(by_parent["entries"].size(), 1u);
  auto all = Cli("entry show");
  EXPECT_NE(all.output.find("Found 3 entries"), std::string::npos) << all.output;
}

TEST_F(ServerCliTest, RefusalsAreClearAndFailTheCommand) {
  ASSERT_EQ(Cli(std::string("entry create ") + kWeb).exit_code, 0);
  auto dup = Cli(std::string("entry create ") + kWeb);
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_NE(dup.output.find("already exists"), std::string::npos) << dup.output;

  auto foreign =
      Cli("entry create --spiffe-id spiffe://other.org/web --parent-id "
          "spiffe://example.org/a --selector unix:uid:1");
  EXPECT_EQ(foreign.exit_code, 1);
  EXPECT_NE(foreign.output.find("not in trust domain example.org"), std::string::npos);

  auto bad_id =
      Cli("entry create --spiffe-id spiffe://example.org/a//b --parent-id "
          "spiffe://example.org/a --selector unix:uid:1");
  EXPECT_EQ(bad_id.exit_code, 1);
  EXPECT_NE(bad_id.output.find("empty path segments"), std::string::npos) << bad_id.output;

  auto no_selector =
      Cli("entry create --spiffe-id spiffe://example.org/x --parent-id spiffe://example.org/a");
  EXPECT_EQ(no_selector.exit_code, 1);
  EXPECT_NE(no_selector.output.find("--selector"), std::string::npos);

  auto bad_selector =
      Cli("entry create --spiffe-id spiffe://example.org/x --parent-id "
          "spiffe://example.org/a --selector uid1000");
  EXPECT_EQ(bad_selector.exit_code, 1);
  EXPECT_NE(bad_selector.output.find("type:value"), std::string::npos);

  auto bad_ttl = Cli(std::string("entry create ") + kWeb + " --x509-svid-ttl soon");
  EXPECT_EQ(bad_ttl.exit_code, 1);
  EXPECT_NE(bad_ttl.output.find("--x509-svid-ttl"), std::string::npos);

  auto no_server = RunCommand(std::string(EDGEID_SERVER_BINARY) + " entry count --admin-socket " +
                              dir_.File("nothing.sock"));
  EXPECT_EQ(no_server.exit_code, 1);
  EXPECT_NE(no_server.output.find("no server admin socket"), std::string::npos);
  EXPECT_EQ(Cli("entry count").output, "1 registration entry\n") << "nothing half-created";
}

TEST_F(ServerCliTest, EntriesSurviveRestartAndSecondServerIsRefused) {
  ASSERT_EQ(Cli(std::string("entry create ") + kWeb).exit_code, 0);
  ChildProcess second({EDGEID_SERVER_BINARY, "run", "--trust-domain", "example.org", "--data-dir",
                       dir_.File("data2"), "--admin-socket", Socket(), "--bind-port", "0"},
                      dir_.File("second.log"));
  EXPECT_EQ(second.Wait(), 1);
  EXPECT_NE(second.Output().find("another process is serving"), std::string::npos)
      << second.Output();

  StopServer();
  StartServer();
  EXPECT_EQ(Cli("entry count").output, "1 registration entry\n");
}

// `--federates-with spiffe://b.test` (SPIRE's form) was stored as typed and matched no bundle;
// it is stored as the trust domain, as `bundle set --id` takes either form. `bundle delete` has
// SPIRE's modes.
TEST_F(ServerCliTest, FederatesWithTakesEitherFormAndBundleDeleteHasSpiresModes) {
  ASSERT_EQ(Cli("bundle show > " + dir_.File("bundle.pem")).exit_code, 0);
  ASSERT_EQ(Cli("bundle set --id spiffe://b.test --path " + dir_.File("bundle.pem")).exit_code, 0);
  auto created =
      Cli(std::string("entry create ") + kWeb + " --federates-with spiffe://b.test --output json");
  ASSERT_EQ(created.exit_code, 0) << created.output;
  auto entry = Json(created)["results"][0]["entry"];
  EXPECT_EQ(entry["federates_with"], nlohmann::json::array({"b.test"})) << created.output;
  const std::string id = entry["id"];
  auto filtered = Cli("entry show --federates-with spiffe://b.test --output json");
  ASSERT_EQ(filtered.exit_code, 0) << filtered.output;
  EXPECT_EQ(Json(filtered)["entries"].size(), 1u) << filtered.output;
  EXPECT_NE(
      Cli("entry create " + std::string(kWeb) + " --federates-with spiffe://b.test/path").exit_code,
      0)
      << "a trust domain ID has no path";

  auto restricted = Cli("bundle delete --id b.test 2>&1");
  EXPECT_NE(restricted.exit_code, 0) << restricted.output;
  EXPECT_NE(restricted.output.find(id), std::string::npos) << restricted.output;
  EXPECT_NE(Cli("bundle list").output.find("b.test"), std::string::npos) << "nothing deleted";
  auto dissociated = Cli("bundle delete --id spiffe://b.test --mode dissociate");
  ASSERT_EQ(dissociated.exit_code, 0) << dissociated.output;
  EXPECT_NE(dissociated.output.find("entry " + id + " no longer federating"), std::string::npos)
      << dissociated.output;
  auto shown = Json(Cli("entry show --entry-id " + id + " --output json"));
  EXPECT_FALSE(shown.dump().find("b.test") != std::string::npos) << shown.dump();
  EXPECT_EQ(Cli("bundle list").output, "");

  ASSERT_EQ(Cli("bundle set --id b.test --path " + dir_.File("bundle.pem")).exit_code, 0);
  auto update = Cli("entry update --entry-id " + id + " " + kWeb + " --federates-with b.test");
  ASSERT_EQ(update.exit_code, 0) << update.output;
  auto deleted = Cli("bundle delete --id b.test --mode delete --output json");
  ASSERT_EQ(deleted.exit_code, 0) << deleted.output;
  EXPECT_EQ(Json(deleted)["results"][0]["affected_entry_ids"], nlohmann::json::array({id}))
      << deleted.output;
  EXPECT_NE(Cli("entry show --entry-id " + id).exit_code, 0) << "deleted with the bundle";
  EXPECT_NE(Cli("bundle delete --id b.test --mode sideways").exit_code, 0);
}

TEST_F(ServerCliTest, TokenBundleMintAndHealthcheck) {
  auto health = Cli("healthcheck");
  EXPECT_EQ(health.exit_code, 0) << health.output;
  EXPECT_EQ(health.output, "Server is healthy.\n");
  auto token = Cli("token generate --ttl 10m");
  ASSERT_EQ(token.exit_code, 0) << token.output;
  EXPECT_TRUE(std::regex_match(
      token.output, std::regex("Token: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                               "[0-9a-f]{12}\n")))
      << token.output;
  EXPECT_NE(Cli("token generate --ttl 0").exit_code, 0);

  auto pem = Cli("bundle show");
  ASSERT_EQ(pem.exit_code, 0) << pem.output;
  EXPECT_NE(pem.output.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
  auto spiffe = Cli("bundle show --format spiffe");
  auto doc = nlohmann::json::parse(spiffe.output);
  EXPECT_TRUE(doc.contains("keys") && doc.contains("spiffe_sequence")) << spiffe.output;

  // x509 mint: key made by the CLI (0600), SVID verified by openssl against bundle.pem.
  auto minted =
      Cli("x509 mint --spiffe-id spiffe://example.org/tool --dns-name tool.local"
          " --ttl 10m --write " +
          dir_.path());
  ASSERT_EQ(minted.exit_code, 0) << minted.output;
  struct stat st {};
  ASSERT_EQ(::stat(dir_.File("key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto verify =
      RunCommand("openssl verify -CAfile " + dir_.File("bundle.pem") + " " + dir_.File("svid.pem"));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  auto san = RunCommand("openssl x509 -noout -ext subjectAltName -in " + dir_.File("svid.pem"));
  EXPECT_NE(san.output.find("URI:spiffe://example.org/tool"), std::string::npos) << san.output;
  EXPECT_NE(Cli("x509 mint --spiffe-id spiffe://other.org/tool").exit_code, 0);

  auto jwt = Cli("jwt mint --spiffe-id spiffe://example.org/tool --audience broker");
  ASSERT_EQ(jwt.exit_code, 0) << jwt.output;
  EXPECT_EQ(std::count(jwt.output.begin(), jwt.output.end(), '.'), 2) << jwt.output;
  EXPECT_NE(Cli("jwt mint --spiffe-id spiffe://example.org/tool").exit_code, 0) << "no audience";

  // Federated bundles: set from PEM, list, refuse the own domain and junk, delete.
  auto set = Cli("bundle set --id partner.org --path " + dir_.File("bundle.pem"));
  ASSERT_EQ(set.exit_code, 0) << set.output;
  auto listed = Cli("bundle list");
  EXPECT_NE(listed.output.find("* partner.org"), std::string::npos) << listed.output;
  EXPECT_NE(Cli("bundle set --id example.org --path " + dir_.File("bundle.pem")).exit_code, 0);
  WriteTestFile(dir_.File("junk.pem"), "junk");
  auto junk = Cli("bundle set --id partner.org --path " + dir_.File("junk.pem"));
  EXPECT_NE(junk.exit_code, 0);
  EXPECT_NE(junk.output.find("PEM bundle"), std::string::npos) << junk.output;
  EXPECT_EQ(Cli("bundle delete --id partner.org").exit_code, 0);
  EXPECT_EQ(Cli("bundle list").output, "");
  EXPECT_NE(Cli("bundle delete --id partner.org").exit_code, 0);

  EXPECT_EQ(Cli("agent count").output, "0 attested agents\n");
  EXPECT_NE(Cli("agent show --spiffe-id spiffe://example.org/edgeid/agent/x").exit_code, 0);

  StopServer();
  auto down = Cli("healthcheck");
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.output.find("unhealthy"), std::string::npos) << down.output;
  StartServer();
}

// Every command's --output json is a JSON document whose numbers are numbers and whose booleans
// are there when false; where SPIRE has the command, in SPIRE's shape.
TEST_F(ServerCliTest, JsonOutputOfEveryCommandHasTypedFields) {
  auto token = Json(Cli("token generate --ttl 10m --output json"));
  EXPECT_TRUE(token["value"].is_string()) << token;
  ASSERT_TRUE(token["expires_at"].is_number_integer()) << token;
  EXPECT_NEAR(token["expires_at"].get<int64_t>(), ::time(nullptr) + 600, 60);

  auto created = Json(Cli(std::string("entry create ") + kWeb + " --output json"));
  auto entry = created["results"][0]["entry"];
  EXPECT_EQ(created["results"][0]["status"]["code"], 0) << created;
  EXPECT_TRUE(entry["revision_number"].is_number_integer()) << entry;
  EXPECT_TRUE(entry["expires_at"].is_number_integer()) << entry;
  EXPECT_TRUE(entry["x509_svid_ttl"].is_number_integer()) << entry;
  EXPECT_EQ(entry["admin"], false) << entry;
  EXPECT_EQ(entry["downstream"], false) << entry;
  EXPECT_TRUE(entry["dns_names"].is_array()) << entry;
  auto shown = Json(Cli("entry show --output json"));
  EXPECT_EQ(shown["entries"][0]["admin"], false) << shown;
  EXPECT_EQ(Json(Cli("entry count --output json"))["count"], 1);

  EXPECT_EQ(Json(Cli("agent count --output json"))["count"], 0);
  EXPECT_TRUE(Json(Cli("agent list --output json"))["agents"].is_array());
  auto health = Json(Cli("healthcheck --output json"));
  EXPECT_EQ(health["ready"], true);
  EXPECT_TRUE(health["uptime_seconds"].is_number_integer()) << health;

  // bundle show: the SPIFFE bundle document, as `spire-server bundle show -output json`.
  auto bundle = Json(Cli("bundle show --output json"));
  ASSERT_TRUE(bundle["keys"].is_array()) << bundle;
  EXPECT_EQ(bundle["keys"][0]["use"], "x509-svid");
  EXPECT_TRUE(bundle["spiffe_sequence"].is_number_integer()) << bundle;

  // No federated bundle yet: still a document.
  auto empty = Json(Cli("bundle list --output json"));
  EXPECT_EQ(empty["bundles"], json::array()) << empty;

  auto minted = Cli("x509 mint --spiffe-id spiffe://example.org/tool --ttl 10m --output json");
  ASSERT_EQ(minted.exit_code, 0) << minted.output;
  auto x509 = Json(minted);
  ASSERT_GE(x509["x509_svid"].size(), 1u) << x509;
  EXPECT_TRUE(x509["private_key"].is_string());
  ASSERT_GE(x509["root_cas"].size(), 1u);
  // base64 DER: openssl reads the certificate and its URI SAN.
  WriteTestFile(dir_.File("svid.b64"), x509["x509_svid"][0].get<std::string>() + "\n");
  auto san = RunCommand("base64 -d " + dir_.File("svid.b64") +
                        " | openssl x509 -inform DER -noout -ext subjectAltName");
  EXPECT_NE(san.output.find("URI:spiffe://example.org/tool"), std::string::npos) << san.output;

  auto jwt =
      Json(Cli("jwt mint --spiffe-id spiffe://example.org/tool --audience a --ttl 90s"
               " --output json"));
  std::string jwt_token = jwt["svid"]["token"];
  EXPECT_EQ(std::count(jwt_token.begin(), jwt_token.end(), '.'), 2) << jwt;
  ASSERT_TRUE(jwt["svid"]["expires_at"].is_number_integer()) << jwt;
  EXPECT_NEAR(jwt["svid"]["expires_at"].get<int64_t>() - jwt["svid"]["issued_at"].get<int64_t>(),
              90, 1);

  // Federated bundles, in SPIRE's types.Bundle shape.
  WriteTestFile(dir_.File("partner.pem"), Cli("bundle show").output);
  auto set = Json(
      Cli("bundle set --id partner.org --path " + dir_.File("partner.pem") + " --output json"));
  auto partner = set["results"][0]["bundle"];
  EXPECT_EQ(partner["trust_domain"], "partner.org") << set;
  EXPECT_EQ(partner["x509_authorities"][0]["tainted"], false) << set;
  EXPECT_TRUE(partner["sequence_number"].is_number_integer()) << set;
  EXPECT_TRUE(partner["refresh_hint"].is_number_integer()) << set;
  EXPECT_EQ(Json(Cli("bundle list --output json"))["bundles"].size(), 1u);
  EXPECT_EQ(Json(Cli("bundle list --id partner.org --output json"))["trust_domain"], "partner.org");
  EXPECT_EQ(Json(Cli("federation list --output json"))["relationships"], json::array());
  auto deleted = Json(Cli("bundle delete --id partner.org --output json"));
  EXPECT_EQ(deleted["results"][0]["trust_domain"], "partner.org") << deleted;
  EXPECT_EQ(deleted["results"][0]["status"]["code"], 0) << deleted;
}

// The admin socket from the server's config file or the environment, as SPIRE users expect; a
// --timeout duration; durations wherever SPIRE takes them.
TEST_F(ServerCliTest, SocketFromConfigOrEnvironmentTimeoutAndDurations) {
  const std::string bin = EDGEID_SERVER_BINARY;
  WriteTestFile(dir_.File("server.conf"),
                "[server]\ntrust_domain = \"example.org\"\nsocket_path = \"" + Socket() + "\"\n");
  auto by_config = RunCommand(bin + " entry count --config " + dir_.File("server.conf") + " 2>&1");
  EXPECT_EQ(by_config.output, "0 registration entries\n");
  auto by_env =
      RunCommand("EDGEID_SERVER_ADMIN_SOCKET=" + Socket() + " " + bin + " entry count 2>&1");
  EXPECT_EQ(by_env.output, "0 registration entries\n");
  // The flag wins over the environment.
  auto flag_first = RunCommand("EDGEID_SERVER_ADMIN_SOCKET=" + dir_.File("none.sock") + " " + bin +
                               " entry count --admin-socket " + Socket() + " 2>&1");
  EXPECT_EQ(flag_first.output, "0 registration entries\n");
  auto missing =
      RunCommand(bin + " entry count --admin-socket " + dir_.File("none.sock") + " 2>&1");
  EXPECT_NE(missing.output.find("no server admin socket at " + dir_.File("none.sock")),
            std::string::npos)
      << missing.output;
  auto bad_config =
      RunCommand(bin + " entry count --config " + dir_.File("nothing.conf") + " 2>&1");
  EXPECT_NE(bad_config.exit_code, 0);
  EXPECT_NE(bad_config.output.find("--config"), std::string::npos) << bad_config.output;

  EXPECT_EQ(Cli("entry count --timeout 5s").output, "0 registration entries\n");
  EXPECT_EQ(Cli("entry count --timeout 5").output, "0 registration entries\n");
  auto bad_timeout = Cli("entry count --timeout soon");
  EXPECT_NE(bad_timeout.exit_code, 0);
  EXPECT_NE(bad_timeout.output.find("--timeout"), std::string::npos) << bad_timeout.output;

  auto created =
      Json(Cli(std::string("entry create ") + kWeb +
               " --x509-svid-ttl 90 --jwt-svid-ttl 1h30m --output json"))["results"][0]["entry"];
  EXPECT_EQ(created["x509_svid_ttl"], 90) << created;
  EXPECT_EQ(created["jwt_svid_ttl"], 5400) << created;
  auto token = Json(Cli("token generate --ttl 1h30m --output json"));
  EXPECT_NEAR(token["expires_at"].get<int64_t>(), ::time(nullptr) + 5400, 60) << token;
  for (const char* flags :
       {"token generate --ttl 5x", "x509 mint --spiffe-id spiffe://example.org/t --ttl 1y",
        "jwt mint --spiffe-id spiffe://example.org/t --audience a --ttl 1h30"}) {
    auto bad = Cli(flags);
    EXPECT_NE(bad.exit_code, 0) << flags;
    EXPECT_NE(bad.output.find("--ttl: invalid duration"), std::string::npos) << bad.output;
  }
  auto bad_entry = Cli(std::string("entry create ") + kWeb + " --jwt-svid-ttl 5x");
  EXPECT_NE(bad_entry.output.find("--jwt-svid-ttl: invalid duration"), std::string::npos)
      << bad_entry.output;
}

// A user who may not reach the socket is told so, not that there is no server.
TEST_F(ServerCliTest, PermissionDeniedIsReportedAsSuch) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run the CLI as another user (setpriv)";
  // The server made its socket's directory 0750; nobody (65534) may not enter it.
  auto denied = RunCommand("setpriv --reuid=65534 --regid=65534 --clear-groups " +
                           std::string(EDGEID_SERVER_BINARY) + " entry count --admin-socket " +
                           Socket() + " 2>&1");
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.output.find("permission denied connecting to " + Socket() +
                               ": run as the server's user or a member of its group"),
            std::string::npos)
      << denied.output;
  EXPECT_EQ(denied.output.find("no server admin socket"), std::string::npos) << denied.output;
}

}  // namespace
}  // namespace edgeid
