// `edgeid-server localauthority x509|jwt show|prepare|activate|taint|revoke`: SPIRE's authority
// management commands, over the admin socket.
#pragma once

#include <CLI/CLI.hpp>

namespace edgeid::server::cli {

void AddLocalAuthorityCommands(CLI::App& app, int& exit_code);

}  // namespace edgeid::server::cli
