// Instants as people and logs read them: RFC 3339 in UTC ("2026-11-23T16:41:46Z").
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace edgeid {

std::string FormatTimestamp(std::chrono::system_clock::time_point t);
std::string FormatUnixTimestamp(int64_t unix_seconds);

// Whole seconds since the Unix epoch: how the APIs, JWT claims and the datastore keep instants.
int64_t UnixSeconds(std::chrono::system_clock::time_point t);
int64_t UnixSecondsNow();

}  // namespace edgeid
