// The workload the helper runs (cmd with cmd_args): started once the files exist, told about
// renewals by a signal, started again after it exits, and stopped with the helper.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace edgeid::helper {

class ManagedProcess {
 public:
  ManagedProcess(std::string cmd, std::vector<std::string> args);
  // Stops a child still running (SIGTERM, then SIGKILL), so that none outlives the helper.
  ~ManagedProcess();
  ManagedProcess(const ManagedProcess&) = delete;
  ManagedProcess& operator=(const ManagedProcess&) = delete;

  // Starts the command (looked up in PATH when it has no slash) with the helper's stdout and
  // stderr, no signal blocked and default signal actions.
  Status Start();
  // Reaps the child if it has exited; true while it runs.
  bool Running();
  // How the last child ended ("exit code 3", "killed by SIGKILL"), once reaped.
  const std::string& last_exit() const { return last_exit_; }
  std::optional<pid_t> pid() const;
  Status Signal(int signal);
  // SIGTERM, up to `grace` for it to exit, then SIGKILL. The exit code (128 + signal when
  // killed), or nothing when no child was running.
  std::optional<int> Stop(std::chrono::milliseconds grace);

 private:
  // Waits for the child with WNOHANG; records how it ended.
  bool Reap();

  std::string cmd_;
  std::vector<std::string> args_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string last_exit_;
};

}  // namespace edgeid::helper
