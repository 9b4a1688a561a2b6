// edgeid-devsim: a simulated IoT sensor device with an STSAFE-A110-style secure element, standing
// in for the STWIN board of the paper. `manufacture` makes one (or a counterfeit); `run` boots it.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "common/version.h"
#include "devsim/cli/manufacture_command.h"
#include "devsim/cli/run_command.h"

namespace {

int Run(int argc, char** argv) {
  CLI::App app{"edgeid-devsim: a simulated sensor device with a secure element"};
  app.set_version_flag("--version", "edgeid-devsim " + edgeid::VersionText());
  app.require_subcommand(1);
  int exit_code = 0;
  edgeid::devsim::AddManufactureCommand(app, exit_code);
  edgeid::devsim::AddRunCommand(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {  // e.g. out of memory; the libraries do not throw
    std::cerr << "edgeid-devsim: " << e.what() << "\n";
    return 1;
  }
}
