// edgeid-helper's settings: spiffe-helper's key names in a TOML file, validated when loaded.
// docs/helper.md lists every key with its default.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace edgeid::helper {

// One JWT-SVID kept in a file: fetched for jwt_audience plus jwt_extra_audiences.
struct JwtSvidFile {
  std::string audience;
  std::vector<std::string> extra_audiences;
  std::string file_name;
};

struct HealthChecks {
  bool listener_enabled = false;
  std::string bind_address = "127.0.0.1";
  uint16_t bind_port = 8081;  // spiffe-helper's default
  std::string liveness_path = "/live";
  std::string readiness_path = "/ready";
};

struct HelperConfig {
  std::string agent_address = "/run/edgeid/agent/public/api.sock";
  std::string cmd;                    // empty: no process to start
  std::vector<std::string> cmd_args;  // split from the cmd_args string
  std::string cert_dir;
  // X.509: all three or none.
  std::string svid_file_name;
  std::string svid_key_file_name;
  std::string svid_bundle_file_name;
  bool add_intermediates_to_bundle = false;
  bool include_federated_domains = false;
  std::vector<JwtSvidFile> jwt_svids;
  std::string jwt_bundle_file_name;  // empty: not written
  mode_t cert_file_mode = 0644;
  mode_t key_file_mode = 0600;
  mode_t jwt_bundle_file_mode = 0600;
  mode_t jwt_svid_file_mode = 0600;
  std::optional<int> renew_signal;  // sent to cmd and to pid_file_name's process on renewal
  std::string pid_file_name;
  bool daemon_mode = true;
  std::string hint;  // empty: the Workload API's first (default) SVID
  std::string log_level = "info";
  bool log_json = false;
  HealthChecks health_checks;

  bool writes_x509() const { return !svid_file_name.empty(); }
  // `name` inside cert_dir.
  std::string PathInCertDir(const std::string& name) const;
};

struct HelperFlags {
  std::string config_path = "helper.conf";  // spiffe-helper's default
  std::optional<bool> daemon_mode;          // wins over the file's daemon_mode
};

// Parses the TOML text, applies the flags, fills defaults and checks every value (cert_dir must
// exist). Unknown keys are errors naming the key.
Result<HelperConfig> ParseHelperConfig(std::string_view toml_text, const HelperFlags& flags);
// Reads flags.config_path and parses it; errors name the file.
Result<HelperConfig> LoadHelperConfig(const HelperFlags& flags);

}  // namespace edgeid::helper
