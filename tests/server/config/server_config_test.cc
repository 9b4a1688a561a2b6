#include "server/config/server_config.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::server {
namespace {

using edgeid::testing::Unwrap;

ServerFlags Minimal() {
  ServerFlags flags;
  flags.trust_domain = "example.org";
  flags.data_dir = "/var/lib/edgeid";
  return flags;
}

std::string ErrorOf(std::string_view toml, const ServerFlags& flags = Minimal()) {
  auto r = ParseServerConfig(toml, flags);
  return r.ok() ? "" : r.error().message;
}

TEST(ServerConfigTest, FlagsAloneGiveAWorkingConfigWithSpireDefaults) {
  auto c = Unwrap(ParseServerConfig("", Minimal()));
  EXPECT_EQ(c.trust_domain.name(), "example.org");
  EXPECT_EQ(c.bind_address, "127.0.0.1");
  EXPECT_EQ(c.bind_port, 8081);
  EXPECT_EQ(c.admin_socket, "/run/edgeid/server/private/api.sock");
  EXPECT_EQ(c.ca_ttl, std::chrono::hours(24));
  EXPECT_EQ(c.default_x509_svid_ttl, std::chrono::hours(1));
  EXPECT_EQ(c.default_jwt_svid_ttl, std::chrono::minutes(5));
  EXPECT_EQ(c.ca_key_type, crypto::KeyType::kEcP256);
  EXPECT_EQ(c.datastore_connection_string, "/var/lib/edgeid/datastore.sqlite3");
  EXPECT_EQ(c.keys_path, "/var/lib/edgeid/keys");
  EXPECT_EQ(c.key_manager, KeyManagerKind::kDisk);
  EXPECT_EQ(c.log_format, LogFormat::kText);
  EXPECT_FALSE(c.upstream_authority.has_value());
  EXPECT_FALSE(c.health_port.has_value());
  EXPECT_EQ(c.agent_ttl, std::chrono::hours(1));
  EXPECT_EQ(c.x509pop_ca_bundle_path, "");
  EXPECT_EQ(c.attestation_rate_limit, 1);
  EXPECT_EQ(c.signing_rate_limit, 500);
}

TEST(ServerConfigTest, NodeAttestorsAgentTtlAndRateLimits) {
  edgeid::testing::TempDir dir;
  edgeid::testing::WriteTestFile(dir.File("roots.pem"),
                                 edgeid::testing::MakeTestCa("x509pop-ca").cert.ToPem());
  auto c = Unwrap(ParseServerConfig(
      "[server]\nagent_ttl = \"20m\"\n[server.ratelimit]\nattestation = 0\nsigning = 2.5\n"
      "[plugins.node_attestor.join_token]\n[plugins.node_attestor.x509pop]\nca_bundle_path = \"" +
          dir.File("roots.pem") + "\"\n",
      Minimal()));
  EXPECT_EQ(c.agent_ttl, std::chrono::minutes(20));
  EXPECT_EQ(c.attestation_rate_limit, 0);
  EXPECT_EQ(c.signing_rate_limit, 2.5);
  EXPECT_EQ(c.x509pop_ca_bundle_path, dir.File("roots.pem"));

  EXPECT_NE(
      ErrorOf("[plugins.node_attestor.x509pop]\nca_bundle_path = \"" + dir.File("none") + "\"\n")
          .find("plugins.node_attestor.x509pop.ca_bundle_path"),
      std::string::npos);
  edgeid::testing::WriteTestFile(dir.File("junk.pem"), "not a certificate");
  EXPECT_NE(ErrorOf("[plugins.node_attestor.x509pop]\nca_bundle_path = \"" + dir.File("junk.pem") +
                    "\"\n")
                .find("junk.pem"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[plugins.node_attestor.x509pop]\n").find("ca_bundle_path: is required"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[plugins.node_attestor.tpm]\n").find("plugins.node_attestor.tpm"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[server.ratelimit]\nsigning = -1\n").find("server.ratelimit.signing"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[server]\nagent_ttl = \"48h\"\n").find("server.agent_ttl"), std::string::npos);
}

TEST(ServerConfigTest, ReadsEveryKeyFromToml) {
  auto c = Unwrap(ParseServerConfig(R"(
[server]
trust_domain = "edge.example"
data_dir = "/srv/edgeid"
bind_address = "0.0.0.0"
bind_port = 9443
socket_path = "/run/edgeid/admin.sock"
log_level = "debug"
log_format = "json"
ca_ttl = "48h"
default_x509_svid_ttl = "30m"
default_jwt_svid_ttl = "2m"
ca_key_type = "ec-p384"
jwt_key_type = "rsa-2048"
jwt_issuer = "https://oidc.edge.example"
health_port = 8080

[server.ca_subject]
country = "DE"
organization = "Factory"
common_name = "Edge CA"

[plugins.datastore.sql]
database_type = "sqlite3"
connection_string = "/srv/db.sqlite3"

[plugins.key_manager.memory]

[plugins.upstream_authority.disk]
cert_file_path = "/etc/up.pem"
key_file_path = "/etc/up.key"
bundle_file_path = "/etc/roots.pem"
)",
                                    {}));
  EXPECT_EQ(c.trust_domain.name(), "edge.example");
  EXPECT_EQ(c.bind_address, "0.0.0.0");
  EXPECT_EQ(c.bind_port, 9443);
  EXPECT_EQ(c.admin_socket, "/run/edgeid/admin.sock");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.log_format, LogFormat::kJson);
  EXPECT_EQ(c.ca_ttl, std::chrono::hours(48));
  EXPECT_EQ(c.default_x509_svid_ttl, std::chrono::minutes(30));
  EXPECT_EQ(c.default_jwt_svid_ttl, std::chrono::minutes(2));
  EXPECT_EQ(c.ca_key_type, crypto::KeyType::kEcP384);
  EXPECT_EQ(c.jwt_key_type, crypto::KeyType::kRsa2048);
  EXPECT_EQ(c.jwt_issuer, "https://oidc.edge.example");
  EXPECT_EQ(c.ca_subject, (ca::Subject{{"C", "DE"}, {"O", "Factory"}, {"CN", "Edge CA"}}));
  EXPECT_EQ(c.datastore_connection_string, "/srv/db.sqlite3");
  EXPECT_EQ(c.key_manager, KeyManagerKind::kMemory);
  ASSERT_TRUE(c.upstream_authority.has_value());
  EXPECT_EQ(c.upstream_authority->bundle_file_path, "/etc/roots.pem");
  EXPECT_EQ(c.health_port, 8080);
}

TEST(ServerConfigTest, FlagsOverrideTheFile) {
  ServerFlags flags;
  flags.trust_domain = "flag.example";
  flags.bind_port = 7000;
  flags.log_format = "json";
  auto c = Unwrap(ParseServerConfig(
      "[server]\ntrust_domain = \"file.example\"\ndata_dir = \"/d\"\nbind_port = 1\n", flags));
  EXPECT_EQ(c.trust_domain.name(), "flag.example");
  EXPECT_EQ(c.bind_port, 7000);
  EXPECT_EQ(c.data_dir, "/d");
  EXPECT_EQ(c.log_format, LogFormat::kJson);
}

TEST(ServerConfigTest, EveryServerKeyIsAlsoAFlag) {
  edgeid::testing::TempDir dir;
  edgeid::testing::WriteTestFile(dir.File("roots.pem"),
                                 edgeid::testing::MakeTestCa("x509pop-ca").cert.ToPem());
  ServerFlags flags = Minimal();
  flags.ca_ttl = "48h";
  flags.default_x509_svid_ttl = "20m";
  flags.default_jwt_svid_ttl = "1m";
  flags.agent_ttl = "30m";
  flags.agent_stream_timeout = "20s";
  flags.ca_key_type = "ec-p384";
  flags.jwt_key_type = "rsa-2048";
  flags.jwt_issuer = "https://oidc.example.org";
  flags.datastore_path = "/srv/db";
  flags.keys_path = "/srv/keys";
  flags.x509pop_ca_bundle_path = dir.File("roots.pem");
  flags.attestation_rate_limit = 5;
  flags.signing_rate_limit = 0;
  auto c = Unwrap(ParseServerConfig("[server]\nca_ttl = \"12h\"\n", flags));
  EXPECT_EQ(c.ca_ttl, std::chrono::hours(48)) << "the flag wins over the file";
  EXPECT_EQ(c.default_x509_svid_ttl, std::chrono::minutes(20));
  EXPECT_EQ(c.default_jwt_svid_ttl, std::chrono::minutes(1));
  EXPECT_EQ(c.agent_ttl, std::chrono::minutes(30));
  EXPECT_EQ(c.agent_stream_timeout, std::chrono::seconds(20));
  EXPECT_EQ(c.ca_key_type, crypto::KeyType::kEcP384);
  EXPECT_EQ(c.jwt_key_type, crypto::KeyType::kRsa2048);
  EXPECT_EQ(c.jwt_issuer, "https://oidc.example.org");
  EXPECT_EQ(c.datastore_connection_string, "/srv/db");
  EXPECT_EQ(c.keys_path, "/srv/keys");
  EXPECT_EQ(c.x509pop_ca_bundle_path, dir.File("roots.pem"));
  EXPECT_EQ(c.attestation_rate_limit, 5);
  EXPECT_EQ(c.signing_rate_limit, 0);

  ServerFlags bad = Minimal();
  bad.agent_ttl = "soon";
  EXPECT_NE(ErrorOf("", bad).find("--agent-ttl"), std::string::npos);
  ServerFlags bad_timeout = Minimal();
  bad_timeout.agent_stream_timeout = "0s";
  EXPECT_NE(ErrorOf("", bad_timeout).find("--agent-stream-timeout"), std::string::npos);
  bad = Minimal();
  bad.signing_rate_limit = -2;
  EXPECT_NE(ErrorOf("", bad).find("--signing-rate-limit"), std::string::npos);
}

TEST(ServerConfigTest, ErrorsNameTheKey) {
  EXPECT_NE(ErrorOf("", {}).find("server.trust_domain: is required"), std::string::npos);
  ServerFlags no_dir;
  no_dir.trust_domain = "example.org";
  EXPECT_NE(ErrorOf("", no_dir).find("server.data_dir"), std::string::npos);
  ServerFlags upper = Minimal();
  upper.trust_domain = "Example.org";
  EXPECT_NE(ErrorOf("", upper).find("lowercase"), std::string::npos);
  EXPECT_NE(ErrorOf("[server]\ntrust_domian = \"x\"\n").find("server.trust_domian: unknown key"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[sever]\n").find("sever: unknown key"), std::string::npos);
  EXPECT_NE(
      ErrorOf("[server]\nbind_port = \"8081\"\n").find("server.bind_port: has the wrong type"),
      std::string::npos);
  EXPECT_NE(ErrorOf("[server]\nbind_port = 70000\n").find("port number"), std::string::npos);
  EXPECT_NE(ErrorOf("[server]\nca_ttl = \"1 day\"\n").find("server.ca_ttl"), std::string::npos);
  EXPECT_NE(ErrorOf("[server]\nca_ttl = \"1h\"\n").find("shorter than ca_ttl"), std::string::npos);
  EXPECT_NE(ErrorOf("[server]\nlog_level = \"loud\"\n").find("server.log_level"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[server]\nlog_format = \"xml\"\n").find("server.log_format"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[server]\nca_key_type = \"ec-p521\"\n").find("server.ca_key_type"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[server.ca_subject]\nstate = \"x\"\n").find("server.ca_subject.state"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[plugins.datastore.sql]\ndatabase_type = \"mysql\"\n").find("mysql"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[plugins.key_manager.disk]\n[plugins.key_manager.memory]\n").find("not both"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf("[plugins.upstream_authority.disk]\ncert_file_path = \"/a\"\n").find("key_file_path"),
      std::string::npos);
  EXPECT_NE(ErrorOf("[server\n").find("line 1"), std::string::npos);
  ServerFlags long_socket = Minimal();
  long_socket.admin_socket = "/" + std::string(200, 's');
  EXPECT_NE(ErrorOf("", long_socket).find("server.socket_path"), std::string::npos);
}

TEST(ServerConfigTest, PostgresDatastore) {
  auto c = Unwrap(ParseServerConfig(
      "[plugins.datastore.sql]\ndatabase_type = \"postgres\"\n"
      "connection_string = \"host=/run/postgresql dbname=edgeid\"\nmax_open_conns = 8\n",
      Minimal()));
  EXPECT_EQ(c.database_type, DatabaseType::kPostgres);
  EXPECT_EQ(c.datastore_connection_string, "host=/run/postgresql dbname=edgeid");
  EXPECT_EQ(c.datastore_max_open_conns, 8);
  ServerFlags flags = Minimal();
  flags.database_type = "postgres";
  flags.datastore_path = "dbname=x";
  flags.datastore_max_open_conns = 2;
  c = Unwrap(ParseServerConfig("", flags));
  EXPECT_EQ(c.database_type, DatabaseType::kPostgres);
  EXPECT_EQ(c.datastore_connection_string, "dbname=x");
  EXPECT_EQ(c.datastore_max_open_conns, 2);

  EXPECT_NE(ErrorOf("[plugins.datastore.sql]\ndatabase_type = \"postgres\"\n")
                .find("plugins.datastore.sql.connection_string: is required for postgres"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[plugins.datastore.sql]\nmax_open_conns = 0\n")
                .find("plugins.datastore.sql.max_open_conns"),
            std::string::npos);
}

TEST(ServerConfigTest, Federation) {
  edgeid::testing::TempDir dir;
  auto ca = edgeid::testing::MakeTestCa("b.test");
  edgeid::testing::WriteTestFile(dir.File("b.pem"), ca.cert.ToPem());
  auto c = Unwrap(ParseServerConfig(R"(
[server]
jwt_issuer = "https://oidc.example.org"
[server.federation.bundle_endpoint]
port = 9443
refresh_hint = "2m"
[server.federation.federates_with."b.test"]
bundle_endpoint_url = "https://127.0.0.1:8443"
bundle_endpoint_profile = "https_spiffe"
endpoint_spiffe_id = "spiffe://b.test/edgeid/server"
trust_domain_bundle_path = ")" + dir.File("b.pem") +
                                        R"("
[server.federation.federates_with."c.test"]
bundle_endpoint_url = "https://bundles.c.test"
bundle_endpoint_profile = "https_web"
[server.oidc_discovery]
port = 9444
cert_file_path = "/etc/oidc.pem"
key_file_path = "/etc/oidc.key"
)",
                                    Minimal()));
  ASSERT_TRUE(c.bundle_endpoint.has_value());
  EXPECT_EQ(c.bundle_endpoint->address, "127.0.0.1") << "bind_address by default";
  EXPECT_EQ(c.bundle_endpoint->port, 9443);
  EXPECT_EQ(c.bundle_endpoint->refresh_hint, std::chrono::minutes(2));
  EXPECT_EQ(c.bundle_endpoint->profile, "https_spiffe");
  ASSERT_EQ(c.federates_with.size(), 2u);
  EXPECT_EQ(c.federates_with[0].relationship,
            (FederationRelationship{"b.test", "https://127.0.0.1:8443", "https_spiffe",
                                    "spiffe://b.test/edgeid/server", ""}));
  ASSERT_TRUE(c.federates_with[0].initial_bundle.has_value());
  EXPECT_EQ(c.federates_with[0].initial_bundle->x509().authorities().size(), 1u);
  EXPECT_EQ(c.federates_with[1].relationship.bundle_endpoint_profile, "https_web");
  EXPECT_FALSE(c.federates_with[1].initial_bundle.has_value());
  ASSERT_TRUE(c.oidc_discovery.has_value());
  EXPECT_EQ(c.oidc_discovery->port, 9444);
  EXPECT_EQ(c.oidc_discovery->jwks_uri, "https://oidc.example.org/keys");

  EXPECT_FALSE(Unwrap(ParseServerConfig("", Minimal())).bundle_endpoint.has_value());
  const std::string fw = "[server.federation.federates_with.\"b.test\"]\n";
  for (auto [toml, words] : std::vector<std::pair<std::string, std::string>>{
           {"[server.federation.bundle_endpoint]\nprofile = \"https_web\"\n",
            "server.federation.bundle_endpoint.profile: https_web needs cert_file_path"},
           {"[server.federation.bundle_endpoint]\ncert_file_path = \"/x\"\n",
            "https_spiffe serves the server's own SVID"},
           {"[server.federation.bundle_endpoint]\nprofile = \"web\"\n",
            "neither https_web nor https_spiffe"},
           {"[server.federation.bundle_endpoint]\nport = 70000\n", "port"},
           {"[server.federation.bundle_endpoint]\nrefresh = \"1m\"\n", "refresh"},
           {"[server.federation]\nfederates_with = 1\n", "must be a table of trust domains"},
           {fw +
                "bundle_endpoint_url = \"https://b\"\nbundle_endpoint_profile = \"https_spiffe\"\n",
            "endpoint SPIFFE ID: required"},
           {"[server.federation.federates_with.\"example.org\"]\nbundle_endpoint_url = "
            "\"https://b\"\nbundle_endpoint_profile = \"https_web\"\n",
            "this server's own"},
           {fw + "bundle_endpoint_url = \"https://b\"\nbundle_endpoint_profile = \"https_web\"\n"
                 "trust_domain_bundle_path = \"/nonexistent/b.pem\"\n",
            "trust_domain_bundle_path"},
           {fw + "bundle_endpoint_url = \"https://b\"\nbundle_endpoint_profile = \"https_web\"\n"
                 "endpoint = \"x\"\n",
            "endpoint"},
           {"[server.oidc_discovery]\ncert_file_path = \"/a\"\nkey_file_path = \"/b\"\n",
            "needs server.jwt_issuer"},
           {"[server]\njwt_issuer = \"https://i\"\n[server.oidc_discovery]\n",
            "cert_file_path and key_file_path are required"},
       }) {
    std::string error = ErrorOf(toml);
    EXPECT_NE(error.find(words), std::string::npos) << toml << "\n=> " << error;
  }
}

TEST(ServerConfigTest, LoadNamesTheFile) {
  edgeid::testing::TempDir dir;
  ServerFlags flags = Minimal();
  flags.config_path = dir.File("missing.toml");
  auto missing = LoadServerConfig(flags);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("missing.toml"), std::string::npos);
  edgeid::testing::WriteTestFile(dir.File("bad.toml"), "[server]\nbind_port = -1\n");
  flags.config_path = dir.File("bad.toml");
  auto bad = LoadServerConfig(flags);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("bad.toml"), std::string::npos);
  EXPECT_NE(bad.error().message.find("server.bind_port"), std::string::npos);
}

}  // namespace
}  // namespace edgeid::server
