// What the mapper's DMI server changes and reads: the devices and models EdgeCore manages, next
// to the mapper's own Device files. Every change is validated with the files' devices and models
// before it takes effect; a refusal names what is wrong and changes nothing.
#pragma once

#include <map>
#include <string>

#include "common/result.h"
#include "mapper/crd/device_crd.h"
#include "mapper/sink/reading_sink.h"

namespace edgeid::mapper {

// kCreate: AlreadyExists if it is there; kUpdate: NotFound if it is not.
enum class ApplyMode { kCreate, kUpdate, kCreateOrUpdate };

class DeviceRegistry {
 public:
  virtual ~DeviceRegistry() = default;
  // Adds or replaces a device (RegisterDevice, UpdateDevice, MapperRegister's list). A device of
  // the Device files cannot be replaced through DMI (AlreadyExists).
  virtual Status ApplyDevice(const Device& device, ApplyMode mode) = 0;
  virtual Status RemoveDevice(const std::string& namespace_, const std::string& name) = 0;
  virtual Status ApplyModel(const DeviceModel& model, ApplyMode mode) = 0;
  // FailedPrecondition while a device uses the model.
  virtual Status RemoveModel(const std::string& namespace_, const std::string& name) = 0;
  // A served device and its last reading per property.
  virtual Result<std::pair<Device, std::map<std::string, Reading>>> GetDevice(
      const std::string& namespace_, const std::string& name) const = 0;
};

}  // namespace edgeid::mapper
