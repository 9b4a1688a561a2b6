// A simulated device on disk: device.json (name, firmware version, variant, device ID and the
// element's public contents) and slot0.key (0600), the element's non-volatile key store. The
// key file stands in for silicon: only the device simulator reads it.
#pragma once

#include <string>

#include "common/result.h"
#include "devsim/element/emulated_element.h"
#include "devsim/factory/manufacturer.h"

namespace edgeid::devsim {

struct DeviceRecord {
  std::string name;
  std::string firmware_version;
  Counterfeit variant = Counterfeit::kNone;
  std::string device_id;
  ElementImage element;
};

// Writes both files atomically; refuses a directory that already holds a device.
Status SaveNewDevice(const std::string& dir, const DeviceRecord& device);
// Rewrites device.json after the element's zones changed (Update).
Status SaveDeviceZones(const std::string& dir, const DeviceRecord& device);
Result<DeviceRecord> LoadDevice(const std::string& dir);

}  // namespace edgeid::devsim
