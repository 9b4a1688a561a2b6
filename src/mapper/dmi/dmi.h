// KubeEdge DMI v1beta1 for the mapper, authenticated: it serves DeviceMapperService on its own
// UNIX socket to the allowed uids only, and when EdgeCore's socket is configured it registers
// with MapperRegister (again with backoff until EdgeCore answers), takes the devices and models
// EdgeCore returns, and reports the twins of reportToCloud properties with ReportDeviceStatus
// once per report interval for every device with new readings. gRPC stays behind this header.
#pragma once

#include <spdlog/logger.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "common/metrics.h"
#include "common/result.h"
#include "mapper/device/device_registry.h"
#include "mapper/sink/latest_readings.h"

namespace edgeid::mapper {

struct DmiOptions {
  std::string socket_path;       // DeviceMapperService; empty: not served
  std::string edgecore_socket;   // EdgeCore's DeviceManagerService; empty: not called
  std::set<uid_t> allowed_uids;  // who may call the mapper, and who EdgeCore's socket must be
  std::string mapper_name, protocol, version;
  std::chrono::milliseconds report_interval{1000};
};

class Dmi {
 public:
  static Result<std::unique_ptr<Dmi>> Start(DmiOptions options, DeviceRegistry& registry,
                                            const LatestReadings& readings,
                                            std::shared_ptr<spdlog::logger> log, Metrics& metrics);
  ~Dmi();
  // Unavailable when the DeviceMapperService socket no longer leads to this mapper.
  Status CheckServing() const;
  Dmi(const Dmi&) = delete;
  Dmi& operator=(const Dmi&) = delete;

 private:
  struct State;
  explicit Dmi(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace edgeid::mapper
