// Human durations as SPIRE writes them in config and flags: "90s", "5m", "1h30m", "24h", "7d".
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"

namespace edgeid {

Result<std::chrono::seconds> ParseDuration(std::string_view text);
std::string FormatDuration(std::chrono::seconds d);

}  // namespace edgeid
