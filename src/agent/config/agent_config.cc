#include "agent/config/agent_config.h"

#include "common/atomic_file.h"
#include "config/toml_reader.h"

namespace edgeid::agent {
namespace {

using config::Bad;
using config::CheckKeys;
using config::Get;
using config::GetDuration;
using config::Override;

struct RawConfig {
  std::optional<std::string> server_address, trust_domain, trust_bundle, join_token, data_dir,
      socket_path, log_level, log_format, health_bind_address;
  std::optional<int64_t> server_port, health_port, workload_size_limit,
      workload_api_max_connections_per_uid, workload_api_max_connections;
  std::optional<bool> insecure_bootstrap, discover_workload_path;
  std::optional<std::chrono::seconds> sync_interval, availability_target, workload_api_idle_timeout;
  std::optional<X509PopConfig> x509pop;
};

Status ReadAgentTable(const toml::table& agent, RawConfig& raw) {
  const std::string p = "agent.";
  EDGEID_RETURN_IF_ERROR(
      CheckKeys(agent, p,
                {"server_address", "server_port", "trust_domain", "trust_bundle_path",
                 "insecure_bootstrap", "join_token", "data_dir", "socket_path", "log_level",
                 "log_format", "sync_interval", "availability_target", "health_port",
                 "health_bind_address", "workload_api_max_connections_per_uid",
                 "workload_api_max_connections", "workload_api_idle_timeout"}));
  raw.server_address = EDGEID_TRY(Get<std::string>(agent, p, "server_address"));
  raw.server_port = EDGEID_TRY(Get<int64_t>(agent, p, "server_port"));
  raw.trust_domain = EDGEID_TRY(Get<std::string>(agent, p, "trust_domain"));
  raw.trust_bundle = EDGEID_TRY(Get<std::string>(agent, p, "trust_bundle_path"));
  raw.insecure_bootstrap = EDGEID_TRY(Get<bool>(agent, p, "insecure_bootstrap"));
  raw.join_token = EDGEID_TRY(Get<std::string>(agent, p, "join_token"));
  raw.data_dir = EDGEID_TRY(Get<std::string>(agent, p, "data_dir"));
  raw.socket_path = EDGEID_TRY(Get<std::string>(agent, p, "socket_path"));
  raw.log_level = EDGEID_TRY(Get<std::string>(agent, p, "log_level"));
  raw.log_format = EDGEID_TRY(Get<std::string>(agent, p, "log_format"));
  raw.sync_interval = EDGEID_TRY(GetDuration(agent, p, "sync_interval"));
  raw.availability_target = EDGEID_TRY(GetDuration(agent, p, "availability_target"));
  raw.health_port = EDGEID_TRY(Get<int64_t>(agent, p, "health_port"));
  raw.health_bind_address = EDGEID_TRY(Get<std::string>(agent, p, "health_bind_address"));
  raw.workload_api_max_connections_per_uid =
      EDGEID_TRY(Get<int64_t>(agent, p, "workload_api_max_connections_per_uid"));
  raw.workload_api_max_connections =
      EDGEID_TRY(Get<int64_t>(agent, p, "workload_api_max_connections"));
  raw.workload_api_idle_timeout = EDGEID_TRY(GetDuration(agent, p, "workload_api_idle_timeout"));
  return OkStatus();
}

Status ReadPluginsTable(const toml::table& plugins, RawConfig& raw) {
  EDGEID_RETURN_IF_ERROR(CheckKeys(plugins, "plugins.", {"node_attestor", "workload_attestor"}));
  if (const toml::node* node = plugins.get("node_attestor")) {
    const auto* na = node->as_table();
    if (na == nullptr) return Bad("plugins.node_attestor", "must be a table");
    EDGEID_RETURN_IF_ERROR(CheckKeys(*na, "plugins.node_attestor.", {"join_token", "x509pop"}));
    if (const auto* jt = (*na)["join_token"].as_table()) {
      EDGEID_RETURN_IF_ERROR(CheckKeys(*jt, "plugins.node_attestor.join_token.", {}));
    }
    if (const auto* pop = (*na)["x509pop"].as_table()) {
      const std::string p = "plugins.node_attestor.x509pop.";
      EDGEID_RETURN_IF_ERROR(
          CheckKeys(*pop, p, {"certificate_path", "private_key_path", "intermediates_path"}));
      X509PopConfig x;
      x.certificate_path = EDGEID_TRY(Get<std::string>(*pop, p, "certificate_path")).value_or("");
      x.private_key_path = EDGEID_TRY(Get<std::string>(*pop, p, "private_key_path")).value_or("");
      x.intermediates_path =
          EDGEID_TRY(Get<std::string>(*pop, p, "intermediates_path")).value_or("");
      raw.x509pop = std::move(x);
    }
  }
  if (const toml::node* node = plugins.get("workload_attestor")) {
    const auto* wa = node->as_table();
    if (wa == nullptr) return Bad("plugins.workload_attestor", "must be a table");
    EDGEID_RETURN_IF_ERROR(CheckKeys(*wa, "plugins.workload_attestor.", {"unix"}));
    if (const auto* unix_table = (*wa)["unix"].as_table()) {
      const std::string p = "plugins.workload_attestor.unix.";
      EDGEID_RETURN_IF_ERROR(
          CheckKeys(*unix_table, p, {"discover_workload_path", "workload_size_limit"}));
      raw.discover_workload_path = EDGEID_TRY(Get<bool>(*unix_table, p, "discover_workload_path"));
      raw.workload_size_limit = EDGEID_TRY(Get<int64_t>(*unix_table, p, "workload_size_limit"));
    }
  }
  return OkStatus();
}

Status ApplyFlags(const AgentFlags& flags, RawConfig& raw) {
  Override(raw.server_address, flags.server_address);
  if (flags.server_port) raw.server_port = *flags.server_port;
  Override(raw.trust_domain, flags.trust_domain);
  Override(raw.trust_bundle, flags.trust_bundle);
  Override(raw.join_token, flags.join_token);
  Override(raw.data_dir, flags.data_dir);
  Override(raw.socket_path, flags.socket_path);
  Override(raw.log_level, flags.log_level);
  Override(raw.log_format, flags.log_format);
  Override(raw.insecure_bootstrap, flags.insecure_bootstrap);
  Override(raw.discover_workload_path, flags.discover_workload_path);
  Override(raw.workload_size_limit, flags.workload_size_limit);
  Override(raw.health_bind_address, flags.health_bind_address);
  if (flags.health_port) raw.health_port = *flags.health_port;
  if (flags.x509pop_certificate || flags.x509pop_private_key || flags.x509pop_intermediates) {
    if (!raw.x509pop) raw.x509pop = X509PopConfig{};
    if (flags.x509pop_certificate) raw.x509pop->certificate_path = *flags.x509pop_certificate;
    if (flags.x509pop_private_key) raw.x509pop->private_key_path = *flags.x509pop_private_key;
    if (flags.x509pop_intermediates) {
      raw.x509pop->intermediates_path = *flags.x509pop_intermediates;
    }
  }
  EDGEID_RETURN_IF_ERROR(
      config::OverrideDuration(raw.sync_interval, flags.sync_interval, "--sync-interval"));
  return config::OverrideDuration(raw.availability_target, flags.availability_target,
                                  "--availability-target");
}

Result<AgentConfig> Finish(const RawConfig& raw) {
  if (!raw.trust_domain || raw.trust_domain->empty()) {
    return Bad("agent.trust_domain", "is required (or --trust-domain)");
  }
  auto td = spiffe::TrustDomain::Parse(*raw.trust_domain);
  if (!td.ok()) return Bad("agent.trust_domain", td.error().message);
  AgentConfig config{std::move(*td)};
  if (!raw.data_dir || raw.data_dir->empty()) {
    return Bad("agent.data_dir", "is required (or --data-dir)");
  }
  config.data_dir = *raw.data_dir;
  if (raw.server_address) {
    if (raw.server_address->empty()) return Bad("agent.server_address", "must not be empty");
    config.server_address = *raw.server_address;
  }
  if (raw.server_port) {
    if (*raw.server_port <= 0 || *raw.server_port > 65535) {
      return Bad("agent.server_port", "must be a port number (1 to 65535)");
    }
    config.server_port = static_cast<uint16_t>(*raw.server_port);
  }
  if (raw.socket_path) {
    if (raw.socket_path->empty()) return Bad("agent.socket_path", "must not be empty");
    // sun_path holds 108 bytes with the terminating NUL.
    if (raw.socket_path->size() > 107) return Bad("agent.socket_path", "is longer than 107 bytes");
    config.socket_path = *raw.socket_path;
  }

  if (raw.log_level) config.log_level = *raw.log_level;
  EDGEID_RETURN_IF_ERROR(config::CheckLogLevel("agent.log_level", config.log_level));
  if (raw.log_format) {
    config.log_json = EDGEID_TRY(config::IsJsonLogFormat("agent.log_format", *raw.log_format));
  }

  config.insecure_bootstrap = raw.insecure_bootstrap.value_or(false);
  if (raw.trust_bundle && !raw.trust_bundle->empty()) {
    if (config.insecure_bootstrap) {
      return Bad("agent.insecure_bootstrap", "cannot be combined with trust_bundle_path");
    }
    config.trust_bundle_path = *raw.trust_bundle;
    auto pem = ReadFile(config.trust_bundle_path, 1 << 20);
    if (!pem.ok()) return Bad("agent.trust_bundle_path", pem.error().message);
    auto certs = crypto::ParseCertificatesPem(*pem);
    if (!certs.ok()) return Bad("agent.trust_bundle_path", certs.error().message);
    if (certs->empty()) {
      return Bad("agent.trust_bundle_path", config.trust_bundle_path + " holds no certificate");
    }
    config.trust_bundle = std::move(*certs);
  }

  config.join_token = raw.join_token.value_or("");
  if (!config.join_token.empty()) {
    if (raw.x509pop) {
      return Bad("plugins.node_attestor", "choose one: a join token or x509pop, not both");
    }
    config.node_attestor = NodeAttestorKind::kJoinToken;
  } else if (raw.x509pop) {
    if (raw.x509pop->certificate_path.empty() || raw.x509pop->private_key_path.empty()) {
      return Bad("plugins.node_attestor.x509pop",
                 "certificate_path and private_key_path are required");
    }
    config.node_attestor = NodeAttestorKind::kX509Pop;
    config.x509pop = *raw.x509pop;
  } else {
    config.node_attestor = NodeAttestorKind::kJoinToken;  // needed only if not attested before
  }

  config.discover_workload_path = raw.discover_workload_path.value_or(false);
  if (raw.workload_size_limit) {
    if (*raw.workload_size_limit < 0) {
      return Bad("plugins.workload_attestor.unix.workload_size_limit", "must not be negative");
    }
    config.workload_size_limit = *raw.workload_size_limit;
  }
  if (raw.sync_interval) config.sync_interval = *raw.sync_interval;
  config.availability_target = raw.availability_target;
  if (config.availability_target && *config.availability_target < std::chrono::hours(24)) {
    return Bad("agent.availability_target", "must be at least 24h (as SPIRE requires)");
  }
  if (raw.health_bind_address) config.health_bind_address = *raw.health_bind_address;
  if (raw.health_port) {
    auto port = EDGEID_TRY(config::Port(*raw.health_port, "agent.health_port"));
    config.health_port = port;
  }
  if (raw.workload_api_max_connections_per_uid) {
    if (*raw.workload_api_max_connections_per_uid < 1) {
      return Bad("agent.workload_api_max_connections_per_uid", "must be at least 1");
    }
    config.workload_api_max_connections_per_uid = *raw.workload_api_max_connections_per_uid;
  }
  if (raw.workload_api_max_connections) {
    if (*raw.workload_api_max_connections < 1) {
      return Bad("agent.workload_api_max_connections", "must be at least 1");
    }
    config.workload_api_max_connections = *raw.workload_api_max_connections;
  }
  if (raw.workload_api_idle_timeout) {
    config.workload_api_idle_timeout = *raw.workload_api_idle_timeout;
  }
  return config;
}

}  // namespace

Result<AgentConfig> ParseAgentConfig(std::string_view toml_text, const AgentFlags& flags) {
  RawConfig raw;
  toml::table doc = EDGEID_TRY(config::ParseToml(toml_text));
  EDGEID_RETURN_IF_ERROR(CheckKeys(doc, "", {"agent", "plugins"}));
  if (const toml::node* agent = doc.get("agent")) {
    if (!agent->is_table()) return Bad("agent", "must be a table");
    EDGEID_RETURN_IF_ERROR(ReadAgentTable(*agent->as_table(), raw));
  }
  if (const toml::node* plugins = doc.get("plugins")) {
    if (!plugins->is_table()) return Bad("plugins", "must be a table");
    EDGEID_RETURN_IF_ERROR(ReadPluginsTable(*plugins->as_table(), raw));
  }
  EDGEID_RETURN_IF_ERROR(ApplyFlags(flags, raw));
  return Finish(raw);
}

Result<AgentConfig> LoadAgentConfig(const AgentFlags& flags) {
  std::string text;
  if (flags.config_path) {
    auto content = ReadFile(*flags.config_path, 1 << 20);
    if (!content.ok()) return content.error();
    text = std::move(*content);
  }
  auto config = ParseAgentConfig(text, flags);
  if (!config.ok() && flags.config_path) return config.error().Wrap(*flags.config_path);
  return config;
}

}  // namespace edgeid::agent
