// edgeid-agent's client commands, as spire-agent's: `api fetch x509|jwt`, `api validate jwt`,
// `api watch` and `healthcheck`, each talking to a running agent over its Workload API socket.
#pragma once

#include <CLI/CLI.hpp>

namespace edgeid::agent::cli {

void AddApiCommands(CLI::App& app, int& exit_code);
void AddHealthcheckCommand(CLI::App& app, int& exit_code);

}  // namespace edgeid::agent::cli
