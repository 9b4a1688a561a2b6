// A child process for integration tests: started with its output in a file, waited for by log
// line, stopped by signal. A process still running at destruction is killed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace edgeid::testing {

class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::string log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  // True once `text` appears in the output, false after `timeout` or if the process exits.
  bool WaitForOutput(const std::string& text,
                     std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // True once `text` appears `count` times in the output, as WaitForOutput.
  bool WaitForOutputCount(const std::string& text, size_t count,
                          std::chrono::milliseconds timeout = std::chrono::seconds(15));
  void Signal(int signal);
  // The exit code (or 128 + signal), or nothing if it is still running after `timeout`.
  std::optional<int> Wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::string Output() const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::optional<int> exit_code_;
};

}  // namespace edgeid::testing
