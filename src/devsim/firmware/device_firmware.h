// What the simulated sensor node runs: its GATT services (device information, environmental
// sensing, the LED as an Automation IO digital output, and the secure element's command
// characteristic) over its element, sensors and LED.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "device/link/gatt_table.h"
#include "devsim/element/emulated_element.h"
#include "devsim/factory/device_files.h"
#include "devsim/sensors/environment_sensors.h"

namespace edgeid::devsim {

inline constexpr const char* kModelNumber = "edgeid-devsim STWIN";

// Called on the link's thread, under its lock: keep them short.
struct FirmwareHooks {
  // After the element accepted an Update: persist its zones.
  std::function<void(const DeviceRecord&)> zones_changed{};
  // After a central switched the LED.
  std::function<void(bool on)> led_changed{};
};

class DeviceFirmware {
 public:
  DeviceFirmware(DeviceRecord record, uint64_t sensor_seed, FirmwareHooks hooks = {});
  DeviceFirmware(const DeviceFirmware&) = delete;
  DeviceFirmware& operator=(const DeviceFirmware&) = delete;

  const device::link::GattTable& table() const { return table_; }

  // Takes a sample of every sensor: the value handles and encoded values to notify.
  std::vector<std::pair<uint16_t, std::string>> SampleSensors();

  bool led_on() const { return led_on_; }
  uint64_t led_writes() const { return led_writes_; }
  const DeviceRecord& record() const { return record_; }

 private:
  std::vector<device::link::CharacteristicSpec> Characteristics();
  Status ElementCommand(const device::link::LinkSession& session, std::string_view frame);

  DeviceRecord record_;
  FirmwareHooks hooks_;
  EmulatedElement element_;
  std::mutex mu_;  // guards the sensors, the last reading and the element's last answer
  EnvironmentSensors sensors_;
  EnvironmentReading last_{};
  std::string element_answer_;
  std::string answer_session_;  // the transcript hash of the session it answers
  std::atomic<bool> led_on_{false};
  std::atomic<uint64_t> led_writes_{0};
  device::link::GattTable table_;
};

}  // namespace edgeid::devsim
