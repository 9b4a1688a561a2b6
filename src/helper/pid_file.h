// spiffe-helper's pid_file_name: a process the helper did not start (nginx, a database) that
// reloads its certificates on a signal and names itself in a PID file.
#pragma once

#include <string>

#include "common/result.h"

namespace edgeid::helper {

// Sends `signal` to the PID written in `path` (surrounding blanks allowed). An error when the
// file is missing or does not hold a positive PID, or the process is gone.
Status SignalPidFile(const std::string& path, int signal);

}  // namespace edgeid::helper
