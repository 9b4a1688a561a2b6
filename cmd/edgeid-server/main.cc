// edgeid-server: the SPIRE-server role. `run` starts the daemon; `validate` checks a config.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "common/daemon.h"
#include "common/log.h"
#include "common/version.h"
#include "grpctls/grpc_log.h"
#include "server/cli/admin_commands.h"
#include "server/cli/entry_commands.h"
#include "server/cli/localauthority_commands.h"
#include "server/config/server_config.h"
#include "server/preflight.h"
#include "server/server.h"

namespace {

using edgeid::server::ServerFlags;

void AddConfigFlags(CLI::App* cmd, ServerFlags& flags) {
  cmd->add_option("--config", flags.config_path, "TOML configuration file");
  cmd->add_option("--trust-domain", flags.trust_domain, "Trust domain (server.trust_domain)");
  cmd->add_option("--data-dir", flags.data_dir, "Data directory (server.data_dir)");
  cmd->add_option("--bind-address", flags.bind_address, "Agent API address");
  cmd->add_option("--bind-port", flags.bind_port, "Agent API port");
  cmd->add_option("--admin-socket", flags.admin_socket, "Admin API UNIX socket");
  cmd->add_option("--log-level", flags.log_level, "trace, debug, info, warn or error");
  cmd->add_option("--log-format", flags.log_format, "text or json");
  cmd->add_option("--health-port", flags.health_port, "Port for /live, /ready and /metrics");
  cmd->add_option("--ca-ttl", flags.ca_ttl, "Signing CA lifetime (e.g. 24h)");
  cmd->add_option("--default-x509-svid-ttl", flags.default_x509_svid_ttl, "e.g. 1h");
  cmd->add_option("--default-jwt-svid-ttl", flags.default_jwt_svid_ttl, "e.g. 5m");
  cmd->add_option("--agent-ttl", flags.agent_ttl, "Agent SVID lifetime");
  cmd->add_option("--agent-stream-timeout", flags.agent_stream_timeout,
                  "Longest attestation or entry-sync stream (e.g. 60s)");
  cmd->add_option("--ca-key-type", flags.ca_key_type, "ec-p256, ec-p384, rsa-2048, ...");
  cmd->add_option("--jwt-key-type", flags.jwt_key_type, "ec-p256, ec-p384, rsa-2048, ...");
  cmd->add_option("--jwt-issuer", flags.jwt_issuer, "iss claim of JWT-SVIDs");
  cmd->add_option("--database-type", flags.database_type, "Datastore: sqlite3 or postgres");
  cmd->add_option("--datastore", flags.datastore_path,
                  "Datastore connection string: the SQLite file, or libpq's for postgres");
  cmd->add_option("--datastore-max-open-conns", flags.datastore_max_open_conns,
                  "PostgreSQL connections per server");
  cmd->add_option("--keys-path", flags.keys_path, "Directory of the disk key manager");
  cmd->add_option("--x509pop-ca-bundle", flags.x509pop_ca_bundle_path,
                  "CA certificates (PEM) trusted for x509pop node attestation");
  cmd->add_option("--attestation-rate-limit", flags.attestation_rate_limit,
                  "Attestations per second per address (0: off)");
  cmd->add_option("--signing-rate-limit", flags.signing_rate_limit,
                  "SVIDs signed per second per agent (0: off)");
}

int Fail(const edgeid::Error& error) {
  std::cerr << "edgeid-server: " << error.message << "\n";
  return 1;
}

int RunServer(const ServerFlags& flags) {
  auto config = edgeid::server::LoadServerConfig(flags);
  if (!config.ok()) return Fail(config.error());
  auto log = edgeid::MakeLogger(
      "server", {config->log_level, config->log_format == edgeid::server::LogFormat::kJson});
  if (!log.ok()) return Fail(log.error());
  edgeid::BlockTerminationSignals();
  edgeid::RaiseOpenFileLimit();
  auto server = edgeid::server::Server::Start(*config, *log);
  if (!server.ok()) {
    (*log)->error("{}", server.error().message);
    return 1;
  }
  auto status = (*server)->Run();
  if (!status.ok()) return Fail(status.error());
  return 0;
}

int Run(int argc, char** argv) {
  CLI::App app{"edgeid-server: SPIFFE server (CA, registration, node attestation)"};
  app.set_version_flag("--version", "edgeid-server " + edgeid::VersionText());
  app.require_subcommand(1);
  ServerFlags run_flags;
  AddConfigFlags(app.add_subcommand("run", "Run the server"), run_flags);
  ServerFlags validate_flags;
  auto* validate = app.add_subcommand("validate", "Check a configuration and exit");
  AddConfigFlags(validate, validate_flags);
  int exit_code = 0;
  edgeid::server::cli::AddEntryCommands(app, exit_code);
  edgeid::server::cli::AddAgentCommands(app, exit_code);
  edgeid::server::cli::AddTokenCommands(app, exit_code);
  edgeid::server::cli::AddBundleCommands(app, exit_code);
  edgeid::server::cli::AddFederationCommands(app, exit_code);
  edgeid::server::cli::AddMintCommands(app, exit_code);
  edgeid::server::cli::AddHealthcheckCommand(app, exit_code);
  edgeid::server::cli::AddLocalAuthorityCommands(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  if (!app.got_subcommand("run") && !app.got_subcommand("validate")) return exit_code;

  if (*validate) {
    auto config = edgeid::server::LoadServerConfig(validate_flags);
    if (!config.ok()) return Fail(config.error());
    if (auto files = edgeid::server::CheckServerFiles(*config); !files.ok()) {
      return Fail(files.error());
    }
    std::cout << "configuration is valid (trust domain " << config->trust_domain.name() << ")\n";
    return 0;
  }
  return RunServer(run_flags);
}

}  // namespace

int main(int argc, char** argv) {
  edgeid::grpctls::FilterGrpcLogs();
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {  // e.g. out of memory; the libraries do not throw
    std::cerr << "edgeid-server: " << e.what() << "\n";
    return 1;
  }
}
