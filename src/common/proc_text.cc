#include "common/proc_text.h"

#include <algorithm>
#include <optional>
#include <string>

namespace edgeid {
namespace {

// The IDs after "<key>:" on the first line of a status text that starts with it, or nullopt
// when there is no such line. Each must be a decimal number below 2^32 - 1.
Result<std::optional<std::vector<uint32_t>>> ProcStatusLineIds(std::string_view status,
                                                               std::string_view key) {
  while (!status.empty()) {
    size_t end = status.find('\n');
    std::string_view line = status.substr(0, end);
    status = end == std::string_view::npos ? std::string_view() : status.substr(end + 1);
    if (line.size() <= key.size() || !line.starts_with(key) || line[key.size()] != ':') continue;
    std::vector<uint32_t> ids;
    std::string_view rest = line.substr(key.size() + 1);
    for (;;) {
      size_t start = rest.find_first_not_of(" \t");
      if (start == std::string_view::npos) break;
      rest = rest.substr(start);
      size_t stop = std::min(rest.find_first_of(" \t"), rest.size());
      std::string_view token = rest.substr(0, stop);
      rest = rest.substr(stop);
      uint64_t value = 0;
      for (char c : token) {
        if (c < '0' || c > '9' || value > 0xFFFFFFFFu) {
          return Internal("malformed " + std::string(key) + " line in /proc/<pid>/status");
        }
        value = value * 10 + static_cast<uint64_t>(c - '0');
      }
      if (value >= 0xFFFFFFFFu) {
        return Internal(std::string(key) + " in /proc/<pid>/status is out of range");
      }
      ids.push_back(static_cast<uint32_t>(value));
    }
    return std::optional<std::vector<uint32_t>>(std::move(ids));
  }
  return std::optional<std::vector<uint32_t>>();
}

}  // namespace

Result<uint64_t> ParseProcStatStartTime(std::string_view stat) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields are counted
  // from the last ')'. Field 22 (starttime) is the 20th after it.
  auto close = stat.rfind(')');
  if (close == std::string_view::npos) return Internal("malformed /proc/<pid>/stat");
  size_t pos = close + 1;
  for (int field = 3; field < 22; ++field) {
    pos = stat.find(' ', pos + 1);
    if (pos == std::string_view::npos) return Internal("malformed /proc/<pid>/stat");
  }
  uint64_t value = 0;
  bool digits = false;
  for (size_t i = pos + 1; i < stat.size() && stat[i] >= '0' && stat[i] <= '9'; ++i) {
    auto digit = static_cast<uint64_t>(stat[i] - '0');
    if (value > (UINT64_MAX - digit) / 10) {
      return Internal("start time in /proc/<pid>/stat is over 64 bits");
    }
    value = value * 10 + digit;
    digits = true;
  }
  if (!digits) return Internal("malformed start time in /proc/<pid>/stat");
  return value;
}

Result<ProcStatusIds> ParseProcStatus(std::string_view status) {
  auto uids = EDGEID_TRY(ProcStatusLineIds(status, "Uid"));
  auto gids = EDGEID_TRY(ProcStatusLineIds(status, "Gid"));
  auto groups = EDGEID_TRY(ProcStatusLineIds(status, "Groups"));
  // Real, effective, saved, filesystem: SPIRE's selectors use the effective IDs.
  if (!uids || !gids || uids->size() < 2 || gids->size() < 2) {
    return Internal("malformed /proc/<pid>/status: no Uid or Gid line of real and effective IDs");
  }
  ProcStatusIds ids;
  ids.uid = static_cast<uid_t>((*uids)[1]);
  ids.gid = static_cast<gid_t>((*gids)[1]);
  if (groups) ids.groups.assign(groups->begin(), groups->end());
  return ids;
}

}  // namespace edgeid
