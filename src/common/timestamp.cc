#include "common/timestamp.h"

#include <ctime>

namespace edgeid {

std::string FormatUnixTimestamp(int64_t unix_seconds) {
  std::time_t t = unix_seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);  // thread-safe, unlike gmtime
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

int64_t UnixSecondsNow() {
  return UnixSeconds(std::chrono::system_clock::now());
}

std::string FormatTimestamp(std::chrono::system_clock::time_point t) {
  return FormatUnixTimestamp(std::chrono::system_clock::to_time_t(t));
}

}  // namespace edgeid
