// Parsers for the text the kernel writes in /proc/<pid>/stat and /proc/<pid>/status, apart from
// reading the files, so that they can be tested and fuzzed on any text.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace edgeid {

// Field 22 (starttime, clock ticks after boot) of a /proc/<pid>/stat text. Internal when the
// text is malformed: fewer fields, no digits, or a number over 64 bits (which would otherwise
// wrap to a value another process could have).
Result<uint64_t> ParseProcStatStartTime(std::string_view stat);

// What workload attestation takes from /proc/<pid>/status: the effective user and group (the
// second of the real, effective, saved and filesystem IDs on the Uid and Gid lines) and the
// supplementary groups.
struct ProcStatusIds {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};
// Internal when the Uid or Gid line is missing or short, or a listed ID is not a decimal number
// below 2^32 - 1 ((uid_t)-1 means "no ID"): a wider number cast to uid_t would wrap, and
// 4294967296 would become root.
Result<ProcStatusIds> ParseProcStatus(std::string_view status);

}  // namespace edgeid
