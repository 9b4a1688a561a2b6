// edgeid-mapper: the KubeEdge-style BLE mapper that is attested before it may touch a device.
// It gets its SVID from the agent, serves every Device of its files and of EdgeCore (DMI) with a
// DeviceWorker, publishes readings to its sinks (MQTT, a file, the DMI twin reports), and follows
// edits of the Device files as KubeEdge's UpdateDevice would.
#pragma once

#include <spdlog/logger.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "common/metrics.h"
#include "common/result.h"
#include "health/health_endpoint.h"
#include "mapper/config/mapper_config.h"
#include "mapper/crd/device_crd.h"
#include "mapper/device/device_fleet.h"
#include "mapper/dmi/dmi.h"
#include "mapper/identity/svid_source.h"
#include "mapper/mqtt/mqtt_sink.h"
#include "mapper/sink/fan_out_sink.h"
#include "mapper/sink/json_lines_sink.h"
#include "mapper/sink/latest_readings.h"

namespace edgeid::mapper {

class Mapper {
 public:
  static Result<std::unique_ptr<Mapper>> Start(MapperConfig config,
                                               std::shared_ptr<spdlog::logger> log);
  ~Mapper();
  Mapper(const Mapper&) = delete;
  Mapper& operator=(const Mapper&) = delete;

  // Runs until SIGTERM or SIGINT (blocked by the caller beforehand).
  Status Run();

 private:
  Mapper() = default;
  // Reloads the Device files when one changed; a bad edit is logged and ignored.
  void ReloadIfChanged();
  // Desired values from the cloud (MQTT twin delta) to the device they name.
  void ApplyDelta(const TwinDelta& delta);
  void StopAll();

  MapperConfig config_;
  std::shared_ptr<spdlog::logger> log_;
  Metrics metrics_;
  std::unique_ptr<SvidSource> identity_;
  std::unique_ptr<JsonLinesSink> file_sink_;
  std::unique_ptr<MqttSink> mqtt_sink_;
  LatestReadings latest_;
  std::unique_ptr<FanOutSink> sink_;
  std::unique_ptr<DeviceFleet> fleet_;
  std::unique_ptr<Dmi> dmi_;
  std::map<std::string, std::filesystem::file_time_type> file_times_;
  std::unique_ptr<HealthEndpoint> health_;
};

}  // namespace edgeid::mapper
