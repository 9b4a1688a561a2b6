// Human durations as SPIRE writes them in config and flags: "90s", "5m", "1h30m", "24h", "7d".
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"

namespace edgeid {

Result<std::chrono::seconds> ParseDuration(std::string_view text);
// A command-line duration flag: whole seconds ("600", as before durations were accepted) or a
// duration ("90s", "1h30m"); the error names `flag` ("--ttl: invalid duration ...").
Result<std::chrono::seconds> ParseDurationFlag(std::string_view text, std::string_view flag);
std::string FormatDuration(std::chrono::seconds d);

}  // namespace edgeid
