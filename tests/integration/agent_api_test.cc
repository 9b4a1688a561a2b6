// The agent API of a real edgeid-server process over TLS on loopback: node attestation with
// join tokens and x509pop (its CA and node certificate made with the openssl CLI, as in the
// paper), entry sync, signing, renewal, ban and evict, and every refusal.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <thread>

#include "agent/client/server_client.h"
#include "common/atomic_file.h"
#include "crypto/csr.h"
#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "grpctls/spiffe_tls.h"
#include "nodeattestor/x509pop/x509pop.h"
#include "spiffe/jwt_svid.h"
#include "spiffe/spiffe_bundle.h"
#include "testing/command.h"
#include "testing/node_pki.h"
#include "testing/process.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid {
namespace {

using agent::ServerClient;
using edgeid::testing::ChildProcess;
using edgeid::testing::CommandResult;
using edgeid::testing::ReadTestFile;
using edgeid::testing::RunCommand;
using edgeid::testing::TempDir;
using edgeid::testing::Unwrap;
using edgeid::testing::WriteTestFile;
namespace v1 = server::v1;

constexpr char kTd[] = "example.org";

using edgeid::testing::NewP256Key;

class AgentApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new TempDir();
    // The node PKI of the paper: a root CA and a node certificate, made with openssl.
    const std::string d = pki_->path();
    ASSERT_EQ(testing::MakeOpensslNodePki(d), "");
    // A look-alike from a CA the server does not trust.
    const std::string rogue =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + d +
        "/rogue.key -out " + d +
        "/rogue.pem -days 2 -subj /CN=edge-node-1 -addext "
        "keyUsage=critical,digitalSignature -addext basicConstraints=critical,CA:FALSE";
    auto r = RunCommand(rogue + " 2>&1");
    ASSERT_EQ(r.exit_code, 0) << rogue << "\n" << r.output;
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  void SetUp() override { StartServer(); }

  void StartServer(const std::string& extra_toml = "[server.ratelimit]\nattestation = 1000\n") {
    WriteTestFile(dir_.File("server.toml"),
                  extra_toml +
                      "\n[plugins.node_attestor.join_token]\n"
                      "[plugins.node_attestor.x509pop]\nca_bundle_path = \"" +
                      pki_->File("ca.pem") + "\"\n");
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{EDGEID_SERVER_BINARY, "run", "--config", dir_.File("server.toml"),
                                 "--trust-domain", kTd, "--data-dir", dir_.File("data"),
                                 "--admin-socket", Socket(), "--bind-port", "0", "--health-port",
                                 "0"},
        dir_.File("server-" + std::to_string(++starts_) + ".log"));
    ASSERT_TRUE(server_->WaitForOutput("edgeid-server ready")) << server_->Output();
    std::smatch m;
    std::string log = server_->Output();
    ASSERT_TRUE(std::regex_search(log, m, std::regex("agent API listening on 127.0.0.1:(\\d+)")));
    port_ = std::stoi(m[1]);
    ASSERT_TRUE(
        std::regex_search(log, m, std::regex("metrics listening on http://127.0.0.1:(\\d+)")));
    health_port_ = std::stoi(m[1]);
    auto pem = Cli("bundle show");
    ASSERT_EQ(pem.exit_code, 0) << pem.output;
    bundle_pem_ = pem.output;
    WriteTestFile(dir_.File("bundle.pem"), bundle_pem_);
  }
  void StopServer() {
    server_->Signal(SIGTERM);
    ASSERT_EQ(server_->Wait(), 0) << server_->Output();
  }

  std::string Socket() const { return dir_.File("admin/api.sock"); }
  CommandResult Cli(const std::string& args) {
    return RunCommand(std::string(EDGEID_SERVER_BINARY) + " " + args + " --admin-socket " +
                      Socket() + " 2>&1");
  }
  std::string Token(const std::string& ttl = "600") {
    auto r = Cli("token generate --ttl " + ttl + " --output json");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return nlohmann::json::parse(r.output)["value"];
  }
  std::string CreateEntry(const std::string& spiffe_id, const std::string& parent,
                          const std::string& more = "--selector unix:uid:1000") {
    auto r = Cli("entry create --spiffe-id " + spiffe_id + " --parent-id " + parent + " " + more +
                 " --output json");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return nlohmann::json::parse(r.output)["results"][0]["entry"]["id"];
  }

  static spiffe::TrustDomain ServerTrustDomain() { return Unwrap(spiffe::TrustDomain::Parse(kTd)); }
  std::shared_ptr<const spiffe::X509BundleSource> Bundles() const {
    auto td = Unwrap(spiffe::TrustDomain::Parse(kTd));
    return std::make_shared<grpctls::StaticX509BundleSource>(
        Unwrap(spiffe::X509Bundle::FromPem(td, bundle_pem_)));
  }
  std::unique_ptr<ServerClient> Client() const {
    return std::make_unique<ServerClient>("127.0.0.1:" + std::to_string(port_),
                                          Unwrap(spiffe::TrustDomain::Parse(kTd)), Bundles(),
                                          std::chrono::seconds(10));
  }
  // An attested agent (join token) with its client authenticated.
  std::unique_ptr<ServerClient> JoinedAgent(std::optional<spiffe::X509Svid>* svid_out = nullptr) {
    auto client = Client();
    auto result = Unwrap(client->AttestJoinToken(Token(), NewP256Key()));
    EXPECT_TRUE(client->UseIdentity(result.svid).ok());
    if (svid_out != nullptr) *svid_out = result.svid;
    return client;
  }
  crypto::CertificateChain NodeChain() const {
    return Unwrap(crypto::ParseCertificatesPem(ReadTestFile(pki_->File("node.pem"))));
  }
  crypto::PrivateKey NodeKey() const {
    return Unwrap(crypto::PrivateKey::FromPem(ReadTestFile(pki_->File("node.key"))));
  }
  // Polls the server's /metrics until a line starts with `line` (a gauge reaching a value).
  bool WaitForMetric(const std::string& line) {
    httplib::Client http("127.0.0.1", health_port_);
    for (int attempt = 0; attempt < 200; ++attempt) {
      auto res = http.Get("/metrics");
      if (res && res->status == 200 && res->body.find("\n" + line + "\n") != std::string::npos) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  // `openssl verify` of a chain against the server's bundle, as an independent check.
  void ExpectOpensslVerifies(const crypto::CertificateChain& chain) {
    WriteTestFile(dir_.File("leaf.pem"), chain.front().ToPem());
    crypto::CertificateChain rest(chain.begin() + 1, chain.end());
    std::string untrusted;
    if (!rest.empty()) {
      WriteTestFile(dir_.File("chain.pem"), crypto::CertificatesToPem(rest));
      untrusted = " -untrusted " + dir_.File("chain.pem");
    }
    auto r = RunCommand("openssl verify -CAfile " + dir_.File("bundle.pem") + untrusted + " " +
                        dir_.File("leaf.pem") + " 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }

  static TempDir* pki_;
  TempDir dir_;
  int starts_ = 0;
  int port_ = 0;
  int health_port_ = 0;
  std::string bundle_pem_;
  std::unique_ptr<ChildProcess> server_;
};

TempDir* AgentApiTest::pki_ = nullptr;

TEST_F(AgentApiTest, JoinTokenAttestsOnceAndIssuesTheAgentSvid) {
  std::string token = Token();
  auto client = Client();
  auto key = NewP256Key();
  auto result = Unwrap(client->AttestJoinToken(token, key));
  EXPECT_EQ(result.svid.id.str(), "spiffe://example.org/edgeid/agent/join_token/" + token);
  EXPECT_FALSE(result.reattestable);
  EXPECT_TRUE(result.svid.leaf().public_key() == key.public_key());
  ExpectOpensslVerifies(result.svid.chain);

  auto again = Client()->AttestJoinToken(token, NewP256Key());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(again.error().message.find("unknown or already used"), std::string::npos);

  auto unknown = Client()->AttestJoinToken("00000000-0000-4000-8000-000000000000", NewP256Key());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kPermissionDenied);

  std::string short_lived = Token("1");
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  auto expired = Client()->AttestJoinToken(short_lived, NewP256Key());
  ASSERT_FALSE(expired.ok());
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos);

  auto shown = Cli("agent show --spiffe-id " + result.svid.id.str());
  EXPECT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_NE(shown.output.find("Attestation type  : join_token"), std::string::npos);
  EXPECT_NE(server_->Output().find("join_token: token is unknown or already used"),
            std::string::npos)
      << "refusals are logged";
}

TEST_F(AgentApiTest, MalformedCsrIsRefusedWithoutUsingTheToken) {
  std::string token = Token();
  auto stub = v1::NodeService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(port_),
      Unwrap(grpctls::ChannelCredentials({std::nullopt, Bundles(),
                                          grpctls::AuthorizeId(Unwrap(spiffe::SpiffeId::Parse(
                                              "spiffe://example.org/edgeid/server"))),
                                          false, ServerTrustDomain()}))));
  grpc::ClientContext context;
  auto stream = stub->AttestAgent(&context);
  v1::AttestAgentRequest request;
  request.mutable_params()->mutable_data()->set_type("join_token");
  request.mutable_params()->mutable_data()->set_payload(token);
  request.mutable_params()->set_csr("not a CSR");
  stream->Write(request);
  stream->WritesDone();
  v1::AttestAgentResponse response;
  while (stream->Read(&response)) {
  }
  auto status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_TRUE(Client()->AttestJoinToken(token, NewP256Key()).ok()) << "the token is still usable";
}

TEST_F(AgentApiTest, X509PopDerivesIdAndSelectorsFromTheCertificate) {
  auto chain = NodeChain();
  auto result = Unwrap(Client()->AttestX509Pop(chain, NodeKey(), NewP256Key()));
  // The SHA-256 of the TBSCertificate (X509PopTest checks it against OpenSSL's encoding).
  std::string fingerprint =
      crypto::HexEncode(crypto::Sha256(Unwrap(chain.front().SignedContentsDer())));
  EXPECT_EQ(result.svid.id.str(), "spiffe://example.org/edgeid/agent/x509pop/" + fingerprint);
  EXPECT_TRUE(result.reattestable);

  auto shown = Cli("agent show --output json --spiffe-id " + result.svid.id.str());
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  std::set<std::string> selectors;
  const auto doc = nlohmann::json::parse(shown.output);
  for (const auto& s : doc["selectors"]) {
    selectors.insert(s["type"].get<std::string>() + ":" + s["value"].get<std::string>());
  }
  auto ca = Unwrap(crypto::Certificate::FromPem(ReadTestFile(pki_->File("ca.pem"))));
  EXPECT_TRUE(selectors.contains("x509pop:subject:cn:edge-node-1")) << shown.output;
  EXPECT_TRUE(selectors.contains("x509pop:serialnumber:" + chain.front().serial_hex()));
  EXPECT_TRUE(selectors.contains("x509pop:san:dns:edge-node-1.local"));
  EXPECT_TRUE(
      selectors.contains("x509pop:ca:fingerprint:" + crypto::HexEncode(crypto::Sha1(ca.ToDer()))));

  // The same node attests again (a new agent key), keeping its ID.
  auto again = Unwrap(Client()->AttestX509Pop(chain, NodeKey(), NewP256Key()));
  EXPECT_EQ(again.svid.id, result.svid.id);
}

TEST_F(AgentApiTest, X509PopRefusesWrongKeyUntrustedCaAndReplayedResponse) {
  auto wrong_key = Client()->AttestX509Pop(NodeChain(), NewP256Key(), NewP256Key());
  ASSERT_FALSE(wrong_key.ok());
  EXPECT_EQ(wrong_key.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(wrong_key.error().message.find("does not match"), std::string::npos);

  auto rogue = Unwrap(crypto::ParseCertificatesPem(ReadTestFile(pki_->File("rogue.pem"))));
  auto rogue_key = Unwrap(crypto::PrivateKey::FromPem(ReadTestFile(pki_->File("rogue.key"))));
  auto untrusted = Client()->AttestX509Pop(rogue, rogue_key, NewP256Key());
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(untrusted.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(untrusted.error().message.find("not trusted"), std::string::npos);

  // Replay: a response recorded in one attestation, sent back in another.
  auto creds = Unwrap(grpctls::ChannelCredentials(
      {std::nullopt, Bundles(),
       grpctls::AuthorizeId(Unwrap(spiffe::SpiffeId::Parse("spiffe://example.org/edgeid/server"))),
       false, ServerTrustDomain()}));
  auto stub =
      v1::NodeService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port_), creds));
  auto params = [&] {
    v1::X509PopAttestationData data;
    for (const auto& c : NodeChain()) data.add_chain(c.ToDer());
    v1::AttestAgentRequest r;
    r.mutable_params()->mutable_data()->set_type("x509pop");
    r.mutable_params()->mutable_data()->set_payload(data.SerializeAsString());
    r.mutable_params()->set_csr(Unwrap(crypto::CertificateRequest::Create(NewP256Key())).ToDer());
    return r;
  };
  std::string recorded;
  {
    grpc::ClientContext context;
    auto stream = stub->AttestAgent(&context);
    stream->Write(params());
    v1::AttestAgentResponse challenge;
    ASSERT_TRUE(stream->Read(&challenge));
    v1::X509PopChallenge parsed;
    ASSERT_TRUE(parsed.ParseFromString(challenge.challenge()));
    auto answer = Unwrap(nodeattestor::x509pop::RespondToChallenge(NodeKey(), parsed.nonce()));
    v1::X509PopResponse out;
    out.set_nonce(answer.nonce);
    out.set_signature(answer.signature);
    recorded = out.SerializeAsString();
    v1::AttestAgentRequest reply;
    reply.set_challenge_response(recorded);
    stream->Write(reply);
    stream->WritesDone();
    while (stream->Read(&challenge)) {
    }
    ASSERT_TRUE(stream->Finish().ok());
  }
  grpc::ClientContext context;
  auto stream = stub->AttestAgent(&context);
  stream->Write(params());
  v1::AttestAgentResponse challenge;
  ASSERT_TRUE(stream->Read(&challenge));
  v1::AttestAgentRequest reply;
  reply.set_challenge_response(recorded);
  stream->Write(reply);
  stream->WritesDone();
  while (stream->Read(&challenge)) {
  }
  auto status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
}

TEST_F(AgentApiTest, SyncSendsAuthorisedEntriesAndThenOnlyDiffs) {
  std::optional<spiffe::X509Svid> agent_svid;
  auto client = JoinedAgent(&agent_svid);
  const std::string agent_id = agent_svid->id.str();
  std::string web = CreateEntry("spiffe://example.org/web", agent_id);
  std::string child = CreateEntry("spiffe://example.org/web/child", "spiffe://example.org/web");
  CreateEntry("spiffe://example.org/other", "spiffe://example.org/edgeid/agent/someone-else");

  auto full = Unwrap(client->SyncEntries({}));
  std::set<std::string> ids;
  std::map<std::string, int64_t> known;
  for (const auto& e : full.changed) {
    ids.insert(e.id());
    known[e.id()] = e.revision_number();
  }
  EXPECT_EQ(ids, (std::set<std::string>{web, child}));
  EXPECT_EQ(full.total, 2);

  auto none = Unwrap(client->SyncEntries(known));
  EXPECT_TRUE(none.changed.empty());
  EXPECT_TRUE(none.removed_ids.empty());

  auto updated = Cli("entry update --entry-id " + web +
                     " --spiffe-id spiffe://example.org/web"
                     " --parent-id " +
                     agent_id + " --selector unix:uid:1001");
  ASSERT_EQ(updated.exit_code, 0) << updated.output;
  ASSERT_EQ(Cli("entry delete --entry-id " + child).exit_code, 0);
  auto diff = Unwrap(client->SyncEntries(known));
  ASSERT_EQ(diff.changed.size(), 1u);
  EXPECT_EQ(diff.changed[0].id(), web);
  EXPECT_EQ(diff.changed[0].selectors(0).value(), "uid:1001");
  EXPECT_EQ(diff.removed_ids, std::vector<std::string>{child});
  EXPECT_EQ(diff.total, 1);

  auto malformed = client->SyncEntries({{std::string(300, 'x'), 1}});
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(AgentApiTest, NodeAliasGivesMatchingAgentsItsEntries) {
  ASSERT_EQ(Cli("entry create --node --spiffe-id spiffe://example.org/cluster/edge"
                " --selector x509pop:subject:cn:edge-node-1")
                .exit_code,
            0);
  std::string sensor =
      CreateEntry("spiffe://example.org/sensor", "spiffe://example.org/cluster/edge");

  auto pop = Client();
  auto attested = Unwrap(pop->AttestX509Pop(NodeChain(), NodeKey(), NewP256Key()));
  ASSERT_TRUE(pop->UseIdentity(attested.svid).ok());
  auto synced = Unwrap(pop->SyncEntries({}));
  ASSERT_EQ(synced.changed.size(), 1u);
  EXPECT_EQ(synced.changed[0].id(), sensor);

  auto joined = JoinedAgent();
  EXPECT_TRUE(Unwrap(joined->SyncEntries({})).changed.empty()) << "no x509pop selectors";
  auto refused = Unwrap(joined->BatchNewX509Svid(
      {{sensor, Unwrap(crypto::CertificateRequest::Create(NewP256Key())).ToDer()}}));
  ASSERT_FALSE(refused[0].ok());
  EXPECT_EQ(refused[0].error().code, ErrorCode::kPermissionDenied);
}

TEST_F(AgentApiTest, BatchSigningTakesTheIdFromTheEntryAndChecksEachCsr) {
  std::optional<spiffe::X509Svid> agent_svid;
  auto client = JoinedAgent(&agent_svid);
  std::string web =
      CreateEntry("spiffe://example.org/web", agent_svid->id.str(),
                  "--selector unix:uid:1000 --dns-name web.local --x509-svid-ttl 10m");
  std::string foreign =
      CreateEntry("spiffe://example.org/other", "spiffe://example.org/edgeid/agent/someone-else");

  auto key = NewP256Key();
  // The CSR asks for another identity; the server must ignore it.
  auto evil_csr = Unwrap(crypto::CertificateRequest::Create(
      key, {"", {"spiffe://example.org/admin"}, {"evil.example"}}));
  std::string tampered = Unwrap(crypto::CertificateRequest::Create(NewP256Key())).ToDer();
  tampered[tampered.size() - 5] ^= 0x55;  // inside the signature

  auto results = Unwrap(client->BatchNewX509Svid({{web, evil_csr.ToDer()},
                                                  {foreign, evil_csr.ToDer()},
                                                  {web, "garbage"},
                                                  {web, tampered},
                                                  {"no-such-entry", evil_csr.ToDer()}}));
  ASSERT_EQ(results.size(), 5u);
  ASSERT_TRUE(results[0].ok()) << results[0].error().message;
  const auto& leaf = results[0]->chain.front();
  EXPECT_EQ(leaf.uri_sans(), std::vector<std::string>{"spiffe://example.org/web"});
  EXPECT_EQ(leaf.dns_sans(), std::vector<std::string>{"web.local"});
  EXPECT_TRUE(leaf.public_key() == key.public_key());
  EXPECT_LE(leaf.not_after() - leaf.not_before(), std::chrono::minutes(11));
  ExpectOpensslVerifies(results[0]->chain);
  EXPECT_EQ(results[1].error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(results[2].error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(results[3].error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(results[4].error().code, ErrorCode::kPermissionDenied);

  auto jwt = Unwrap(client->NewJwtSvid(web, {"mqtt-broker"}));
  EXPECT_EQ(jwt.id(), "spiffe://example.org/web");
  auto bundles = Unwrap(client->GetBundles());
  ASSERT_FALSE(bundles.empty());
  auto td = Unwrap(spiffe::TrustDomain::Parse(kTd));
  auto bundle = Unwrap(spiffe::SpiffeBundle::Parse(td, bundles[0].spiffe_bundle_json()));
  struct Source : spiffe::JwtBundleSource {
    spiffe::JwtBundle b;
    explicit Source(spiffe::JwtBundle bundle) : b(std::move(bundle)) {}
    Result<spiffe::JwtBundle> GetJwtBundle(const spiffe::TrustDomain&) const override { return b; }
  } source(bundle.jwt());
  auto validated =
      spiffe::ValidateJwtSvid(jwt.token(), source, "mqtt-broker", std::chrono::system_clock::now());
  ASSERT_TRUE(validated.ok()) << validated.error().message;
  EXPECT_EQ(validated->id.str(), "spiffe://example.org/web");

  EXPECT_EQ(client->NewJwtSvid(foreign, {"a"}).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(client->NewJwtSvid(web, {}).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(AgentApiTest, RenewalKeepsTheOldSvidUntilTheNewOneIsUsed) {
  std::optional<spiffe::X509Svid> first;
  auto client = JoinedAgent(&first);
  auto renewed = Unwrap(client->RenewAgent(NewP256Key()));
  EXPECT_EQ(renewed.id, first->id);
  EXPECT_NE(renewed.leaf().serial_hex(), first->leaf().serial_hex());
  EXPECT_TRUE(client->SyncEntries({}).ok()) << "old SVID still good before the new one is used";

  auto fresh = Client();
  ASSERT_TRUE(fresh->UseIdentity(renewed).ok());
  EXPECT_TRUE(fresh->SyncEntries({}).ok());
  auto stale = client->SyncEntries({});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(stale.error().message.find("not its current one"), std::string::npos);
}

TEST_F(AgentApiTest, BannedAgentsAreRefusedAndEvictedOnesMustAttestAgain) {
  auto pop = Client();
  auto attested = Unwrap(pop->AttestX509Pop(NodeChain(), NodeKey(), NewP256Key()));
  ASSERT_TRUE(pop->UseIdentity(attested.svid).ok());
  const std::string id = attested.svid.id.str();
  ASSERT_TRUE(pop->SyncEntries({}).ok());

  auto banned = Cli("agent ban --spiffe-id " + id);
  ASSERT_EQ(banned.exit_code, 0) << banned.output;
  EXPECT_EQ(pop->SyncEntries({}).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(pop->RenewAgent(NewP256Key()).error().code, ErrorCode::kPermissionDenied);
  auto reattest = Client()->AttestX509Pop(NodeChain(), NodeKey(), NewP256Key());
  ASSERT_FALSE(reattest.ok());
  EXPECT_NE(reattest.error().message.find("banned"), std::string::npos);
  // The same certificate with its ECDSA signature re-encoded (s -> n - s, still valid) is the
  // same banned agent, not a new one.
  auto chain = NodeChain();
  chain.front() = testing::WithMirroredEcdsaSignature(chain.front());
  auto disguised = Client()->AttestX509Pop(chain, NodeKey(), NewP256Key());
  ASSERT_FALSE(disguised.ok()) << "re-encoded certificate attested as " << disguised->svid.id.str();
  EXPECT_NE(disguised.error().message.find("banned"), std::string::npos)
      << disguised.error().message;
  EXPECT_NE(Cli("agent list --banned").output.find(id), std::string::npos);

  auto evicted = Cli("agent evict --spiffe-id " + id);
  ASSERT_EQ(evicted.exit_code, 0) << evicted.output;
  auto gone = pop->SyncEntries({});
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.error().message.find("not an attested agent"), std::string::npos);
  auto back = Unwrap(Client()->AttestX509Pop(NodeChain(), NodeKey(), NewP256Key()));
  EXPECT_EQ(back.svid.id.str(), id);
  EXPECT_EQ(Cli("agent count").output, "1 attested agent\n");
}

TEST_F(AgentApiTest, NoEntryMayClaimTheServerOrAnAgentId) {
  for (const char* id :
       {"spiffe://example.org/edgeid/server", "spiffe://example.org/edgeid/agent/x509pop/abc"}) {
    auto r = Cli(std::string("entry create --spiffe-id ") + id +
                 " --parent-id spiffe://example.org/edgeid/agent/a --selector unix:uid:0");
    EXPECT_NE(r.exit_code, 0) << id;
    EXPECT_NE(r.output.find("reserved"), std::string::npos) << r.output;
  }
  auto alias = Cli("token generate --ttl 60 --spiffe-id spiffe://example.org/edgeid/server");
  EXPECT_NE(alias.exit_code, 0);
}

TEST_F(AgentApiTest, CallersWithoutAnAgentSvidAreRefused) {
  auto anonymous = Client();
  auto sync = anonymous->SyncEntries({});
  EXPECT_EQ(sync.error().code, ErrorCode::kFailedPrecondition) << "client refuses without SVID";

  // A valid SVID of the trust domain that is not an agent's.
  ASSERT_EQ(
      Cli("x509 mint --spiffe-id spiffe://example.org/workload --write " + dir_.path()).exit_code,
      0);
  auto svid = Unwrap(spiffe::X509Svid::FromPem(ReadTestFile(dir_.File("svid.pem")),
                                               ReadTestFile(dir_.File("key.pem"))));
  auto workload = Client();
  ASSERT_TRUE(workload->UseIdentity(svid).ok());
  auto refused = workload->SyncEntries({});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(refused.error().message.find("not an attested agent"), std::string::npos);
}

TEST_F(AgentApiTest, RenewalsRacingABanNeverUndoIt) {
  std::optional<spiffe::X509Svid> svid;
  auto client = JoinedAgent(&svid);
  const std::string id = svid->id.str();
  std::atomic<bool> banned{false};
  std::atomic<int> renewed{0};
  std::atomic<int> renewed_after_ban{0};
  std::vector<spiffe::X509Svid> issued{*svid};
  std::thread renewer([&] {
    for (int i = 0; i < 5000; ++i) {
      bool after_ban = banned.load();
      auto next = client->RenewAgent(NewP256Key());
      if (next.ok()) {
        ++renewed;
        if (after_ban) ++renewed_after_ban;
        issued.push_back(*next);
        // The next call presents the new SVID, which makes the server activate it.
        EXPECT_TRUE(client->UseIdentity(*next).ok());
      }
      if (after_ban) return;
    }
  });
  while (renewed.load() < 5) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto ban = Cli("agent ban --spiffe-id " + id);
  ASSERT_EQ(ban.exit_code, 0) << ban.output;
  banned = true;
  renewer.join();
  EXPECT_EQ(renewed_after_ban.load(), 0) << "a renewal begun after the ban succeeded";
  auto shown = Cli("agent show --spiffe-id " + id + " --output json");
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_NE(shown.output.find("\"banned\": true"), std::string::npos) << shown.output;
  for (const auto& old : issued) {
    auto again = Client();
    ASSERT_TRUE(again->UseIdentity(old).ok());
    EXPECT_EQ(again->SyncEntries({}).error().code, ErrorCode::kPermissionDenied)
        << "SVID " << old.leaf().serial_hex() << " still works after the ban";
  }
}

TEST_F(AgentApiTest, StalledAttestationStreamsAreCutOff) {
  StopServer();
  StartServer("[server]\nagent_stream_timeout = \"1s\"\n[server.ratelimit]\nattestation = 1000\n");
  grpctls::ChannelTlsOptions options;
  options.bundles = Bundles();
  options.authorize =
      grpctls::AuthorizeId(Unwrap(spiffe::SpiffeId::Parse("spiffe://example.org/edgeid/server")));
  auto channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port_),
                                           Unwrap(grpctls::ChannelCredentials(options)),
                                           grpc::ChannelArguments());
  auto stub = v1::NodeService::NewStub(channel);

  // A node that takes the challenge and never answers it.
  v1::X509PopAttestationData data;
  for (const auto& cert : NodeChain()) data.add_chain(cert.ToDer());
  v1::AttestAgentRequest request;
  request.mutable_params()->mutable_data()->set_type("x509pop");
  request.mutable_params()->mutable_data()->set_payload(data.SerializeAsString());
  request.mutable_params()->set_csr(
      Unwrap(crypto::CertificateRequest::Create(NewP256Key())).ToDer());
  grpc::ClientContext silent_context;
  auto silent = stub->AttestAgent(&silent_context);
  ASSERT_TRUE(silent->Write(request));
  v1::AttestAgentResponse challenge;
  ASSERT_TRUE(silent->Read(&challenge));
  EXPECT_TRUE(challenge.has_challenge());
  auto started = std::chrono::steady_clock::now();
  v1::AttestAgentResponse nothing;
  EXPECT_FALSE(silent->Read(&nothing)) << "the server must end the stream";
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_FALSE(silent->Finish().ok());

  // One that opens the stream and sends nothing at all.
  grpc::ClientContext mute_context;
  auto mute = stub->AttestAgent(&mute_context);
  EXPECT_FALSE(mute->Read(&nothing));
  EXPECT_FALSE(mute->Finish().ok());

  EXPECT_TRUE(server_->WaitForOutput("no challenge response")) << server_->Output();
  // The server still serves attestations after cutting those off.
  auto client = Client();
  EXPECT_TRUE(client->AttestX509Pop(NodeChain(), NodeKey(), NewP256Key()).ok());
}

// Node attestation is the one call a peer without an SVID may make: 300 calls that send only
// their headers (issue 19) held every server thread for a minute, so attested agents got
// RESOURCE_EXHAUSTED. Now a few per address hold a slot, for seconds; the rest are refused at
// once, and attested agents are served throughout.
TEST_F(AgentApiTest, StalledAttestationsHoldNoThreadAttestedAgentsNeed) {
  auto agent = JoinedAgent();
  grpctls::ChannelTlsOptions options;
  options.bundles = Bundles();
  options.authorize =
      grpctls::AuthorizeId(Unwrap(spiffe::SpiffeId::Parse("spiffe://example.org/edgeid/server")));
  auto credentials = Unwrap(grpctls::ChannelCredentials(options));
  constexpr int kChannels = 6;
  constexpr int kCallsPerChannel = 50;
  struct StalledCall {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReaderWriter<v1::AttestAgentRequest, v1::AttestAgentResponse>>
        stream;
  };
  std::vector<std::unique_ptr<v1::NodeService::Stub>> stubs;
  std::vector<std::unique_ptr<StalledCall>> calls;
  for (int c = 0; c < kChannels; ++c) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection each
    args.SetInt("edgeid.test.channel", c);
    stubs.push_back(v1::NodeService::NewStub(
        grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port_), credentials, args)));
    for (int i = 0; i < kCallsPerChannel; ++i) {
      auto call = std::make_unique<StalledCall>();
      call->stream = stubs.back()->AttestAgent(&call->context);
      calls.push_back(std::move(call));
    }
  }
  // While all of them are open, an attested agent is served and a new attestation from the same
  // address waits for a slot.
  EXPECT_TRUE(agent->SyncEntries({}).ok());
  auto crowded = Client()->AttestJoinToken(Token(), NewP256Key());
  ASSERT_FALSE(crowded.ok());
  EXPECT_EQ(crowded.error().code, ErrorCode::kResourceExhausted) << crowded.error().message;

  std::map<grpc::StatusCode, int> ended;
  for (auto& call : calls) {
    v1::AttestAgentResponse nothing;
    EXPECT_FALSE(call->stream->Read(&nothing));
    ++ended[call->stream->Finish().error_code()];
  }
  constexpr int kAttestationsPerAddress = 4;  // the server's kMaxAttestationsPerAddress
  EXPECT_EQ(ended[grpc::StatusCode::CANCELLED], kAttestationsPerAddress)
      << "the slot holders are cut off after the first-message deadline";
  EXPECT_EQ(ended[grpc::StatusCode::RESOURCE_EXHAUSTED],
            kChannels * kCallsPerChannel - kAttestationsPerAddress);
  std::string log = server_->Output();
  EXPECT_NE(log.find("AttestAgent refused for 127.0.0.1: too many attestations at once from "
                     "this address"),
            std::string::npos)
      << "the refusal names the peer's address";
  EXPECT_NE(log.find("AttestAgent refused for 127.0.0.1: no attestation message within 5000 ms"),
            std::string::npos);
  EXPECT_TRUE(Client()->AttestJoinToken(Token(), NewP256Key()).ok()) << "slots come back";
}

// One attested agent could pin about 33 MiB per entry sync, with no limit on syncs (issue 19).
TEST_F(AgentApiTest, EntrySyncsOfOneAgentAreBoundedInNumberAndBytes) {
  std::optional<spiffe::X509Svid> svid;
  auto agent = JoinedAgent(&svid);
  grpctls::ChannelTlsOptions options;
  options.identity = svid;
  options.bundles = Bundles();
  options.authorize =
      grpctls::AuthorizeId(Unwrap(spiffe::SpiffeId::Parse("spiffe://example.org/edgeid/server")));
  auto stub = v1::NodeService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(port_), Unwrap(grpctls::ChannelCredentials(options))));
  using SyncStream =
      grpc::ClientReaderWriter<v1::SyncAuthorizedEntriesRequest, v1::SyncAuthorizedEntriesResponse>;
  // Reads a sync to its end and returns its status.
  auto finish = [](SyncStream& stream) {
    stream.WritesDone();
    v1::SyncAuthorizedEntriesResponse response;
    while (stream.Read(&response)) {
    }
    return stream.Finish();
  };
  // Two syncs left open (the agent has not said it is done): the server holds both.
  grpc::ClientContext first_context, second_context;
  auto first = stub->SyncAuthorizedEntries(&first_context);
  auto second = stub->SyncAuthorizedEntries(&second_context);
  v1::SyncAuthorizedEntriesRequest one_known;
  auto* known = one_known.add_known();
  known->set_id("an-entry-the-agent-once-had");
  known->set_revision_number(1);
  ASSERT_TRUE(first->Write(one_known));
  ASSERT_TRUE(second->Write(one_known));
  ASSERT_TRUE(WaitForMetric("edgeid_server_agent_entry_syncs_running 2"));
  grpc::ClientContext third_context;
  auto third = stub->SyncAuthorizedEntries(&third_context);
  auto refused = finish(*third);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
  EXPECT_NE(refused.error_message().find("2 entry syncs running"), std::string::npos)
      << refused.error_message();
  auto first_done = finish(*first);
  EXPECT_TRUE(first_done.ok()) << first_done.error_message();
  EXPECT_TRUE(finish(*second).ok());
  EXPECT_TRUE(agent->SyncEntries({}).ok()) << "finished syncs give their places back";

  // IDs the agent is not authorised for are answered with removals; their bytes are bounded.
  grpc::ClientContext big_context;
  auto big = stub->SyncAuthorizedEntries(&big_context);
  const std::string padding(200, 'x');
  for (int page = 0; page < 5; ++page) {
    v1::SyncAuthorizedEntriesRequest request;
    for (int i = 0; i < 10'000; ++i) {
      auto* rev = request.add_known();
      rev->set_id(padding + std::to_string(page) + "-" + std::to_string(i));
      rev->set_revision_number(1);
    }
    if (!big->Write(request)) break;  // refused while writing
  }
  auto too_big = finish(*big);
  EXPECT_EQ(too_big.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << too_big.error_message();
  EXPECT_NE(too_big.error_message().find("MiB of entry IDs"), std::string::npos)
      << too_big.error_message();
}

TEST_F(AgentApiTest, AgentsSurviveAServerRestart) {
  std::optional<spiffe::X509Svid> svid;
  auto client = JoinedAgent(&svid);
  std::string web = CreateEntry("spiffe://example.org/web", svid->id.str());
  StopServer();
  StartServer();
  auto again = Client();
  ASSERT_TRUE(again->UseIdentity(*svid).ok());
  auto synced = Unwrap(again->SyncEntries({}));
  ASSERT_EQ(synced.changed.size(), 1u);
  EXPECT_EQ(synced.changed[0].id(), web);
}

TEST_F(AgentApiTest, HealthAndMetricsOverHttp) {
  httplib::Client http("127.0.0.1", health_port_);
  auto live = http.Get("/live");
  ASSERT_TRUE(live);
  EXPECT_EQ(live->status, 200);
  auto ready = http.Get("/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);

  std::optional<spiffe::X509Svid> svid;
  auto client = JoinedAgent(&svid);
  std::string web = CreateEntry("spiffe://example.org/web", svid->id.str());
  auto csr = Unwrap(crypto::CertificateRequest::Create(NewP256Key())).ToDer();
  auto signed_svids = Unwrap(client->BatchNewX509Svid({{web, csr}, {web, csr}, {"nope", csr}}));
  EXPECT_FALSE(Client()->AttestJoinToken("unknown-token", NewP256Key()).ok());

  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  const std::string& body = metrics->body;
  EXPECT_NE(body.find("edgeid_server_agent_attestations_total{type=\"join_token\"} 1\n"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("edgeid_server_x509_svids_signed_total 2\n"), std::string::npos) << body;
  EXPECT_NE(body.find("edgeid_server_requests_refused_total{rpc=\"BatchNewX509SVID\"} 1\n"),
            std::string::npos);
  EXPECT_NE(body.find("edgeid_server_requests_refused_total{rpc=\"AttestAgent\"} 1\n"),
            std::string::npos);
  EXPECT_NE(body.find("edgeid_server_registration_entries 1\n"), std::string::npos);
  EXPECT_NE(body.find("edgeid_server_attested_agents 1\n"), std::string::npos);
  EXPECT_NE(body.find("# TYPE process_resident_memory_bytes gauge"), std::string::npos);
}

TEST_F(AgentApiTest, SigningIsRateLimitedPerAgent) {
  StopServer();
  StartServer("[server.ratelimit]\nattestation = 100\nsigning = 2\n");
  std::optional<spiffe::X509Svid> svid;
  auto client = JoinedAgent(&svid);
  std::string web = CreateEntry("spiffe://example.org/web", svid->id.str());
  auto csr = Unwrap(crypto::CertificateRequest::Create(NewP256Key())).ToDer();
  ASSERT_TRUE(client->BatchNewX509Svid({{web, csr}, {web, csr}}).ok());
  auto limited = client->BatchNewX509Svid({{web, csr}});
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(client->NewJwtSvid(web, {"a"}).error().code, ErrorCode::kResourceExhausted);
  std::optional<spiffe::X509Svid> other_svid;
  auto other = JoinedAgent(&other_svid);
  std::string other_entry = CreateEntry("spiffe://example.org/other", other_svid->id.str());
  EXPECT_TRUE(other->BatchNewX509Svid({{other_entry, csr}}).ok())
      << "each agent has its own budget";
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_TRUE(client->BatchNewX509Svid({{web, csr}}).ok()) << "refilled";
}

// One open change watch of an agent, on its own thread, recording what it receives.
class ChangeWatch {
 public:
  explicit ChangeWatch(ServerClient& client)
      : thread_([this, &client] {
          auto ended = client.WatchChanges(context_, [this] {
            std::lock_guard lock(mu_);
            ++messages_;
            changed_.notify_all();
          });
          std::lock_guard lock(mu_);
          ended_ = ended;
          changed_.notify_all();
        }) {}
  ~ChangeWatch() {
    context_.TryCancel();
    thread_.join();
  }
  // Waits until at least `count` messages arrived; false after 10 s or when the watch ended.
  bool WaitFor(int count) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] {
      return messages_ >= count || ended_.has_value();
    }) && messages_ >= count;
  }
  std::optional<Status> WaitEnded() {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, std::chrono::seconds(10), [&] { return ended_.has_value(); });
    return ended_;
  }
  int messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }

 private:
  grpc::ClientContext context_;
  std::mutex mu_;
  std::condition_variable changed_;
  int messages_ = 0;
  std::optional<Status> ended_;
  std::thread thread_;  // last: started once the rest is ready
};

TEST_F(AgentApiTest, ChangeWatchAnnouncesEntryAndBundleChanges) {
  std::optional<spiffe::X509Svid> svid;
  auto client = JoinedAgent(&svid);
  ChangeWatch watch(*client);
  ASSERT_TRUE(watch.WaitFor(1)) << "a watch is told the current generation at once";
  CreateEntry("spiffe://example.org/announced", svid->id.str());
  EXPECT_TRUE(watch.WaitFor(2)) << "an entry created";
  WriteTestFile(dir_.File("partner.pem"), bundle_pem_);
  ASSERT_EQ(Cli("bundle set --id partner.org --path " + dir_.File("partner.pem")).exit_code, 0);
  EXPECT_TRUE(watch.WaitFor(3)) << "a federated bundle set";
  ASSERT_EQ(Cli("bundle delete --id partner.org").exit_code, 0);
  EXPECT_TRUE(watch.WaitFor(4)) << "a federated bundle deleted";

  // Without an agent SVID there is no watch.
  ASSERT_EQ(
      Cli("x509 mint --spiffe-id spiffe://example.org/workload --write " + dir_.path()).exit_code,
      0);
  auto workload = Client();
  ASSERT_TRUE(workload
                  ->UseIdentity(Unwrap(spiffe::X509Svid::FromPem(
                      ReadTestFile(dir_.File("svid.pem")), ReadTestFile(dir_.File("key.pem")))))
                  .ok());
  ChangeWatch refused(*workload);
  auto ended = refused.WaitEnded();
  ASSERT_TRUE(ended.has_value());
  ASSERT_FALSE(ended->ok());
  EXPECT_EQ(ended->error().code, ErrorCode::kPermissionDenied) << ended->error().message;
  EXPECT_EQ(refused.messages(), 0);
}

TEST_F(AgentApiTest, ChangeWatchesPerAgentAreBounded) {
  auto client = JoinedAgent();
  std::vector<std::unique_ptr<ChangeWatch>> watches;
  for (int i = 0; i < 4; ++i) {
    watches.push_back(std::make_unique<ChangeWatch>(*client));
    ASSERT_TRUE(watches.back()->WaitFor(1)) << "watch " << i;
  }
  ChangeWatch fifth(*client);
  auto ended = fifth.WaitEnded();
  ASSERT_TRUE(ended.has_value());
  ASSERT_FALSE(ended->ok());
  EXPECT_EQ(ended->error().code, ErrorCode::kResourceExhausted) << ended->error().message;
  auto other_client = JoinedAgent();
  ChangeWatch other_agent(*other_client);
  EXPECT_TRUE(other_agent.WaitFor(1)) << "each agent has its own bound";

  watches.pop_back();  // a closed watch frees its place
  bool reopened = false;
  for (int attempt = 0; attempt < 50 && !reopened; ++attempt) {
    ChangeWatch again(*client);
    reopened = again.WaitFor(1);
    if (!reopened) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(reopened);
}

TEST_F(AgentApiTest, AttestationIsRateLimitedPerAddress) {
  StopServer();
  StartServer("[server.ratelimit]\nattestation = 1\n");
  std::string a = Token(), b = Token();
  EXPECT_TRUE(Client()->AttestJoinToken(a, NewP256Key()).ok());
  auto limited = Client()->AttestJoinToken(b, NewP256Key());
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().code, ErrorCode::kResourceExhausted);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_TRUE(Client()->AttestJoinToken(b, NewP256Key()).ok()) << "the token was not used up";
}

}  // namespace
}  // namespace edgeid
