// `edgeid-devsim run`: boots a manufactured device and keeps it running until SIGTERM or SIGINT.
#pragma once

#include <CLI/CLI.hpp>

namespace edgeid::devsim {

void AddRunCommand(CLI::App& app, int& exit_code);

}  // namespace edgeid::devsim
