// Two trust domains, each a real edgeid-server and edgeid-agent on loopback, federated through
// their SPIFFE bundle endpoints; checked by independent tools: the openssl CLI for cross-domain
// mutual TLS, Debian's python3-grpcio as the workloads, and Debian's python3-jwt as a cloud IAM
// that verifies JWT-SVIDs with keys it found through OIDC discovery.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "testing/command.h"
#include "testing/edgeid_processes.h"
#include "testing/process.h"
#include "testing/temp_dir.h"

namespace edgeid {
namespace {

using testing::EdgeidProcesses;
using testing::PathSelector;
using testing::RunCommand;
using testing::TempDir;
using testing::UidSelector;
using testing::WriteTestFile;
using SteadyClock = std::chrono::steady_clock;

const std::string kPython = "/usr/bin/python3";
const std::string kClient =
    std::string(EDGEID_SOURCE_DIR) + "/tests/integration/federation_client.py";

// The port a server's bundle endpoint listens on (configured as 0: any free port), from its log.
std::string BundleEndpointPort(EdgeidProcesses& p) {
  std::smatch m;
  std::string log = p.server()->Output();
  if (!std::regex_search(log, m,
                         std::regex("SPIFFE bundle endpoint \\(https_\\w+\\) listening on "
                                    "https://127.0.0.1:(\\d+)"))) {
    return "";
  }
  return m[1];
}

// A port free now, for listeners whose address must be known before they start (the OIDC
// issuer is written into the server's config).
std::string FreePort() {
  auto probe = RunCommand(kPython +
                          " -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); "
                          "print(s.getsockname()[1])'");
  return probe.output.substr(0, probe.output.find('\n'));
}

std::string UriSanOf(const std::string& pem_file) {
  auto r = RunCommand("openssl x509 -in " + pem_file + " -noout -ext subjectAltName 2>&1");
  std::smatch m;
  if (!std::regex_search(r.output, m, std::regex("URI:(\\S+)"))) return "";
  return m[1];
}

int CountCertificates(const std::string& pem) {
  int n = 0;
  for (auto at = pem.find("BEGIN CERTIFICATE"); at != std::string::npos;
       at = pem.find("BEGIN CERTIFICATE", at + 1)) {
    ++n;
  }
  return n;
}

bool WaitFor(const std::function<bool()>& condition,
             std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  auto deadline = SteadyClock::now() + timeout;
  while (SteadyClock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return condition();
}

class FederationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::EdgeidBinaries binaries{EDGEID_SERVER_BINARY, EDGEID_AGENT_BINARY};
    a_ = std::make_unique<EdgeidProcesses>(binaries, dir_.File("a"), "a.test");
    b_ = std::make_unique<EdgeidProcesses>(binaries, dir_.File("b"), "b.test");
    oidc_port_ = FreePort();
    MakeWebPki();
  }

  // A Web-PKI certificate for https://127.0.0.1:<oidc port>, from a CA of the test's own, as a
  // cloud IAM would see one from a public CA.
  void MakeWebPki() {
    std::string d = dir_.path();
    auto made = RunCommand(
        "cd " + d +
        " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "
        "web-ca.key -out web-ca.pem -subj /CN=test-web-ca -days 1 -addext "
        "basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>&1"
        " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout oidc.key "
        "-out oidc.csr -subj /CN=127.0.0.1 2>&1"
        " && printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\nkeyUsage="
        "digitalSignature\\nextendedKeyUsage=serverAuth\\n' > oidc.ext"
        " && openssl x509 -req -in oidc.csr -CA web-ca.pem -CAkey web-ca.key -CAcreateserial "
        "-out oidc.pem -days 1 -extfile oidc.ext 2>&1");
    ASSERT_EQ(made.exit_code, 0) << made.output;
  }

  std::string Issuer() const { return "https://127.0.0.1:" + oidc_port_; }

  // B: bundle endpoint (https_spiffe, refresh hint 2s) and OIDC discovery.
  void StartB(const std::vector<std::string>& more_args = {}) {
    WriteTestFile(dir_.File("b.toml"), R"([server]
jwt_issuer = ")" + Issuer() + R"("
[server.federation.bundle_endpoint]
port = 0
refresh_hint = "2s"
[server.oidc_discovery]
port = )" + oidc_port_ + R"(
cert_file_path = ")" + dir_.File("oidc.pem") +
                                           R"("
key_file_path = ")" + dir_.File("oidc.key") +
                                           R"("
)");
    std::vector<std::string> args = {"--config", dir_.File("b.toml")};
    args.insert(args.end(), more_args.begin(), more_args.end());
    ASSERT_TRUE(b_->StartServer(args)) << b_->error();
    b_endpoint_port_ = BundleEndpointPort(*b_);
    ASSERT_FALSE(b_endpoint_port_.empty()) << b_->server()->Output();
    auto bundle = b_->ServerCli("bundle show --format spiffe");
    ASSERT_EQ(bundle.exit_code, 0) << bundle.output;
    WriteTestFile(dir_.File("b-bundle.json"), bundle.output);
  }

  // A: bundle endpoint in the https_web profile (the Web-PKI certificate), and federation with B
  // from its config file (B's bundle to start from).
  void StartA() {
    WriteTestFile(dir_.File("a.toml"), R"([server.federation.bundle_endpoint]
port = 0
profile = "https_web"
cert_file_path = ")" + dir_.File("oidc.pem") +
                                           R"("
key_file_path = ")" + dir_.File("oidc.key") +
                                           R"("
refresh_hint = "2s"
[server.federation.federates_with."b.test"]
bundle_endpoint_url = "https://127.0.0.1:)" +
                                           b_endpoint_port_ + R"("
bundle_endpoint_profile = "https_spiffe"
endpoint_spiffe_id = "spiffe://b.test/edgeid/server"
trust_domain_bundle_path = ")" + dir_.File("b-bundle.json") +
                                           R"("
trust_domain_bundle_format = "spiffe"
)");
    ASSERT_TRUE(a_->StartServer({"--config", dir_.File("a.toml")})) << a_->error();
    a_endpoint_port_ = BundleEndpointPort(*a_);
    ASSERT_FALSE(a_endpoint_port_.empty()) << a_->server()->Output();
  }

  void StartAgent(EdgeidProcesses& p) {
    std::string token = p.JoinToken();
    ASSERT_FALSE(token.empty());
    ASSERT_TRUE(p.StartAgent({"--join-token", token, "--discover-workload-path"})) << p.error();
  }

  std::string Entry(EdgeidProcesses& p, const std::string& path,
                    const std::vector<std::string>& selectors, const std::string& flags = "") {
    std::string id = "spiffe://" + p.trust_domain() + path;
    std::string entry = p.CreateEntry(id, p.AgentId(), selectors, flags);
    EXPECT_FALSE(entry.empty()) << id;
    return id;
  }

  // The independent workload client against `p`'s agent; files go to `out`. Null when it
  // failed (a failure of the test unless `polling`).
  nlohmann::json Workload(EdgeidProcesses& p, const std::string& out, const std::string& audience,
                          const std::string& token = "", bool polling = false) {
    std::filesystem::create_directories(out);
    auto r = RunCommand(kPython + " " + kClient + " workload " + EDGEID_SOURCE_DIR + "/proto " +
                        p.agent_socket() + " " + out + " " + audience + " " + token + " 2>&1");
    if (r.exit_code != 0) {
      if (!polling) ADD_FAILURE() << r.output;
      return {};
    }
    try {
      return nlohmann::json::parse(r.output);
    } catch (const std::exception&) {
      ADD_FAILURE() << r.output;
      return {};
    }
  }

  nlohmann::json Oidc(const std::string& audience, const std::vector<std::string>& tokens) {
    std::string args;
    for (const auto& t : tokens) args += " " + t;
    auto r = RunCommand(kPython + " " + kClient + " oidc " + Issuer() +
                        "/.well-known/openid-configuration " + dir_.File("web-ca.pem") + " " +
                        audience + args + " 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    try {
      return nlohmann::json::parse(r.output);
    } catch (const std::exception&) {
      ADD_FAILURE() << r.output;
      return {};
    }
  }

  // The number of b.test authorities A's server holds.
  int FederatedAuthoritiesOnA() {
    auto r = a_->ServerCli("bundle list --id b.test");
    return r.exit_code == 0 ? CountCertificates(r.output) : -1;
  }
  int OwnAuthorities(EdgeidProcesses& p) {
    auto r = p.ServerCli("bundle show");
    return r.exit_code == 0 ? CountCertificates(r.output) : -1;
  }

  TempDir dir_;
  std::unique_ptr<EdgeidProcesses> a_;
  std::unique_ptr<EdgeidProcesses> b_;
  std::string a_endpoint_port_, b_endpoint_port_, oidc_port_;
};

TEST_F(FederationTest, WorkloadsOfTwoTrustDomainsTrustEachOtherAndJwtSvidsVerifyThroughOidc) {
  StartB();
  StartA();
  // B federates with A through the CLI. A's endpoint is https_web: B needs no bundle of A to
  // start, only the CA of A's Web-PKI certificate.
  auto created = b_->ServerCli(
      "federation create --trust-domain a.test --bundle-endpoint-url https://127.0.0.1:" +
      a_endpoint_port_ + " --bundle-endpoint-profile https_web --endpoint-ca-file " +
      dir_.File("web-ca.pem"));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  auto listed = b_->ServerCli("federation list");
  EXPECT_NE(listed.output.find("Found 1 federation relationship"), std::string::npos)
      << listed.output;
  EXPECT_NE(listed.output.find("https_web"), std::string::npos) << listed.output;
  auto refreshed = b_->ServerCli("federation refresh --id a.test");
  EXPECT_EQ(refreshed.exit_code, 0) << refreshed.output;
  auto shown = a_->ServerCli("federation show --id b.test --output json");
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_EQ(nlohmann::json::parse(shown.output)["bundle_endpoint_profile"], "https_spiffe");

  StartAgent(*a_);
  StartAgent(*b_);
  // A: the Python workload federates with b.test; edgeid-agent's own CLI, as a second workload,
  // does not.
  std::string frontend =
      Entry(*a_, "/frontend", {UidSelector(), PathSelector(kPython)}, "--federates-with b.test");
  std::string local = Entry(*a_, "/local", {UidSelector(), PathSelector(EDGEID_AGENT_BINARY)});
  // B: every workload of this uid federates with a.test.
  std::string backend = Entry(*b_, "/backend", {UidSelector()}, "--federates-with a.test");

  // Each side's workload receives the other trust domain's bundle: in FetchX509SVID's
  // federated_bundles, FetchX509Bundles and FetchJWTBundles.
  nlohmann::json on_a;
  ASSERT_TRUE(WaitFor([&] {
    on_a = Workload(*a_, dir_.File("wa"), "cloud-iam", "", true);
    return on_a.is_object() && on_a.value("spiffe_id", "") == frontend &&
           on_a["federated_bundles"].contains("spiffe://b.test");
  })) << on_a.dump();
  EXPECT_EQ(on_a["federated_bundles"].size(), 1u);
  EXPECT_EQ(on_a["x509_bundles"].size(), 2u) << on_a.dump();
  EXPECT_TRUE(on_a["jwt_bundles"].contains("spiffe://b.test")) << on_a.dump();
  EXPECT_EQ(on_a["jwt_bundles"]["spiffe://b.test"], 1) << "B's JWT key";
  nlohmann::json on_b;
  ASSERT_TRUE(WaitFor([&] {
    on_b = Workload(*b_, dir_.File("wb"), "cloud-iam", "", true);
    return on_b.is_object() && on_b.value("spiffe_id", "") == backend &&
           on_b["federated_bundles"].contains("spiffe://a.test");
  })) << on_b.dump();

  // A workload without federates_with gets only its own trust domain.
  auto local_fetch = a_->AgentCli("api fetch x509 --write " + dir_.File("local"));
  ASSERT_EQ(local_fetch.exit_code, 0) << local_fetch.output;
  EXPECT_EQ(UriSanOf(dir_.File("local/svid.0.pem")), local);
  EXPECT_FALSE(std::filesystem::exists(dir_.File("local/federated_bundle.0.0.pem")));

  // Cross-domain mutual TLS with the openssl CLI: B's backend serves, A's frontend connects,
  // each trusting only the other's trust domain's bundle as its agent handed it over.
  std::string port = FreePort();
  testing::ChildProcess s_server(
      {"/usr/bin/openssl", "s_server", "-accept", "127.0.0.1:" + port, "-cert",
       dir_.File("wb/svid.pem"), "-key", dir_.File("wb/svid.key"), "-CAfile",
       dir_.File("wb/federated.a.test.pem"), "-Verify", "2", "-verify_return_error", "-naccept",
       "1", "-www"},
      dir_.File("s_server.log"));
  ASSERT_TRUE(s_server.WaitForOutput("ACCEPT")) << s_server.Output();
  auto client = RunCommand(
      "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | openssl s_client -connect "
      "127.0.0.1:" +
      port + " -cert " + dir_.File("wa/svid.pem") + " -key " + dir_.File("wa/svid.key") +
      " -CAfile " + dir_.File("wa/federated.b.test.pem") +
      " -verify_return_error -showcerts -ign_eof 2>&1");
  ASSERT_EQ(client.exit_code, 0) << client.output << s_server.Output();
  EXPECT_NE(client.output.find("Verify return code: 0 (ok)"), std::string::npos);
  auto reported = client.output.find("Client certificate");
  ASSERT_NE(reported, std::string::npos) << client.output;
  auto begin = client.output.find("-----BEGIN CERTIFICATE-----", reported);
  auto end = client.output.find("-----END CERTIFICATE-----", reported);
  ASSERT_NE(end, std::string::npos);
  WriteTestFile(dir_.File("seen_by_b.pem"), client.output.substr(begin, end + 25 - begin) + "\n");
  EXPECT_EQ(UriSanOf(dir_.File("seen_by_b.pem")), frontend);
  auto server_cert = client.output.find("-----BEGIN CERTIFICATE-----");
  WriteTestFile(dir_.File("seen_by_a.pem"),
                client.output.substr(server_cert, client.output.find("-----END CERTIFICATE-----") +
                                                      25 - server_cert) +
                    "\n");
  EXPECT_EQ(UriSanOf(dir_.File("seen_by_a.pem")), backend);
  EXPECT_TRUE(s_server.Wait(std::chrono::seconds(10)).has_value());
  // Trusting its own trust domain only, A's frontend refuses B's backend.
  testing::ChildProcess s_server2(
      {"/usr/bin/openssl", "s_server", "-accept", "127.0.0.1:" + port, "-cert",
       dir_.File("wb/svid.pem"), "-key", dir_.File("wb/svid.key"), "-CAfile",
       dir_.File("wb/federated.a.test.pem"), "-naccept", "1", "-www"},
      dir_.File("s_server2.log"));
  ASSERT_TRUE(s_server2.WaitForOutput("ACCEPT")) << s_server2.Output();
  auto own_only = RunCommand(
      "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | openssl s_client -connect "
      "127.0.0.1:" +
      port + " -CAfile " + dir_.File("wa/bundle.pem") + " -verify_return_error -ign_eof 2>&1");
  EXPECT_NE(own_only.exit_code, 0) << own_only.output;
  s_server2.Wait(std::chrono::seconds(10));

  // B's JWT-SVID, as a cloud IAM verifies it: discovery document and JWKS over HTTPS, the
  // signature, audience, issuer and expiry checked by python3-jwt.
  std::string token = on_b["jwt"];
  std::string tampered = token.substr(0, token.size() - 4) +
                         (token.substr(token.size() - 4) == "AAAA" ? "BBBB" : "AAAA");
  auto oidc = Oidc("cloud-iam", {token, tampered});
  EXPECT_EQ(oidc["issuer"], Issuer());
  EXPECT_EQ(oidc["jwks_uri"], Issuer() + "/keys");
  EXPECT_FALSE(oidc["system_roots_trusted_it"]) << "only the test's CA vouches for it";
  ASSERT_EQ(oidc["tokens"].size(), 2u);
  EXPECT_TRUE(oidc["tokens"][0]["valid"]) << oidc.dump();
  EXPECT_EQ(oidc["tokens"][0]["sub"], backend);
  EXPECT_FALSE(oidc["tokens"][1]["valid"]) << "a tampered signature";
  auto wrong_audience = Oidc("someone-else", {token});
  EXPECT_FALSE(wrong_audience["tokens"][0]["valid"]);
  EXPECT_EQ(wrong_audience["tokens"][0]["error"], "InvalidAudienceError");

  // ValidateJWTSVID on A: B's token is accepted for the workload that federates with b.test and
  // refused for the one that does not.
  auto validated = Workload(*a_, dir_.File("wa2"), "cloud-iam", token);
  EXPECT_EQ(validated["validated"]["code"], "OK") << validated.dump();
  EXPECT_EQ(validated["validated"]["spiffe_id"], backend);
  EXPECT_EQ(validated["validated"]["iss"], Issuer());
  auto refused = a_->AgentCli("api validate jwt --audience cloud-iam --svid " + token);
  EXPECT_NE(refused.exit_code, 0) << refused.output;
  EXPECT_NE(refused.output.find("b.test"), std::string::npos) << refused.output;
  // A's own tokens carry no issuer (none configured) and stay valid on A.
  auto own = Workload(*a_, dir_.File("wa3"), "cloud-iam", on_a["jwt"]);
  EXPECT_EQ(own["validated"]["code"], "OK") << own.dump();
  EXPECT_EQ(own["validated"]["iss"], "");
}

TEST_F(FederationTest, RotationOutagesAndImpostorsAcrossTheFederation) {
  // B's CA and JWT key live 45 s: the next ones are prepared after about 23 s and activated after
  // about 38 s.
  StartB({"--ca-ttl", "45s", "--default-x509-svid-ttl", "10s"});
  auto start = SteadyClock::now();
  StartA();
  StartAgent(*a_);
  std::string frontend = Entry(*a_, "/frontend", {UidSelector()}, "--federates-with b.test");
  auto federated_on_agent = [&] {
    auto fetched = a_->AgentCli("api fetch x509 --write " + dir_.File("wa"));
    if (fetched.exit_code != 0) return -1;
    auto pem = RunCommand("cat " + dir_.File("wa/federated_bundle.0.0.pem") + " 2>/dev/null");
    return CountCertificates(pem.output);
  };
  ASSERT_TRUE(WaitFor([&] { return federated_on_agent() == 1; }));

  // Every second until B's next JWT key is active and the old one expired: B's JWKS as OIDC
  // serves it, and a token minted on B. A key is published before any token names it, and
  // stays published while any token it signed is unexpired.
  httplib::SSLClient jwks_client("127.0.0.1", std::stoi(oidc_port_));
  jwks_client.set_ca_cert_path(dir_.File("web-ca.pem"));
  jwks_client.enable_server_certificate_verification(true);
  struct Minted {
    std::string token;
    std::string kid;
    int64_t exp;
  };
  std::vector<Minted> minted;
  std::set<std::string> kids_seen;
  bool b_rotation_reached_a = false;
  auto deadline = start + std::chrono::seconds(75);
  while (SteadyClock::now() < deadline) {
    auto jwks = jwks_client.Get("/keys");
    ASSERT_TRUE(jwks && jwks->status == 200);
    std::set<std::string> published;
    auto jwks_json = nlohmann::json::parse(jwks->body);
    for (const auto& key : jwks_json["keys"]) {
      published.insert(key["kid"].get<std::string>());
    }
    int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    for (const auto& m : minted) {
      if (m.exp > now + 1) {
        EXPECT_TRUE(published.count(m.kid)) << "key " << m.kid << " left the JWKS while a token "
                                            << "it signed is valid until " << m.exp;
      }
    }
    auto mint = b_->ServerCli("jwt mint --spiffe-id spiffe://b.test/w --audience cloud-iam");
    ASSERT_EQ(mint.exit_code, 0) << mint.output;
    std::string token = mint.output.substr(0, mint.output.find('\n'));
    auto parts = RunCommand(kPython +
                            " -c 'import jwt,json,sys; t=sys.argv[1]; print(json.dumps("
                            "[jwt.get_unverified_header(t)[\"kid\"], jwt.decode(t, "
                            "options={\"verify_signature\": False})[\"exp\"]]))' " +
                            token);
    auto parsed = nlohmann::json::parse(parts.output);
    Minted m{token, parsed[0].get<std::string>(), parsed[1].get<int64_t>()};
    EXPECT_TRUE(published.count(m.kid))
        << "token signed by " << m.kid << " before it was published: " << jwks->body;
    minted.push_back(m);
    kids_seen.insert(m.kid);

    // B's CA rotation reaches A's workload within one refresh hint (2 s) and a sync (1 s) of B
    // publishing it, here checked with 4 s to spare.
    if (!b_rotation_reached_a && OwnAuthorities(*b_) == 2) {
      auto published_at = SteadyClock::now();
      ASSERT_TRUE(WaitFor([&] { return federated_on_agent() == 2; }, std::chrono::seconds(7)))
          << "A's workload did not see B's new CA in time";
      EXPECT_EQ(FederatedAuthoritiesOnA(), 2);
      b_rotation_reached_a = true;
      std::cout << "B's new CA reached A's workload "
                << std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() -
                                                                         published_at)
                       .count()
                << " ms after B published it\n";
    }
    if (kids_seen.size() == 2 && published.size() == 1 && b_rotation_reached_a) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  EXPECT_TRUE(b_rotation_reached_a);
  ASSERT_EQ(kids_seen.size(), 2u) << "B's JWT key did not rotate";
  // The newest token verifies for the cloud IAM with the JWKS of today.
  auto oidc = Oidc("cloud-iam", {minted.back().token});
  EXPECT_TRUE(oidc["tokens"][0]["valid"]) << oidc.dump();
  EXPECT_EQ(oidc["kids"].size(), 1u) << "the first key left once its tokens expired";

  // B goes down: A keeps the last bundle of b.test it fetched and its workload keeps it too.
  // Read once B is gone, so that no poll can still bring a newer one (B keeps rotating).
  b_->StopServer();
  auto refresh = a_->ServerCli("federation refresh --id b.test");
  EXPECT_NE(refresh.exit_code, 0);
  EXPECT_NE(refresh.output.find("https://127.0.0.1:" + b_endpoint_port_), std::string::npos)
      << refresh.output;
  auto last_bundle = a_->ServerCli("bundle list --id b.test --format spiffe");
  ASSERT_EQ(last_bundle.exit_code, 0) << last_bundle.output;
  int last_count = FederatedAuthoritiesOnA();
  ASSERT_GE(last_count, 1);
  ASSERT_TRUE(WaitFor([&] { return federated_on_agent() == last_count; }));
  std::this_thread::sleep_for(std::chrono::seconds(4));  // two refresh hints of failed polls
  EXPECT_EQ(a_->ServerCli("bundle list --id b.test --format spiffe").output, last_bundle.output);
  EXPECT_EQ(federated_on_agent(), last_count);
  EXPECT_NE(a_->server()->Output().find("keeping the last one"), std::string::npos);

  // Back again, but A now expects another SPIFFE ID at that endpoint: refused, bundle kept.
  ASSERT_TRUE(b_->StartServer()) << b_->error();
  b_endpoint_port_ = BundleEndpointPort(*b_);  // another free port this time
  auto updated = a_->ServerCli(
      "federation update --trust-domain b.test --bundle-endpoint-url https://127.0.0.1:" +
      b_endpoint_port_ +
      " --bundle-endpoint-profile https_spiffe --endpoint-spiffe-id spiffe://b.test/impostor");
  ASSERT_EQ(updated.exit_code, 0) << updated.output;
  refresh = a_->ServerCli("federation refresh --id b.test");
  EXPECT_NE(refresh.exit_code, 0);
  EXPECT_NE(refresh.output.find("presented spiffe://b.test/edgeid/server, not "
                                "spiffe://b.test/impostor"),
            std::string::npos)
      << refresh.output;
  // (A may have fetched B's newer bundle between B's return and the update.)
  last_bundle = a_->ServerCli("bundle list --id b.test --format spiffe");
  std::this_thread::sleep_for(std::chrono::seconds(3));  // polls of the impostor's endpoint
  EXPECT_EQ(a_->ServerCli("bundle list --id b.test --format spiffe").output, last_bundle.output);
  EXPECT_NE(a_->server()->Output().find("not spiffe://b.test/impostor"), std::string::npos);
  // A relationship with A's own trust domain is refused outright.
  auto own = a_->ServerCli(
      "federation create --trust-domain a.test --bundle-endpoint-url https://127.0.0.1:1"
      " --bundle-endpoint-profile https_web");
  EXPECT_NE(own.exit_code, 0);
  EXPECT_NE(own.output.find("this server's own"), std::string::npos) << own.output;
  // The right ID again: refreshed at once.
  updated = a_->ServerCli(
      "federation update --trust-domain b.test --bundle-endpoint-url https://127.0.0.1:" +
      b_endpoint_port_ +
      " --bundle-endpoint-profile https_spiffe --endpoint-spiffe-id spiffe://b.test/edgeid/server");
  ASSERT_EQ(updated.exit_code, 0) << updated.output;
  refresh = a_->ServerCli("federation refresh --id b.test");
  EXPECT_EQ(refresh.exit_code, 0) << refresh.output;
  // Deleting the relationship keeps the bundle (the unit test shows the polling stops).
  auto deleted = a_->ServerCli("federation delete --id b.test");
  EXPECT_EQ(deleted.exit_code, 0) << deleted.output;
  EXPECT_GE(FederatedAuthoritiesOnA(), 1);
  EXPECT_NE(a_->ServerCli("federation show --id b.test").exit_code, 0);
}

}  // namespace
}  // namespace edgeid
