// edgeid-mapper's settings: a TOML file ([mapper] table) and flags that override it, validated
// when loaded. docs/mapper.md lists every key with its default.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "crypto/certificate.h"

namespace edgeid::mapper {

// The MQTT broker the readings go to ([mqtt] table). Off while `host` is empty.
struct MapperMqttConfig {
  std::string host;
  uint16_t port = 8883;
  std::string broker_id;  // the broker's SPIFFE ID; empty: any of the trust domain
  std::string client_id;  // empty: the mapper's SPIFFE ID, which the broker binds it to
  int64_t max_pending = 10000;
  std::string queue_dir;   // empty: the queue is in memory
  bool queue_sync = true;  // fdatasync each journaled message
  std::chrono::seconds keepalive{30};
  bool twin_updates = true;
};

// KubeEdge DMI v1beta1 ([dmi] table). Off while both sockets are empty.
struct MapperDmiConfig {
  std::string socket_path;  // the mapper's DeviceMapperService
  std::string
      edgecore_socket;  // EdgeCore's DeviceManagerService (KubeEdge: /etc/kubeedge/dmi.sock)
  std::set<uid_t> allowed_uids;  // default: this process's uid and root
  std::chrono::milliseconds report_interval{1000};
};

struct MapperConfig {
  std::string name = "edgeid-ble-mapper";
  std::string protocol = "ble";  // the protocolName of the Devices it serves
  std::string agent_address = "/run/edgeid/agent/public/api.sock";
  std::vector<std::string> device_files;  // KubeEdge Device and DeviceModel YAML
  std::string manufacturer_roots_path;    // PEM roots of genuine secure elements
  crypto::CertificateChain manufacturer_roots{};
  std::string data_file;  // JSON lines of readings; optional with MQTT
  MapperMqttConfig mqtt;
  MapperDmiConfig dmi;
  std::chrono::seconds refused_retry{30};
  std::string log_level = "info";
  bool log_json = false;
  std::string health_bind_address = "127.0.0.1";
  std::optional<uint16_t> health_port{};
};

struct MapperFlags {
  std::optional<std::string> config_path, name, agent_address, manufacturer_roots, data_file,
      log_level, log_format, refused_retry, health_bind_address, mqtt_host, mqtt_broker_id,
      mqtt_queue_dir, dmi_socket, dmi_edgecore_socket;
  std::vector<int64_t> dmi_allowed_uids;
  std::vector<std::string> device_files;
  std::optional<uint16_t> health_port, mqtt_port;
};

Result<MapperConfig> LoadMapperConfig(const MapperFlags& flags);
Result<MapperConfig> ParseMapperConfig(std::string_view toml_text, const MapperFlags& flags);

}  // namespace edgeid::mapper
