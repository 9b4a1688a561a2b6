// Crash-safe file writes: a reader sees the old content or the new, never a torn file.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/result.h"

namespace edgeid {

// Writes `content` to a temporary file beside `path` created with `mode`, fsyncs it, renames it
// over `path` and fsyncs the directory. Keys use mode 0600.
Status WriteFileAtomic(const std::string& path, std::string_view content, mode_t mode);

// Reads a whole file; NotFound when it does not exist, with the path in the message.
Result<std::string> ReadFile(const std::string& path, size_t max_bytes = 64u << 20);

}  // namespace edgeid
