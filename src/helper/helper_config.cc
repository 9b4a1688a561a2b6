#include "helper/helper_config.h"

#include <sys/stat.h>

#include <filesystem>

#include "common/atomic_file.h"
#include "config/toml_reader.h"
#include "helper/command_args.h"
#include "helper/file_mode.h"
#include "helper/signal_name.h"

namespace edgeid::helper {
namespace {

using config::Bad;
using config::GetStrings;

// As config::Get, without toml++'s conversions (which take 1 for true): a wrong type is an error.
template <typename T>
Result<std::optional<T>> Get(const toml::table& table, const std::string& prefix, const char* key) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::optional<T>();
  auto value = node->value_exact<T>();
  if (!value) return Bad(prefix + key, "has the wrong type");
  return std::optional<T>(*value);
}

Result<std::optional<mode_t>> GetFileMode(const toml::table& table, const char* key) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::optional<mode_t>();
  Result<mode_t> mode = InvalidArgument("");
  if (const auto* integer = node->as_integer()) {
    mode = FileModeFromInteger(integer->get());
  } else if (const auto* text = node->as_string()) {
    mode = ParseFileMode(text->get());
  } else {
    return Bad(key, "has the wrong type (an octal mode: 0o644 or \"0644\")");
  }
  if (!mode.ok()) return Bad(key, mode.error().message);
  return std::optional<mode_t>(*mode);
}

Status CheckFileName(const std::string& key, const std::string& name) {
  if (std::filesystem::path(name).is_absolute()) {
    return Bad(key, "\"" + name + "\" must be a file name inside cert_dir, not an absolute path");
  }
  return OkStatus();
}

Result<JwtSvidFile> ReadJwtSvid(const toml::node& node, const std::string& prefix) {
  const auto* table = node.as_table();
  if (table == nullptr) return Bad(prefix, "must be a table");
  const std::string p = prefix + ".";
  EDGEID_RETURN_IF_ERROR(
      config::CheckKeys(*table, p, {"jwt_audience", "jwt_extra_audiences", "jwt_svid_file_name"}));
  JwtSvidFile out;
  out.audience = EDGEID_TRY(Get<std::string>(*table, p, "jwt_audience")).value_or("");
  if (out.audience.empty()) return Bad(p + "jwt_audience", "is required");
  out.extra_audiences = EDGEID_TRY(GetStrings(*table, p, "jwt_extra_audiences"));
  for (const auto& a : out.extra_audiences) {
    if (a.empty()) return Bad(p + "jwt_extra_audiences", "must not hold an empty audience");
  }
  out.file_name = EDGEID_TRY(Get<std::string>(*table, p, "jwt_svid_file_name")).value_or("");
  if (out.file_name.empty()) return Bad(p + "jwt_svid_file_name", "is required");
  EDGEID_RETURN_IF_ERROR(CheckFileName(p + "jwt_svid_file_name", out.file_name));
  return out;
}

Result<HealthChecks> ReadHealthChecks(const toml::node& node) {
  const auto* table = node.as_table();
  if (table == nullptr) return Bad("health_checks", "must be a table");
  const std::string p = "health_checks.";
  EDGEID_RETURN_IF_ERROR(config::CheckKeys(
      *table, p,
      {"listener_enabled", "bind_address", "bind_port", "liveness_path", "readiness_path"}));
  HealthChecks out;
  out.listener_enabled = EDGEID_TRY(Get<bool>(*table, p, "listener_enabled")).value_or(false);
  out.bind_address = EDGEID_TRY(Get<std::string>(*table, p, "bind_address")).value_or("127.0.0.1");
  if (out.bind_address.empty()) return Bad(p + "bind_address", "must not be empty");
  if (auto port = EDGEID_TRY(Get<int64_t>(*table, p, "bind_port"))) {
    out.bind_port = EDGEID_TRY(config::Port(*port, p + "bind_port"));
  }
  out.liveness_path = EDGEID_TRY(Get<std::string>(*table, p, "liveness_path")).value_or("/live");
  out.readiness_path = EDGEID_TRY(Get<std::string>(*table, p, "readiness_path")).value_or("/ready");
  for (const auto& [key, path] : {std::pair{"liveness_path", out.liveness_path},
                                  std::pair{"readiness_path", out.readiness_path}}) {
    if (!path.starts_with("/")) return Bad(p + key, "must start with /");
    if (path == "/metrics") return Bad(p + key, "/metrics is taken by the metrics");
  }
  if (out.liveness_path == out.readiness_path) {
    return Bad(p + "readiness_path", "must differ from liveness_path");
  }
  return out;
}

Status ReadCommand(const toml::table& doc, HelperConfig& c) {
  c.cmd = EDGEID_TRY(Get<std::string>(doc, "", "cmd")).value_or("");
  auto args = EDGEID_TRY(Get<std::string>(doc, "", "cmd_args"));
  if (args) {
    if (c.cmd.empty()) return Bad("cmd_args", "is set but cmd is not");
    auto split = SplitCommandArgs(*args);
    if (!split.ok()) return Bad("cmd_args", split.error().message);
    c.cmd_args = std::move(*split);
  }
  if (auto name = EDGEID_TRY(Get<std::string>(doc, "", "renew_signal"))) {
    if (!name->empty()) {
      auto signal = SignalByName(*name);
      if (!signal.ok()) return Bad("renew_signal", signal.error().message);
      c.renew_signal = *signal;
    }
  }
  c.pid_file_name = EDGEID_TRY(Get<std::string>(doc, "", "pid_file_name")).value_or("");
  if (!c.pid_file_name.empty() && !c.renew_signal) {
    return Bad("pid_file_name", "needs renew_signal: the signal to send to that process");
  }
  return OkStatus();
}

Status ReadFiles(const toml::table& doc, HelperConfig& c) {
  c.cert_dir = EDGEID_TRY(Get<std::string>(doc, "", "cert_dir")).value_or("");
  c.svid_file_name = EDGEID_TRY(Get<std::string>(doc, "", "svid_file_name")).value_or("");
  c.svid_key_file_name = EDGEID_TRY(Get<std::string>(doc, "", "svid_key_file_name")).value_or("");
  c.svid_bundle_file_name =
      EDGEID_TRY(Get<std::string>(doc, "", "svid_bundle_file_name")).value_or("");
  c.add_intermediates_to_bundle =
      EDGEID_TRY(Get<bool>(doc, "", "add_intermediates_to_bundle")).value_or(false);
  c.include_federated_domains =
      EDGEID_TRY(Get<bool>(doc, "", "include_federated_domains")).value_or(false);
  c.jwt_bundle_file_name =
      EDGEID_TRY(Get<std::string>(doc, "", "jwt_bundle_file_name")).value_or("");
  if (const toml::node* node = doc.get("jwt_svids")) {
    const auto* array = node->as_array();
    if (array == nullptr) return Bad("jwt_svids", "must be an array of tables");
    for (size_t i = 0; i < array->size(); ++i) {
      auto svid = EDGEID_TRY(ReadJwtSvid(*array->get(i), "jwt_svids[" + std::to_string(i) + "]"));
      c.jwt_svids.push_back(std::move(svid));
    }
  }
  for (auto [key, target] : {std::pair{"cert_file_mode", &c.cert_file_mode},
                             std::pair{"key_file_mode", &c.key_file_mode},
                             std::pair{"jwt_bundle_file_mode", &c.jwt_bundle_file_mode},
                             std::pair{"jwt_svid_file_mode", &c.jwt_svid_file_mode}}) {
    if (auto mode = EDGEID_TRY(GetFileMode(doc, key))) *target = *mode;
  }
  return OkStatus();
}

Status CheckFiles(const HelperConfig& c) {
  int x509_names = static_cast<int>(!c.svid_file_name.empty()) +
                   static_cast<int>(!c.svid_key_file_name.empty()) +
                   static_cast<int>(!c.svid_bundle_file_name.empty());
  if (x509_names != 0 && x509_names != 3) {
    return Bad("svid_file_name",
               "svid_file_name, svid_key_file_name and svid_bundle_file_name go together: set "
               "all three or none");
  }
  if (x509_names == 0 && c.jwt_svids.empty()) {
    return Bad("svid_file_name",
               "nothing to write: set svid_file_name, svid_key_file_name and "
               "svid_bundle_file_name, or jwt_svids");
  }
  for (const auto& [key, name] : {std::pair{"svid_file_name", c.svid_file_name},
                                  std::pair{"svid_key_file_name", c.svid_key_file_name},
                                  std::pair{"svid_bundle_file_name", c.svid_bundle_file_name},
                                  std::pair{"jwt_bundle_file_name", c.jwt_bundle_file_name}}) {
    EDGEID_RETURN_IF_ERROR(CheckFileName(key, name));
  }
  if (c.cert_dir.empty()) return Bad("cert_dir", "is required: the directory the files go into");
  struct stat st {};
  if (::stat(c.cert_dir.c_str(), &st) != 0) {
    return Bad("cert_dir", "directory " + c.cert_dir + " does not exist");
  }
  if (!S_ISDIR(st.st_mode)) return Bad("cert_dir", c.cert_dir + " is not a directory");
  return OkStatus();
}

}  // namespace

std::string HelperConfig::PathInCertDir(const std::string& name) const {
  return (std::filesystem::path(cert_dir) / name).string();
}

Result<HelperConfig> ParseHelperConfig(std::string_view toml_text, const HelperFlags& flags) {
  toml::table doc = EDGEID_TRY(config::ParseToml(toml_text));
  EDGEID_RETURN_IF_ERROR(config::CheckKeys(doc, "",
                                           {"agent_address",
                                            "cmd",
                                            "cmd_args",
                                            "cert_dir",
                                            "svid_file_name",
                                            "svid_key_file_name",
                                            "svid_bundle_file_name",
                                            "add_intermediates_to_bundle",
                                            "include_federated_domains",
                                            "jwt_svids",
                                            "jwt_bundle_file_name",
                                            "cert_file_mode",
                                            "key_file_mode",
                                            "jwt_bundle_file_mode",
                                            "jwt_svid_file_mode",
                                            "renew_signal",
                                            "pid_file_name",
                                            "daemon_mode",
                                            "hint",
                                            "log_level",
                                            "log_format",
                                            "health_checks"}));
  HelperConfig c;
  if (auto address = EDGEID_TRY(Get<std::string>(doc, "", "agent_address"))) {
    if (address->empty()) return Bad("agent_address", "must not be empty");
    // The agent serves the Workload API on a UNIX socket only.
    if (address->find("://") != std::string::npos && !address->starts_with("unix://")) {
      return Bad("agent_address", "\"" + *address + "\" is not a UNIX socket (unix:///path)");
    }
    c.agent_address = *address;
  }
  EDGEID_RETURN_IF_ERROR(ReadCommand(doc, c));
  EDGEID_RETURN_IF_ERROR(ReadFiles(doc, c));
  c.daemon_mode = EDGEID_TRY(Get<bool>(doc, "", "daemon_mode")).value_or(true);
  if (flags.daemon_mode) c.daemon_mode = *flags.daemon_mode;
  c.hint = EDGEID_TRY(Get<std::string>(doc, "", "hint")).value_or("");
  c.log_level = EDGEID_TRY(Get<std::string>(doc, "", "log_level")).value_or("info");
  EDGEID_RETURN_IF_ERROR(config::CheckLogLevel("log_level", c.log_level));
  if (auto format = EDGEID_TRY(Get<std::string>(doc, "", "log_format"))) {
    c.log_json = EDGEID_TRY(config::IsJsonLogFormat("log_format", *format));
  }
  if (const toml::node* node = doc.get("health_checks")) {
    c.health_checks = EDGEID_TRY(ReadHealthChecks(*node));
  }
  EDGEID_RETURN_IF_ERROR(CheckFiles(c));
  return c;
}

Result<HelperConfig> LoadHelperConfig(const HelperFlags& flags) {
  auto text = ReadFile(flags.config_path, 1 << 20);
  if (!text.ok()) return text.error().Wrap("reading the configuration");
  auto config = ParseHelperConfig(*text, flags);
  if (!config.ok()) return config.error().Wrap(flags.config_path);
  return config;
}

}  // namespace edgeid::helper
