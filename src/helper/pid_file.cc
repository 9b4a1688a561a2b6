#include "helper/pid_file.h"

#include <signal.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/atomic_file.h"
#include "helper/signal_name.h"

namespace edgeid::helper {

Status SignalPidFile(const std::string& path, int signal) {
  auto text = ReadFile(path, 64);
  if (!text.ok()) return text.error().Wrap("pid_file_name");
  std::string_view digits = *text;
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!digits.empty() && blank(digits.front())) digits.remove_prefix(1);
  while (!digits.empty() && blank(digits.back())) digits.remove_suffix(1);
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || pid <= 0) {
    return InvalidArgument("pid_file_name " + path + " does not hold a process ID");
  }
  if (::kill(pid, signal) != 0) {
    return Unavailable("sending " + SignalName(signal) + " to process " + std::to_string(pid) +
                       " from " + path + ": " + std::strerror(errno));
  }
  return OkStatus();
}

}  // namespace edgeid::helper
