#include "mapper/sink/latest_readings.h"

namespace edgeid::mapper {

Status LatestReadings::Publish(const Reading& reading) {
  std::lock_guard lock(mu_);
  auto& device = devices_[reading.device_namespace + "/" + reading.device_name];
  device.properties[reading.property] = reading;
  device.version = ++version_;
  return OkStatus();
}

std::map<std::string, Reading> LatestReadings::Of(const std::string& device_key) const {
  std::lock_guard lock(mu_);
  auto it = devices_.find(device_key);
  return it == devices_.end() ? std::map<std::string, Reading>{} : it->second.properties;
}

std::vector<std::string> LatestReadings::ChangedSince(uint64_t since, uint64_t* now) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> changed;
  for (const auto& [key, device] : devices_) {
    if (device.version > since) changed.push_back(key);
  }
  *now = version_;
  return changed;
}

void LatestReadings::Forget(const std::string& device_key) {
  std::lock_guard lock(mu_);
  devices_.erase(device_key);
}

}  // namespace edgeid::mapper
