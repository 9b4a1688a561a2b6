// daemon_mode = false: fetch once, write the files and return, as spiffe-helper does (no
// command is started). Used by init containers and provisioning scripts.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <memory>

#include "common/result.h"
#include "helper/helper_config.h"

namespace edgeid::helper {

// Retries with backoff while the agent is unavailable or does not (yet) know this workload
// (PermissionDenied: its entry may not have reached the agent), until `timeout` has passed; then
// returns the last error. Any other error, and any failure to write, returns at once.
Status RunOnce(const HelperConfig& config, std::chrono::milliseconds timeout,
               const std::shared_ptr<spdlog::logger>& log);

}  // namespace edgeid::helper
