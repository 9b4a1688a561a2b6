// edgeid-agent's settings: SPIRE agent's key names, a TOML file and flags, validated when
// loaded. docs/agent-config.md lists every key with its default.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "crypto/certificate.h"
#include "spiffe/spiffe_id.h"

namespace edgeid::agent {

enum class NodeAttestorKind { kJoinToken, kX509Pop };

struct X509PopConfig {
  std::string certificate_path;    // PEM, the node's leaf certificate (may hold intermediates)
  std::string private_key_path;    // PEM
  std::string intermediates_path;  // optional PEM
};

struct AgentConfig {
  spiffe::TrustDomain trust_domain;
  std::string server_address = "127.0.0.1";
  uint16_t server_port = 8081;
  // The server's CA certificates for the first connection. After that the agent keeps the bundle
  // it receives in data_dir and uses that one.
  std::string trust_bundle_path{};
  crypto::CertificateChain trust_bundle{};  // read from that file when loaded
  bool insecure_bootstrap = false;          // first connection without checking the server
  std::string data_dir{};
  std::string socket_path = "/run/edgeid/agent/public/api.sock";
  // Workload API connections: at most this many open per uid and in all (more are closed at
  // accept), and closed after this long without a call in progress (0: never).
  int64_t workload_api_max_connections_per_uid = 64;
  int64_t workload_api_max_connections = 1024;
  std::chrono::seconds workload_api_idle_timeout{60};
  std::string log_level = "info";
  bool log_json = false;
  NodeAttestorKind node_attestor = NodeAttestorKind::kJoinToken;
  std::string join_token{};
  X509PopConfig x509pop{};
  // Workload attestor unix: with discover_workload_path, unix:path and unix:sha256 of binaries
  // up to workload_size_limit bytes (0: no limit).
  bool discover_workload_path = false;
  int64_t workload_size_limit = 0;
  // How often entries and bundles are synced (SPIRE's experimental sync_interval).
  std::chrono::seconds sync_interval{5};
  // Rotate when this much validity remains, so that workloads keep valid SVIDs through a server
  // outage this long; half-life when unset or when SVIDs are too short for it.
  std::optional<std::chrono::seconds> availability_target{};
  std::string health_bind_address = "127.0.0.1";
  std::optional<uint16_t> health_port{};  // /live, /ready, /metrics; off unless set
};

struct AgentFlags {
  std::optional<std::string> config_path;
  std::optional<std::string> server_address;
  std::optional<uint16_t> server_port;
  std::optional<std::string> trust_domain, trust_bundle, join_token, data_dir, socket_path,
      log_level, log_format;
  std::optional<bool> insecure_bootstrap, discover_workload_path;
  std::optional<std::string> x509pop_certificate, x509pop_private_key, x509pop_intermediates;
  std::optional<int64_t> workload_size_limit;
  std::optional<std::string> sync_interval, availability_target;  // durations ("5s")
  std::optional<uint16_t> health_port;
  std::optional<std::string> health_bind_address;
};

// Reads the TOML file named by the flags (if any), applies the flags, fills defaults and checks
// every value. Unknown keys are errors.
Result<AgentConfig> LoadAgentConfig(const AgentFlags& flags);
Result<AgentConfig> ParseAgentConfig(std::string_view toml_text, const AgentFlags& flags);

}  // namespace edgeid::agent
