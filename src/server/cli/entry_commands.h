// `edgeid-server entry create|update|delete|show|count`: the admin CLI for registration
// entries, with SPIRE's flag names, talking to a running server over its admin socket.
#pragma once

#include <CLI/CLI.hpp>

namespace edgeid::server::cli {

// Adds the `entry` command tree to `app`. The chosen command stores its exit status (0 only on
// success) in `exit_code`.
void AddEntryCommands(CLI::App& app, int& exit_code);

}  // namespace edgeid::server::cli
