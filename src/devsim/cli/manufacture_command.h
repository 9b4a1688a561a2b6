// `edgeid-devsim manufacture`: makes a device as a factory would, or one of the counterfeits.
#pragma once

#include <CLI/CLI.hpp>

namespace edgeid::devsim {

void AddManufactureCommand(CLI::App& app, int& exit_code);

}  // namespace edgeid::devsim
