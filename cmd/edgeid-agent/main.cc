// edgeid-agent: the SPIRE-agent role. `run` starts the daemon; `api ...` and `healthcheck` talk
// to a running one over its Workload API socket.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "agent/agent.h"
#include "agent/cli/api_commands.h"
#include "agent/node/x509pop_credentials.h"
#include "common/daemon.h"
#include "common/log.h"
#include "common/version.h"
#include "grpctls/grpc_log.h"

namespace {

using edgeid::agent::AgentFlags;

// A flag that, when given, sets `target` to true and otherwise leaves it unset, so that the
// config file's value stands. (CLI11 2.1 sets an optional<bool> bound with add_flag to false
// when the flag is absent, which would override the file.)
void AddPresenceFlag(CLI::App* cmd, const std::string& name, std::optional<bool>& target,
                     const std::string& help) {
  cmd->add_flag_callback(
      name, [&target] { target = true; }, help);
}

void AddConfigFlags(CLI::App* cmd, AgentFlags& flags) {
  cmd->add_option("--config", flags.config_path, "TOML configuration file");
  cmd->add_option("--server-address", flags.server_address, "Server host (agent.server_address)");
  cmd->add_option("--server-port", flags.server_port, "Server agent API port");
  cmd->add_option("--trust-domain", flags.trust_domain, "Trust domain");
  cmd->add_option("--trust-bundle", flags.trust_bundle,
                  "PEM CA certificates of the server, for the first connection");
  AddPresenceFlag(cmd, "--insecure-bootstrap", flags.insecure_bootstrap,
                  "First connection without checking the server (not for production)");
  cmd->add_option("--join-token", flags.join_token, "Single-use token for node attestation");
  cmd->add_option("--x509pop-cert", flags.x509pop_certificate,
                  "x509pop: PEM certificate of this node");
  cmd->add_option("--x509pop-key", flags.x509pop_private_key, "x509pop: PEM key of this node");
  cmd->add_option("--x509pop-intermediates", flags.x509pop_intermediates,
                  "x509pop: PEM intermediate certificates");
  cmd->add_option("--data-dir", flags.data_dir, "Where the agent keeps its SVID, key and bundle");
  cmd->add_option("--socket-path", flags.socket_path, "Workload API UNIX socket");
  cmd->add_option("--log-level", flags.log_level, "trace, debug, info, warn or error");
  cmd->add_option("--log-format", flags.log_format, "text or json");
  cmd->add_option("--health-port", flags.health_port, "Port for /live, /ready and /metrics");
  cmd->add_option("--health-bind-address", flags.health_bind_address,
                  "Address of the health port (default 127.0.0.1)");
  cmd->add_option("--sync-interval", flags.sync_interval, "Entry sync period (e.g. 5s)");
  cmd->add_option("--availability-target", flags.availability_target,
                  "Renew SVIDs when this much validity remains (e.g. 24h)");
  AddPresenceFlag(cmd, "--discover-workload-path", flags.discover_workload_path,
                  "unix attestor: add unix:path and unix:sha256 selectors");
  cmd->add_option("--workload-size-limit", flags.workload_size_limit,
                  "unix attestor: largest binary hashed, in bytes (0: no limit)");
}

int Fail(const edgeid::Error& error) {
  std::cerr << "edgeid-agent: " << error.message << "\n";
  return 1;
}

int RunAgent(const AgentFlags& flags) {
  auto config = edgeid::agent::LoadAgentConfig(flags);
  if (!config.ok()) return Fail(config.error());
  auto log = edgeid::MakeLogger("agent", {config->log_level, config->log_json});
  if (!log.ok()) return Fail(log.error());
  edgeid::BlockTerminationSignals();
  edgeid::RaiseOpenFileLimit();
  auto agent = edgeid::agent::Agent::Start(*config, *log);
  if (!agent.ok()) {
    (*log)->error("{}", agent.error().message);
    return 1;
  }
  auto status = (*agent)->Run();
  return status.ok() ? 0 : 1;
}

int Run(int argc, char** argv) {
  CLI::App app{"edgeid-agent: SPIFFE agent (node attestation, Workload API, rotation)"};
  app.set_version_flag("--version", "edgeid-agent " + edgeid::VersionText());
  app.require_subcommand(1);
  AgentFlags run_flags;
  AddConfigFlags(app.add_subcommand("run", "Run the agent"), run_flags);
  AgentFlags validate_flags;
  auto* validate = app.add_subcommand("validate", "Check a configuration and exit");
  AddConfigFlags(validate, validate_flags);
  int exit_code = 0;
  edgeid::agent::cli::AddApiCommands(app, exit_code);
  edgeid::agent::cli::AddHealthcheckCommand(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  if (*validate) {
    auto config = edgeid::agent::LoadAgentConfig(validate_flags);
    if (!config.ok()) return Fail(config.error());
    // What the first attestation would read, read now.
    if (config->node_attestor == edgeid::agent::NodeAttestorKind::kX509Pop) {
      auto pop = edgeid::agent::LoadX509PopCredentials(config->x509pop);
      if (!pop.ok()) return Fail(pop.error());
    }
    std::cout << "configuration is valid (trust domain " << config->trust_domain.name() << ")\n";
    return 0;
  }
  if (app.got_subcommand("run")) return RunAgent(run_flags);
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  edgeid::grpctls::FilterGrpcLogs();
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {  // e.g. out of memory; the libraries do not throw
    std::cerr << "edgeid-agent: " << e.what() << "\n";
    return 1;
  }
}
