// edgeid-server's settings: SPIRE's key names, a TOML file and flags, validated when loaded.
// docs/server-config.md lists every key with its default.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ca/ca_manager.h"
#include "ca/upstreamauthority/disk/disk_upstream_authority.h"
#include "common/result.h"
#include "crypto/certificate.h"
#include "crypto/key_type.h"
#include "server/datastore/types.h"
#include "spiffe/spiffe_bundle.h"
#include "spiffe/spiffe_id.h"

namespace edgeid::server {

enum class LogFormat { kText, kJson };
enum class KeyManagerKind { kDisk, kMemory };
enum class DatabaseType { kSqlite3, kPostgres };

// This server's SPIFFE bundle endpoint (SPIFFE_Federation.md): other trust domains fetch its
// bundle here.
struct BundleEndpointConfig {
  std::string address;  // default: bind_address
  uint16_t port = 8443;
  std::chrono::seconds refresh_hint{300};
  std::string profile = "https_spiffe";  // or "https_web"
  // https_web: the Web-PKI certificate chain and key (re-read when the files change).
  std::string cert_file_path{};
  std::string key_file_path{};
};

// A federation relationship from the config file, with the bundle that authenticates its
// endpoint at first (https_spiffe), when given.
struct ConfiguredFederation {
  FederationRelationship relationship;
  std::optional<spiffe::SpiffeBundle> initial_bundle{};
};

// OpenID Connect discovery for JWT-SVIDs; the issuer is server.jwt_issuer.
struct OidcDiscoveryConfig {
  std::string address;  // default: bind_address
  uint16_t port = 8444;
  std::string cert_file_path;
  std::string key_file_path;
  std::string jwks_uri;  // default: <jwt_issuer>/keys
};

struct ServerConfig {
  spiffe::TrustDomain trust_domain;
  std::string data_dir;
  std::string bind_address = "127.0.0.1";
  uint16_t bind_port = 8081;
  std::string admin_socket = "/run/edgeid/server/private/api.sock";
  std::string log_level = "info";
  LogFormat log_format = LogFormat::kText;
  std::chrono::seconds ca_ttl{24 * 3600};
  std::chrono::seconds default_x509_svid_ttl{3600};
  std::chrono::seconds default_jwt_svid_ttl{300};
  crypto::KeyType ca_key_type = crypto::KeyType::kEcP256;
  crypto::KeyType jwt_key_type = crypto::KeyType::kEcP256;
  ca::Subject ca_subject = {{"C", "US"}, {"O", "edgeid"}};
  std::string jwt_issuer{};
  DatabaseType database_type = DatabaseType::kSqlite3;
  // sqlite3: the file (default <data_dir>/datastore.sqlite3); postgres: a libpq connection
  // string, which may hold a password and is never logged.
  std::string datastore_connection_string{};
  int datastore_max_open_conns = 4;  // postgres connections per server
  KeyManagerKind key_manager = KeyManagerKind::kDisk;
  std::string keys_path{};  // default: <data_dir>/keys
  std::optional<ca::DiskUpstreamConfig> upstream_authority{};
  std::optional<uint16_t> health_port{};  // /live, /ready and /metrics; off unless set
  std::chrono::seconds agent_ttl{3600};   // agent SVIDs; default_x509_svid_ttl unless set
  // The longest an attestation or entry-sync stream may last: a peer that stalls is cut off.
  std::chrono::seconds agent_stream_timeout{60};
  // Node attestors: join_token is always on; x509pop when its CA bundle is configured.
  std::string x509pop_ca_bundle_path{};
  crypto::CertificateChain x509pop_roots{};  // read from that file when the config is loaded
  // Per caller and second (attestation per IP address, signing per agent, counting SVIDs);
  // 0 turns a limit off.
  double attestation_rate_limit = 1;
  double signing_rate_limit = 500;
  std::optional<BundleEndpointConfig> bundle_endpoint{};
  std::vector<ConfiguredFederation> federates_with{};
  std::optional<OidcDiscoveryConfig> oidc_discovery{};
};

// Values given on the command line; each overrides the file.
struct ServerFlags {
  std::optional<std::string> config_path;
  std::optional<std::string> trust_domain;
  std::optional<std::string> data_dir;
  std::optional<std::string> bind_address;
  std::optional<uint16_t> bind_port;
  std::optional<std::string> admin_socket;
  std::optional<std::string> log_level;
  std::optional<std::string> log_format;
  std::optional<uint16_t> health_port;
  // Durations as in the file ("90s", "1h"); parsed and checked like the file's values.
  std::optional<std::string> ca_ttl, default_x509_svid_ttl, default_jwt_svid_ttl, agent_ttl,
      agent_stream_timeout;
  std::optional<std::string> ca_key_type, jwt_key_type, jwt_issuer;
  std::optional<std::string> database_type, datastore_path, keys_path, x509pop_ca_bundle_path;
  std::optional<int> datastore_max_open_conns;
  std::optional<double> attestation_rate_limit, signing_rate_limit;
};

// Reads the TOML file named by the flags (if any), applies the flags, fills defaults and checks
// every value. Unknown keys are errors, so that a misspelt key is not silently ignored.
Result<ServerConfig> LoadServerConfig(const ServerFlags& flags);
// The same for TOML text, for tests and `edgeid-server validate`.
Result<ServerConfig> ParseServerConfig(std::string_view toml_text, const ServerFlags& flags);

}  // namespace edgeid::server
