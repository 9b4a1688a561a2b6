// File permissions as spiffe-helper's *_file_mode keys take them: 0644, 0600, ...
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace edgeid::helper {

// "0644", "644" or "0o644" (octal digits only).
Result<mode_t> ParseFileMode(std::string_view text);
// A TOML integer, which is how 0o644 arrives.
Result<mode_t> FileModeFromInteger(int64_t value);
// "0644".
std::string FormatFileMode(mode_t mode);

}  // namespace edgeid::helper
