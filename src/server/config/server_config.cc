#include "server/config/server_config.h"

#include "common/atomic_file.h"
#include "config/toml_reader.h"
#include "crypto/certificate.h"
#include "server/config/federation_config.h"

namespace edgeid::server {
namespace {

using config::Bad;
using config::CheckKeys;
using config::Get;
using config::GetDuration;
using config::Override;
using config::Port;

// The raw values before defaults and validation.
struct RawConfig {
  std::optional<std::string> trust_domain, data_dir, bind_address, admin_socket, log_level,
      log_format, ca_key_type, jwt_key_type, jwt_issuer, database_type, datastore_path, keys_path;
  std::optional<int64_t> max_open_conns;
  std::optional<int64_t> bind_port, health_port;
  std::optional<std::chrono::seconds> ca_ttl, x509_ttl, jwt_ttl, agent_ttl, stream_timeout;
  std::optional<double> attestation_rate, signing_rate;
  std::optional<std::string> x509pop_ca_bundle_path;
  std::optional<ca::Subject> ca_subject;
  std::optional<ca::DiskUpstreamConfig> upstream;
  std::optional<KeyManagerKind> key_manager;
};

Status ReadServerTable(const toml::table& server, RawConfig& raw) {
  const std::string p = "server.";
  EDGEID_RETURN_IF_ERROR(CheckKeys(server, p,
                                   {"trust_domain",
                                    "data_dir",
                                    "bind_address",
                                    "bind_port",
                                    "socket_path",
                                    "log_level",
                                    "log_format",
                                    "ca_ttl",
                                    "default_x509_svid_ttl",
                                    "default_jwt_svid_ttl",
                                    "ca_key_type",
                                    "jwt_key_type",
                                    "jwt_issuer",
                                    "ca_subject",
                                    "health_port",
                                    "agent_ttl",
                                    "agent_stream_timeout",
                                    "ratelimit",
                                    "federation",
                                    "oidc_discovery"}));
  raw.trust_domain = EDGEID_TRY(Get<std::string>(server, p, "trust_domain"));
  raw.data_dir = EDGEID_TRY(Get<std::string>(server, p, "data_dir"));
  raw.bind_address = EDGEID_TRY(Get<std::string>(server, p, "bind_address"));
  raw.bind_port = EDGEID_TRY(Get<int64_t>(server, p, "bind_port"));
  raw.admin_socket = EDGEID_TRY(Get<std::string>(server, p, "socket_path"));
  raw.log_level = EDGEID_TRY(Get<std::string>(server, p, "log_level"));
  raw.log_format = EDGEID_TRY(Get<std::string>(server, p, "log_format"));
  raw.ca_ttl = EDGEID_TRY(GetDuration(server, p, "ca_ttl"));
  raw.x509_ttl = EDGEID_TRY(GetDuration(server, p, "default_x509_svid_ttl"));
  raw.jwt_ttl = EDGEID_TRY(GetDuration(server, p, "default_jwt_svid_ttl"));
  raw.ca_key_type = EDGEID_TRY(Get<std::string>(server, p, "ca_key_type"));
  raw.jwt_key_type = EDGEID_TRY(Get<std::string>(server, p, "jwt_key_type"));
  raw.jwt_issuer = EDGEID_TRY(Get<std::string>(server, p, "jwt_issuer"));
  raw.health_port = EDGEID_TRY(Get<int64_t>(server, p, "health_port"));
  raw.agent_ttl = EDGEID_TRY(GetDuration(server, p, "agent_ttl"));
  raw.stream_timeout = EDGEID_TRY(GetDuration(server, p, "agent_stream_timeout"));
  if (const toml::node* node = server.get("ratelimit")) {
    const toml::table* limits = node->as_table();
    if (limits == nullptr) return Bad(p + "ratelimit", "must be a table");
    const std::string rp = p + "ratelimit.";
    EDGEID_RETURN_IF_ERROR(CheckKeys(*limits, rp, {"attestation", "signing"}));
    for (auto [key, target] : {std::pair{"attestation", &raw.attestation_rate},
                               std::pair{"signing", &raw.signing_rate}}) {
      const toml::node* value = limits->get(key);
      if (value == nullptr) continue;
      auto number = value->value<double>();  // integers convert too
      if (!number || *number < 0) {
        return Bad(rp + key, "must be a number of requests per second, 0 to turn it off");
      }
      *target = *number;
    }
  }
  if (const toml::node* node = server.get("ca_subject")) {
    const toml::table* subject = node->as_table();
    if (subject == nullptr) return Bad(p + "ca_subject", "must be a table");
    const std::string sp = p + "ca_subject.";
    EDGEID_RETURN_IF_ERROR(CheckKeys(*subject, sp, {"country", "organization", "common_name"}));
    ca::Subject parsed;
    for (auto [key, short_name] : {std::pair{"country", "C"}, std::pair{"organization", "O"},
                                   std::pair{"common_name", "CN"}}) {
      auto value = EDGEID_TRY(Get<std::string>(*subject, sp, key));
      if (value && !value->empty()) parsed.emplace_back(short_name, *value);
    }
    raw.ca_subject = std::move(parsed);
  }
  return OkStatus();
}

Status ReadPluginsTable(const toml::table& plugins, RawConfig& raw) {
  EDGEID_RETURN_IF_ERROR(CheckKeys(
      plugins, "plugins.", {"datastore", "key_manager", "upstream_authority", "node_attestor"}));
  if (const auto* na = plugins["node_attestor"].as_table()) {
    EDGEID_RETURN_IF_ERROR(CheckKeys(*na, "plugins.node_attestor.", {"join_token", "x509pop"}));
    if (const auto* jt = (*na)["join_token"].as_table()) {
      EDGEID_RETURN_IF_ERROR(CheckKeys(*jt, "plugins.node_attestor.join_token.", {}));
    }
    if (const auto* pop = (*na)["x509pop"].as_table()) {
      const std::string p = "plugins.node_attestor.x509pop.";
      EDGEID_RETURN_IF_ERROR(CheckKeys(*pop, p, {"ca_bundle_path"}));
      raw.x509pop_ca_bundle_path = EDGEID_TRY(Get<std::string>(*pop, p, "ca_bundle_path"));
      if (!raw.x509pop_ca_bundle_path || raw.x509pop_ca_bundle_path->empty()) {
        return Bad(p + "ca_bundle_path", "is required");
      }
    }
  }
  if (const auto* ds = plugins["datastore"].as_table()) {
    EDGEID_RETURN_IF_ERROR(CheckKeys(*ds, "plugins.datastore.", {"sql"}));
    if (const auto* sql = (*ds)["sql"].as_table()) {
      const std::string p = "plugins.datastore.sql.";
      EDGEID_RETURN_IF_ERROR(
          CheckKeys(*sql, p, {"database_type", "connection_string", "max_open_conns"}));
      raw.database_type = EDGEID_TRY(Get<std::string>(*sql, p, "database_type"));
      raw.datastore_path = EDGEID_TRY(Get<std::string>(*sql, p, "connection_string"));
      raw.max_open_conns = EDGEID_TRY(Get<int64_t>(*sql, p, "max_open_conns"));
    }
  }
  if (const auto* km = plugins["key_manager"].as_table()) {
    EDGEID_RETURN_IF_ERROR(CheckKeys(*km, "plugins.key_manager.", {"disk", "memory"}));
    if (km->contains("disk") && km->contains("memory")) {
      return Bad("plugins.key_manager", "configure one key manager, not both");
    }
    if (const auto* disk = (*km)["disk"].as_table()) {
      const std::string p = "plugins.key_manager.disk.";
      EDGEID_RETURN_IF_ERROR(CheckKeys(*disk, p, {"keys_path"}));
      raw.key_manager = KeyManagerKind::kDisk;
      raw.keys_path = EDGEID_TRY(Get<std::string>(*disk, p, "keys_path"));
    } else if (km->contains("memory")) {
      raw.key_manager = KeyManagerKind::kMemory;
    }
  }
  if (const auto* ua = plugins["upstream_authority"].as_table()) {
    EDGEID_RETURN_IF_ERROR(CheckKeys(*ua, "plugins.upstream_authority.", {"disk"}));
    if (const auto* disk = (*ua)["disk"].as_table()) {
      const std::string p = "plugins.upstream_authority.disk.";
      EDGEID_RETURN_IF_ERROR(
          CheckKeys(*disk, p, {"cert_file_path", "key_file_path", "bundle_file_path"}));
      ca::DiskUpstreamConfig upstream;
      upstream.cert_file_path =
          EDGEID_TRY(Get<std::string>(*disk, p, "cert_file_path")).value_or("");
      upstream.key_file_path = EDGEID_TRY(Get<std::string>(*disk, p, "key_file_path")).value_or("");
      upstream.bundle_file_path =
          EDGEID_TRY(Get<std::string>(*disk, p, "bundle_file_path")).value_or("");
      if (upstream.cert_file_path.empty() || upstream.key_file_path.empty()) {
        return Bad(p, "cert_file_path and key_file_path are required");
      }
      raw.upstream = std::move(upstream);
    }
  }
  return OkStatus();
}

}  // namespace

Result<ServerConfig> ParseServerConfig(std::string_view toml_text, const ServerFlags& flags) {
  RawConfig raw;
  toml::table doc = EDGEID_TRY(config::ParseToml(toml_text));
  EDGEID_RETURN_IF_ERROR(CheckKeys(doc, "", {"server", "plugins"}));
  if (const toml::node* server = doc.get("server")) {
    if (!server->is_table()) return Bad("server", "must be a table");
    EDGEID_RETURN_IF_ERROR(ReadServerTable(*server->as_table(), raw));
  }
  if (const toml::node* plugins = doc.get("plugins")) {
    if (!plugins->is_table()) return Bad("plugins", "must be a table");
    EDGEID_RETURN_IF_ERROR(ReadPluginsTable(*plugins->as_table(), raw));
  }

  Override(raw.trust_domain, flags.trust_domain);
  Override(raw.data_dir, flags.data_dir);
  Override(raw.bind_address, flags.bind_address);
  if (flags.bind_port) raw.bind_port = *flags.bind_port;
  Override(raw.admin_socket, flags.admin_socket);
  Override(raw.log_level, flags.log_level);
  Override(raw.log_format, flags.log_format);
  if (flags.health_port) raw.health_port = *flags.health_port;
  for (auto [flag, target, name] :
       {std::tuple{&flags.ca_ttl, &raw.ca_ttl, "--ca-ttl"},
        std::tuple{&flags.default_x509_svid_ttl, &raw.x509_ttl, "--default-x509-svid-ttl"},
        std::tuple{&flags.default_jwt_svid_ttl, &raw.jwt_ttl, "--default-jwt-svid-ttl"},
        std::tuple{&flags.agent_ttl, &raw.agent_ttl, "--agent-ttl"},
        std::tuple{&flags.agent_stream_timeout, &raw.stream_timeout, "--agent-stream-timeout"}}) {
    EDGEID_RETURN_IF_ERROR(config::OverrideDuration(*target, *flag, name));
  }
  Override(raw.ca_key_type, flags.ca_key_type);
  Override(raw.jwt_key_type, flags.jwt_key_type);
  Override(raw.jwt_issuer, flags.jwt_issuer);
  Override(raw.database_type, flags.database_type);
  Override(raw.datastore_path, flags.datastore_path);
  if (flags.datastore_max_open_conns) raw.max_open_conns = *flags.datastore_max_open_conns;
  if (flags.keys_path) {
    raw.keys_path = flags.keys_path;
    if (!raw.key_manager) raw.key_manager = KeyManagerKind::kDisk;
  }
  Override(raw.x509pop_ca_bundle_path, flags.x509pop_ca_bundle_path);
  for (auto [flag, target, name] :
       {std::tuple{&flags.attestation_rate_limit, &raw.attestation_rate,
                   "--attestation-rate-limit"},
        std::tuple{&flags.signing_rate_limit, &raw.signing_rate, "--signing-rate-limit"}}) {
    if (!*flag) continue;
    if (**flag < 0) return Bad(name, "must be a number of requests per second, 0 to turn it off");
    *target = **flag;
  }

  if (!raw.trust_domain || raw.trust_domain->empty()) {
    return Bad("server.trust_domain", "is required (or --trust-domain)");
  }
  auto td = spiffe::TrustDomain::Parse(*raw.trust_domain);
  if (!td.ok()) return Bad("server.trust_domain", td.error().message);
  ServerConfig config{*td, raw.data_dir.value_or("")};
  if (config.data_dir.empty()) return Bad("server.data_dir", "is required (or --data-dir)");
  if (raw.bind_address) config.bind_address = *raw.bind_address;
  if (config.bind_address.empty()) return Bad("server.bind_address", "must not be empty");
  if (raw.bind_port) config.bind_port = EDGEID_TRY(Port(*raw.bind_port, "server.bind_port"));
  if (raw.admin_socket) config.admin_socket = *raw.admin_socket;
  if (config.admin_socket.empty() || config.admin_socket.size() > 107) {
    return Bad("server.socket_path", "must be a path of 1 to 107 bytes (a UNIX socket limit)");
  }
  if (raw.log_level) config.log_level = *raw.log_level;
  EDGEID_RETURN_IF_ERROR(config::CheckLogLevel("server.log_level", config.log_level));
  if (raw.log_format) {
    bool json = EDGEID_TRY(config::IsJsonLogFormat("server.log_format", *raw.log_format));
    config.log_format = json ? LogFormat::kJson : LogFormat::kText;
  }
  if (raw.ca_ttl) config.ca_ttl = *raw.ca_ttl;
  if (raw.x509_ttl) config.default_x509_svid_ttl = *raw.x509_ttl;
  if (raw.jwt_ttl) config.default_jwt_svid_ttl = *raw.jwt_ttl;
  if (config.default_x509_svid_ttl >= config.ca_ttl) {
    return Bad("server.default_x509_svid_ttl", "must be shorter than ca_ttl");
  }
  for (auto [raw_type, target, key] :
       {std::tuple{&raw.ca_key_type, &config.ca_key_type, "server.ca_key_type"},
        std::tuple{&raw.jwt_key_type, &config.jwt_key_type, "server.jwt_key_type"}}) {
    if (!*raw_type) continue;
    auto type = crypto::ParseKeyType(**raw_type);
    if (!type.ok()) return Bad(key, type.error().message);
    *target = *type;
  }
  if (raw.ca_subject) config.ca_subject = *raw.ca_subject;
  if (raw.jwt_issuer) config.jwt_issuer = *raw.jwt_issuer;
  const std::string ds = "plugins.datastore.sql.";
  if (raw.database_type && *raw.database_type == "postgres") {
    config.database_type = DatabaseType::kPostgres;
    if (!raw.datastore_path || raw.datastore_path->empty()) {
      return Bad(ds + "connection_string",
                 "is required for postgres (e.g. \"host=/run/postgresql dbname=edgeid\")");
    }
  } else if (raw.database_type && *raw.database_type != "sqlite3") {
    return Bad(ds + "database_type", "\"" + *raw.database_type + "\" is not sqlite3 or postgres");
  }
  config.datastore_connection_string =
      raw.datastore_path.value_or(config.data_dir + "/datastore.sqlite3");
  if (raw.max_open_conns) {
    if (*raw.max_open_conns < 1 || *raw.max_open_conns > 100) {
      return Bad(ds + "max_open_conns", "must be between 1 and 100");
    }
    config.datastore_max_open_conns = static_cast<int>(*raw.max_open_conns);
  }
  if (raw.key_manager) config.key_manager = *raw.key_manager;
  config.keys_path = raw.keys_path.value_or(config.data_dir + "/keys");
  config.upstream_authority = raw.upstream;
  if (raw.health_port)
    config.health_port = EDGEID_TRY(Port(*raw.health_port, "server.health_port"));
  config.agent_ttl = raw.agent_ttl.value_or(config.default_x509_svid_ttl);
  if (raw.stream_timeout) config.agent_stream_timeout = *raw.stream_timeout;
  if (config.agent_ttl >= config.ca_ttl)
    return Bad("server.agent_ttl", "must be shorter than ca_ttl");
  if (raw.attestation_rate) config.attestation_rate_limit = *raw.attestation_rate;
  if (raw.signing_rate) config.signing_rate_limit = *raw.signing_rate;
  if (raw.x509pop_ca_bundle_path) {
    config.x509pop_ca_bundle_path = *raw.x509pop_ca_bundle_path;
    // Read now so that a missing or broken bundle is a startup error, not a refused agent.
    auto pem = ReadFile(config.x509pop_ca_bundle_path);
    if (!pem.ok()) return Bad("plugins.node_attestor.x509pop.ca_bundle_path", pem.error().message);
    auto roots = crypto::ParseCertificatesPem(*pem);
    if (!roots.ok()) {
      return Bad("plugins.node_attestor.x509pop.ca_bundle_path",
                 config.x509pop_ca_bundle_path + ": " + roots.error().message);
    }
    config.x509pop_roots = std::move(*roots);
  }
  if (const auto* server = doc["server"].as_table()) {
    EDGEID_RETURN_IF_ERROR(ReadFederationTables(*server, config));
  }
  if (config.oidc_discovery && config.jwt_issuer.empty()) {
    return Bad("server.oidc_discovery", "needs server.jwt_issuer (the issuer it publishes)");
  }
  return config;
}

Result<ServerConfig> LoadServerConfig(const ServerFlags& flags) {
  std::string text;
  if (flags.config_path) {
    auto file = ReadFile(*flags.config_path);
    if (!file.ok()) return file.error().Wrap("reading config");
    text = std::move(*file);
  }
  auto config = ParseServerConfig(text, flags);
  if (!config.ok() && flags.config_path) return config.error().Wrap(*flags.config_path);
  return config;
}

}  // namespace edgeid::server
