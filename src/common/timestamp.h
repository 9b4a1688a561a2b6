// Instants as people and logs read them: RFC 3339 in UTC ("2026-11-23T16:41:46Z").
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace edgeid {

std::string FormatTimestamp(std::chrono::system_clock::time_point t);
std::string FormatUnixTimestamp(int64_t unix_seconds);

}  // namespace edgeid
