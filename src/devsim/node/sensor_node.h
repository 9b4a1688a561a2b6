// A running simulated sensor node: its firmware behind the link, an identity the helper
// installed (an X.509-SVID, its key and the trust bundle, read again at every pairing so that
// renewals take effect), and the sensors sampled and notified on a fixed period.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "device/link/peripheral_link.h"
#include "devsim/firmware/device_firmware.h"

namespace edgeid::devsim {

struct SensorNodeOptions {
  std::string device_dir;
  std::string svid_path, svid_key_path, bundle_path;  // written by edgeid-helper
  std::string socket_path;
  std::vector<std::string> allowed_mapper_ids;  // required: the mappers it may pair with
  std::chrono::milliseconds sample_period{1000};
  uint64_t sensor_seed = 0;
};

class SensorNode {
 public:
  static Result<std::unique_ptr<SensorNode>> Start(SensorNodeOptions options,
                                                   std::shared_ptr<spdlog::logger> log);
  // Samples every sensor and notifies the paired mapper; the caller calls it each period.
  void Tick();
  void Stop();

  const DeviceFirmware& firmware() const { return *firmware_; }
  const device::link::PeripheralLink& link() const { return *link_; }

 private:
  SensorNode() = default;
  Result<device::link::PeripheralCredentials> LoadCredentials() const;

  SensorNodeOptions options_;
  std::vector<spiffe::SpiffeId> allowed_ids_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<DeviceFirmware> firmware_;
  std::unique_ptr<device::link::PeripheralLink> link_;
};

}  // namespace edgeid::devsim
