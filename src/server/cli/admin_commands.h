// `edgeid-server agent|token|bundle|federation|x509|jwt|healthcheck`: the admin CLI beyond entries,
// with SPIRE's command and flag names, over the admin socket.
#pragma once

#include <CLI/CLI.hpp>

namespace edgeid::server::cli {

// Adds the command trees to `app`; the chosen command stores its exit status in `exit_code`.
void AddAgentCommands(CLI::App& app, int& exit_code);
void AddTokenCommands(CLI::App& app, int& exit_code);
void AddBundleCommands(CLI::App& app, int& exit_code);
void AddMintCommands(CLI::App& app, int& exit_code);  // x509 mint, jwt mint
void AddHealthcheckCommand(CLI::App& app, int& exit_code);
void AddFederationCommands(CLI::App& app, int& exit_code);

}  // namespace edgeid::server::cli
