// What the admin and agent CLIs share beyond printing: where a daemon's socket is, taken from the
// flag, the daemon's own config file, or the environment, as SPIRE users expect.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace edgeid::cli {

// One place a socket path may come from, in order of preference.
struct SocketSource {
  enum Kind { kFlag, kConfigFile, kEnvironment } kind;
  // kFlag: the flag's value (empty: not given). kConfigFile: the file (empty: none given), read
  // for `key` in `table`. kEnvironment: the variable's name.
  std::string value;
  std::string table, key;
};

// The first source that names a socket, else `fallback`. A config file that cannot be read or
// parsed is an error naming it; one without the key falls through (the daemon's default then
// applies, which is `fallback`). Environment values may be SPIFFE addresses ("unix:///path").
Result<std::string> ResolveSocketPath(const std::vector<SocketSource>& sources,
                                      const std::string& fallback);

}  // namespace edgeid::cli
