// Structured logs on stderr, as text or one JSON object per line (for log shippers).
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "common/result.h"

namespace edgeid {

struct LogOptions {
  std::string level = "info";  // trace, debug, info, warn, error
  bool json = false;
};

// A logger named `name`; every daemon makes one and passes it down. Messages must never contain
// key material or tokens.
Result<std::shared_ptr<spdlog::logger>> MakeLogger(const std::string& name,
                                                   const LogOptions& options);

}  // namespace edgeid
