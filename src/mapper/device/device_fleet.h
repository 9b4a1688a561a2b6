// Every device the mapper serves, one DeviceWorker each: those of the Device files and those
// EdgeCore manages over DMI, validated together (one protocol, every model defined, no device or
// socket twice) before any change takes effect. A change that does not validate is refused with
// the reason and the devices keep running as they were. Thread-safe: the file watcher, the DMI
// server and the MQTT thread (desired values) all change it.
#pragma once

#include <spdlog/logger.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "mapper/crd/device_crd.h"
#include "mapper/device/device_registry.h"
#include "mapper/device/device_worker.h"
#include "mapper/sink/latest_readings.h"

namespace edgeid::mapper {

struct DeviceFleetContext {
  std::string protocol;
  // What every worker gets (its identity, roots, sink, metrics, log, refused_retry).
  DeviceWorkerContext worker;
  LatestReadings* latest = nullptr;  // forgotten for removed devices
  // Called (under the fleet's lock) for each namespace a new device is in.
  std::function<void(const std::string& namespace_)> on_namespace;
};

class DeviceFleet final : public DeviceRegistry {
 public:
  explicit DeviceFleet(DeviceFleetContext context) : context_(std::move(context)) {}
  ~DeviceFleet() override;
  DeviceFleet(const DeviceFleet&) = delete;
  DeviceFleet& operator=(const DeviceFleet&) = delete;

  // The Device files' devices and models, replacing the previous files' ones.
  Status SetFileCatalog(DeviceCatalog files);
  // A desired value from the cloud (a twin delta) for one served device. It stays in force
  // through other changes of the fleet until the Device's own desired value for that property
  // changes (an edit of its file, an UpdateDevice), which then wins.
  Status SetDesired(const std::string& namespace_, const std::string& name,
                    const std::string& property, const std::string& value);
  std::size_t size() const;
  bool Serves(const std::string& namespace_, const std::string& name) const;
  void Stop();

  Status ApplyDevice(const Device& device, ApplyMode mode) override;
  Status RemoveDevice(const std::string& namespace_, const std::string& name) override;
  Status ApplyModel(const DeviceModel& model, ApplyMode mode) override;
  Status RemoveModel(const std::string& namespace_, const std::string& name) override;
  Result<std::pair<Device, std::map<std::string, Reading>>> GetDevice(
      const std::string& namespace_, const std::string& name) const override;

 private:
  // Validates files + dmi together and, if valid, makes the workers match. Holds mu_.
  Status Commit(DeviceCatalog files, DeviceCatalog dmi);
  void StartWorker(const Device& device, const DeviceModel& model);
  // `device` with the cloud's desired values still in force. Holds mu_.
  Device WithOverrides(const Device& device);

  DeviceFleetContext context_;
  mutable std::mutex mu_;
  DeviceCatalog files_, dmi_;
  struct DesiredOverride {
    std::string value;
    std::optional<std::string> base;  // the Device's own desired value when it was set
  };
  // device key -> property -> the cloud's desired value
  std::map<std::string, std::map<std::string, DesiredOverride>> overrides_;
  std::map<std::string, std::unique_ptr<DeviceWorker>> workers_;  // by namespace/name
  bool stopped_ = false;
};

}  // namespace edgeid::mapper
