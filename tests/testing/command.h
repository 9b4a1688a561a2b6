#pragma once

#include <string>

namespace edgeid::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` with /bin/sh; used to drive independent tools such as the openssl CLI.
CommandResult RunCommand(const std::string& command);

}  // namespace edgeid::testing
