// What every edgeid daemon does alike: stop on SIGTERM or SIGINT received in one place, and keep
// its state in a directory only it can read.
#pragma once

#include <signal.h>

#include <string>

#include "common/result.h"
#include "common/unique_fd.h"

namespace edgeid {

// SIGTERM and SIGINT.
sigset_t TerminationSignals();
// Blocks both in the calling thread and every thread it starts afterwards, so that the daemon's
// main loop receives them with sigtimedwait and no other thread is interrupted.
void BlockTerminationSignals();
// Raises the soft limit on open files to the hard one: every Workload API client and every
// agent is a connection, and the default soft limit (1024) is far below what one node serves.
void RaiseOpenFileLimit();
// Creates `dir` with mode 0700 if it does not exist; an error if it exists and is not a
// directory. `what` names it in errors ("data_dir").
Status EnsurePrivateDirectory(const std::string& dir, const std::string& what);
// Takes an exclusive flock on `<dir>/lock` for as long as the returned descriptor stays open
// (O_CLOEXEC: no child inherits it), and writes this process's PID into it. FailedPrecondition,
// naming the holder's PID, when another process holds it: two daemons on one data directory
// would overwrite each other's keys and state. The file stays; the lock dies with the process.
Result<UniqueFd> LockDataDirectory(const std::string& dir, const std::string& what);

}  // namespace edgeid
