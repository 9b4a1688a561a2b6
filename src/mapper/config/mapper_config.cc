#include "mapper/config/mapper_config.h"

#include <unistd.h>

#include "common/atomic_file.h"
#include "config/toml_reader.h"
#include "spiffe/spiffe_id.h"

namespace edgeid::mapper {
namespace {

using config::Bad;
using config::Get;

// Values that are checked after the flags are applied.
struct Unchecked {
  std::optional<int64_t> health_port, mqtt_port;
  std::optional<std::chrono::seconds> refused_retry, dmi_report_interval;
  std::optional<std::string> log_format;
  std::vector<int64_t> dmi_allowed_uids;
};

Status ReadMqttTable(const toml::table& root, MapperMqttConfig& mqtt, Unchecked& unchecked) {
  const toml::table* table = root["mqtt"].as_table();
  if (table == nullptr) {
    if (root.contains("mqtt")) return Bad("mqtt", "must be a table");
    return OkStatus();
  }
  const std::string p = "mqtt.";
  EDGEID_RETURN_IF_ERROR(
      config::CheckKeys(*table, p,
                        {"host", "port", "broker_id", "client_id", "max_pending", "queue_dir",
                         "queue_sync", "keepalive", "twin_updates"}));
  auto set = [](auto& target, const auto& value) {
    if (value) target = *value;
  };
  set(mqtt.host, EDGEID_TRY(Get<std::string>(*table, p, "host")));
  set(mqtt.broker_id, EDGEID_TRY(Get<std::string>(*table, p, "broker_id")));
  set(mqtt.client_id, EDGEID_TRY(Get<std::string>(*table, p, "client_id")));
  set(mqtt.max_pending, EDGEID_TRY(Get<int64_t>(*table, p, "max_pending")));
  set(mqtt.queue_dir, EDGEID_TRY(Get<std::string>(*table, p, "queue_dir")));
  set(mqtt.queue_sync, EDGEID_TRY(Get<bool>(*table, p, "queue_sync")));
  set(mqtt.twin_updates, EDGEID_TRY(Get<bool>(*table, p, "twin_updates")));
  set(mqtt.keepalive, EDGEID_TRY(config::GetDuration(*table, p, "keepalive")));
  unchecked.mqtt_port = EDGEID_TRY(Get<int64_t>(*table, p, "port"));
  return OkStatus();
}

Status ReadDmiTable(const toml::table& root, MapperDmiConfig& dmi, Unchecked& unchecked) {
  const toml::table* table = root["dmi"].as_table();
  if (table == nullptr) {
    if (root.contains("dmi")) return Bad("dmi", "must be a table");
    return OkStatus();
  }
  const std::string p = "dmi.";
  EDGEID_RETURN_IF_ERROR(config::CheckKeys(
      *table, p, {"socket_path", "edgecore_socket", "allowed_uids", "report_interval"}));
  if (auto v = EDGEID_TRY(Get<std::string>(*table, p, "socket_path"))) dmi.socket_path = *v;
  if (auto v = EDGEID_TRY(Get<std::string>(*table, p, "edgecore_socket"))) {
    dmi.edgecore_socket = *v;
  }
  if (const toml::node* uids = table->get("allowed_uids")) {
    const toml::array* list = uids->as_array();
    if (list == nullptr) return Bad(p + "allowed_uids", "must be a list of uids");
    for (const auto& item : *list) {
      auto uid = item.value<int64_t>();
      if (!uid || *uid < 0 || *uid > 0xFFFFFFFE) {
        return Bad(p + "allowed_uids", "must be a list of uids (whole numbers)");
      }
      unchecked.dmi_allowed_uids.push_back(*uid);
    }
  }
  unchecked.dmi_report_interval = EDGEID_TRY(config::GetDuration(*table, p, "report_interval"));
  return OkStatus();
}

Status ReadTable(const toml::table& root, MapperConfig& config, Unchecked& unchecked) {
  EDGEID_RETURN_IF_ERROR(config::CheckKeys(root, "", {"mapper", "mqtt", "dmi"}));
  EDGEID_RETURN_IF_ERROR(ReadMqttTable(root, config.mqtt, unchecked));
  EDGEID_RETURN_IF_ERROR(ReadDmiTable(root, config.dmi, unchecked));
  const toml::table* mapper = root["mapper"].as_table();
  if (mapper == nullptr) return OkStatus();
  const std::string p = "mapper.";
  EDGEID_RETURN_IF_ERROR(config::CheckKeys(
      *mapper, p,
      {"name", "protocol", "agent_address", "device_files", "manufacturer_roots", "data_file",
       "refused_retry", "log_level", "log_format", "health_port", "health_bind_address"}));
  auto set = [](std::string& target, const std::optional<std::string>& value) {
    if (value) target = *value;
  };
  set(config.name, EDGEID_TRY(Get<std::string>(*mapper, p, "name")));
  set(config.protocol, EDGEID_TRY(Get<std::string>(*mapper, p, "protocol")));
  set(config.agent_address, EDGEID_TRY(Get<std::string>(*mapper, p, "agent_address")));
  set(config.manufacturer_roots_path,
      EDGEID_TRY(Get<std::string>(*mapper, p, "manufacturer_roots")));
  set(config.data_file, EDGEID_TRY(Get<std::string>(*mapper, p, "data_file")));
  set(config.log_level, EDGEID_TRY(Get<std::string>(*mapper, p, "log_level")));
  set(config.health_bind_address, EDGEID_TRY(Get<std::string>(*mapper, p, "health_bind_address")));
  unchecked.log_format = EDGEID_TRY(Get<std::string>(*mapper, p, "log_format"));
  unchecked.health_port = EDGEID_TRY(Get<int64_t>(*mapper, p, "health_port"));
  unchecked.refused_retry = EDGEID_TRY(config::GetDuration(*mapper, p, "refused_retry"));
  if (const toml::node* files = mapper->get("device_files")) {
    const toml::array* list = files->as_array();
    if (list == nullptr) return Bad(p + "device_files", "must be a list of paths");
    for (const auto& item : *list) {
      auto path = item.value<std::string>();
      if (!path || path->empty()) return Bad(p + "device_files", "must be a list of paths");
      config.device_files.push_back(*path);
    }
  }
  return OkStatus();
}

}  // namespace

Result<MapperConfig> ParseMapperConfig(std::string_view toml_text, const MapperFlags& flags) {
  toml::table root = EDGEID_TRY(config::ParseToml(toml_text));
  MapperConfig config;
  Unchecked unchecked;
  EDGEID_RETURN_IF_ERROR(ReadTable(root, config, unchecked));
  auto& [port, mqtt_port, refused_retry, dmi_report_interval, log_format, dmi_allowed_uids] =
      unchecked;

  if (flags.name) config.name = *flags.name;
  if (flags.agent_address) config.agent_address = *flags.agent_address;
  if (flags.manufacturer_roots) config.manufacturer_roots_path = *flags.manufacturer_roots;
  if (flags.data_file) config.data_file = *flags.data_file;
  if (flags.log_level) config.log_level = *flags.log_level;
  if (flags.health_bind_address) config.health_bind_address = *flags.health_bind_address;
  if (!flags.device_files.empty()) config.device_files = flags.device_files;
  if (flags.mqtt_host) config.mqtt.host = *flags.mqtt_host;
  if (flags.mqtt_broker_id) config.mqtt.broker_id = *flags.mqtt_broker_id;
  if (flags.mqtt_queue_dir) config.mqtt.queue_dir = *flags.mqtt_queue_dir;
  if (flags.mqtt_port) mqtt_port = *flags.mqtt_port;
  if (flags.dmi_socket) config.dmi.socket_path = *flags.dmi_socket;
  if (flags.dmi_edgecore_socket) config.dmi.edgecore_socket = *flags.dmi_edgecore_socket;
  if (!flags.dmi_allowed_uids.empty()) dmi_allowed_uids = flags.dmi_allowed_uids;
  config::Override(log_format, flags.log_format);
  if (flags.health_port) port = *flags.health_port;
  EDGEID_RETURN_IF_ERROR(
      config::OverrideDuration(refused_retry, flags.refused_retry, "--refused-retry"));

  if (config.name.empty()) return Bad("mapper.name", "must not be empty");
  if (config.protocol.empty()) return Bad("mapper.protocol", "must not be empty");
  if (config.agent_address.empty()) return Bad("mapper.agent_address", "must not be empty");
  if (config.device_files.empty() && config.dmi.edgecore_socket.empty() &&
      config.dmi.socket_path.empty()) {
    return Bad("mapper.device_files",
               "is required (or --device-file) unless the devices come over DMI "
               "(dmi.edgecore_socket or dmi.socket_path)");
  }
  if (config.manufacturer_roots_path.empty()) {
    return Bad("mapper.manufacturer_roots",
               "is required (or --manufacturer-roots): the roots genuine secure elements chain to");
  }
  auto pem = ReadFile(config.manufacturer_roots_path, 1 << 20);
  if (!pem.ok()) return Bad("mapper.manufacturer_roots", pem.error().message);
  auto roots = crypto::ParseCertificatesPem(*pem);
  if (!roots.ok()) return Bad("mapper.manufacturer_roots", roots.error().message);
  if (roots->empty()) return Bad("mapper.manufacturer_roots", "holds no certificate");
  config.manufacturer_roots = std::move(*roots);
  if (config.data_file.empty() && config.mqtt.host.empty()) {
    return Bad("mapper.data_file",
               "or mqtt.host is required (--data-file or --mqtt-host): where readings go");
  }
  if (mqtt_port) {
    config.mqtt.port = EDGEID_TRY(config::Port(*mqtt_port, "mqtt.port"));
    if (config.mqtt.port == 0) return Bad("mqtt.port", "must be the broker's port, not 0");
  }
  if (config.mqtt.max_pending < 1 || config.mqtt.max_pending > 65535) {
    return Bad("mqtt.max_pending", "must be between 1 and 65535 (MQTT's packet identifiers)");
  }
  if (config.mqtt.keepalive < std::chrono::seconds(5) ||
      config.mqtt.keepalive > std::chrono::seconds(65535)) {
    return Bad("mqtt.keepalive", "must be between 5s and 65535s");
  }
  for (int64_t uid : dmi_allowed_uids) {
    if (uid < 0 || uid > 0xFFFFFFFE)
      return Bad("dmi.allowed_uids", std::to_string(uid) + " is not a uid");
    config.dmi.allowed_uids.insert(static_cast<uid_t>(uid));
  }
  if (config.dmi.allowed_uids.empty()) config.dmi.allowed_uids = {::getuid(), 0};
  if (dmi_report_interval) {
    if (*dmi_report_interval < std::chrono::seconds(1)) {
      return Bad("dmi.report_interval", "must be at least 1s");
    }
    config.dmi.report_interval = *dmi_report_interval;
  }
  if (!config.mqtt.broker_id.empty()) {
    auto id = spiffe::SpiffeId::Parse(config.mqtt.broker_id);
    if (!id.ok()) return Bad("mqtt.broker_id", id.error().message);
  }
  EDGEID_RETURN_IF_ERROR(config::CheckLogLevel("mapper.log_level", config.log_level));
  if (log_format)
    config.log_json = EDGEID_TRY(config::IsJsonLogFormat("mapper.log_format", *log_format));
  if (refused_retry) config.refused_retry = *refused_retry;
  if (port) config.health_port = EDGEID_TRY(config::Port(*port, "mapper.health_port"));
  return config;
}

Result<MapperConfig> LoadMapperConfig(const MapperFlags& flags) {
  std::string text;
  if (flags.config_path) {
    auto read = ReadFile(*flags.config_path, 1 << 20);
    if (!read.ok()) return read.error().Wrap("config");
    text = std::move(*read);
  }
  return ParseMapperConfig(text, flags);
}

}  // namespace edgeid::mapper
