// The last reading of every property of every device: what DMI's GetDevice and the twin reports
// to EdgeCore carry as "reported".
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "mapper/sink/reading_sink.h"

namespace edgeid::mapper {

class LatestReadings final : public ReadingSink {
 public:
  Status Publish(const Reading& reading) override;
  // "namespace/name" -> property -> reading.
  std::map<std::string, Reading> Of(const std::string& device_key) const;
  // Devices with readings newer than `since` (a value of version()), and the version now.
  std::vector<std::string> ChangedSince(uint64_t since, uint64_t* now) const;
  void Forget(const std::string& device_key);

 private:
  struct PerDevice {
    std::map<std::string, Reading> properties;
    uint64_t version = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, PerDevice> devices_;
  uint64_t version_ = 0;
};

}  // namespace edgeid::mapper
