// Waits for a file to be written, by inotify on its directory: a test waits for the event
// itself (a child process saying it is ready, a line it appended) instead of sleeping long enough.
#pragma once

#include <chrono>
#include <string>

namespace edgeid::testing {

// True once the file at `path` exists and its content contains `text` (checked at once, then at
// each change in its directory), false after `timeout`.
bool WaitForFileContent(const std::string& path, const std::string& text,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace edgeid::testing
