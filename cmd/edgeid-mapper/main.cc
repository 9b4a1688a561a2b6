// edgeid-mapper: a KubeEdge-style BLE mapper that must be attested before it touches a device,
// and admits only devices whose secure element proves them genuine.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "common/daemon.h"
#include "common/log.h"
#include "common/version.h"
#include "mapper/config/mapper_config.h"
#include "mapper/mapper.h"

namespace {

using edgeid::mapper::MapperFlags;

void AddFlags(CLI::App* cmd, MapperFlags& flags) {
  cmd->add_option("--config", flags.config_path,
                  "TOML configuration file ([mapper], [mqtt] and [dmi] tables)");
  cmd->add_option("--name", flags.name, "Mapper name (mapper.name)");
  cmd->add_option("--agent-address", flags.agent_address, "Workload API socket of the agent");
  cmd->add_option("--device-file", flags.device_files,
                  "KubeEdge Device/DeviceModel YAML (repeatable; mapper.device_files)");
  cmd->add_option("--manufacturer-roots", flags.manufacturer_roots,
                  "PEM roots genuine secure elements chain to");
  cmd->add_option("--data-file", flags.data_file, "Where readings are appended as JSON lines");
  cmd->add_option("--mqtt-host", flags.mqtt_host, "MQTT broker the readings go to (mqtt.host)");
  cmd->add_option("--mqtt-port", flags.mqtt_port, "MQTT broker's TLS port (default 8883)");
  cmd->add_option("--mqtt-broker-id", flags.mqtt_broker_id,
                  "SPIFFE ID the broker must present (mqtt.broker_id)");
  cmd->add_option("--mqtt-queue-dir", flags.mqtt_queue_dir,
                  "Keep unacknowledged readings on disk here (default: in memory)");
  cmd->add_option("--dmi-socket", flags.dmi_socket,
                  "Serve KubeEdge's DMI DeviceMapperService on this UNIX socket");
  cmd->add_option("--dmi-edgecore-socket", flags.dmi_edgecore_socket,
                  "EdgeCore's DMI socket to register with (e.g. /etc/kubeedge/dmi.sock)");
  cmd->add_option("--dmi-allowed-uid", flags.dmi_allowed_uids,
                  "A uid allowed to talk DMI with the mapper (repeatable; default: own uid, root)");
  cmd->add_option("--refused-retry", flags.refused_retry,
                  "How long a refused device is left alone (e.g. 30s)");
  cmd->add_option("--log-level", flags.log_level, "trace, debug, info, warn or error");
  cmd->add_option("--log-format", flags.log_format, "text or json");
  cmd->add_option("--health-port", flags.health_port, "Port for /live, /ready and /metrics");
  cmd->add_option("--health-bind-address", flags.health_bind_address,
                  "Address of the health port (default 127.0.0.1)");
}

int Fail(const edgeid::Error& error) {
  std::cerr << "edgeid-mapper: " << error.message << "\n";
  return 1;
}

int RunMapper(const MapperFlags& flags) {
  auto config = edgeid::mapper::LoadMapperConfig(flags);
  if (!config.ok()) return Fail(config.error());
  auto log = edgeid::MakeLogger("mapper", {config->log_level, config->log_json});
  if (!log.ok()) return Fail(log.error());
  edgeid::BlockTerminationSignals();
  auto mapper = edgeid::mapper::Mapper::Start(std::move(*config), *log);
  if (!mapper.ok()) {
    (*log)->error("{}", mapper.error().message);
    return 1;
  }
  return (*mapper)->Run().ok() ? 0 : 1;
}

int Run(int argc, char** argv) {
  CLI::App app{"edgeid-mapper: attested BLE mapper with secure-element device authentication"};
  app.set_version_flag("--version", "edgeid-mapper " + edgeid::VersionText());
  app.require_subcommand(1);
  MapperFlags run_flags;
  AddFlags(app.add_subcommand("run", "Run the mapper"), run_flags);
  MapperFlags validate_flags;
  auto* validate =
      app.add_subcommand("validate", "Check the configuration and the Device files, then exit");
  AddFlags(validate, validate_flags);
  CLI11_PARSE(app, argc, argv);
  if (app.got_subcommand("validate")) {
    auto config = edgeid::mapper::LoadMapperConfig(validate_flags);
    if (!config.ok()) return Fail(config.error());
    auto catalog = edgeid::mapper::LoadDeviceCatalog(config->device_files, config->protocol);
    if (!catalog.ok()) return Fail(catalog.error());
    std::cout << "configuration valid: " << catalog->devices.size() << " device(s), "
              << catalog->models.size() << " model(s)\n";
    return 0;
  }
  return RunMapper(run_flags);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {  // e.g. out of memory; the libraries do not throw
    std::cerr << "edgeid-mapper: " << e.what() << "\n";
    return 1;
  }
}
