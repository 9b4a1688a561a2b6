// edgeid-helper: spiffe-helper for edgeid. `run` keeps a workload's SVID files current (and
// starts or signals the workload) or, with --daemon-mode=false, writes them once and exits;
// `validate` checks a configuration.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "common/daemon.h"
#include "common/duration.h"
#include "common/log.h"
#include "common/version.h"
#include "grpctls/grpc_log.h"
#include "helper/helper_config.h"
#include "helper/helper_daemon.h"
#include "helper/one_shot.h"

namespace {

using edgeid::helper::HelperFlags;

void AddConfigFlags(CLI::App* cmd, HelperFlags& flags) {
  cmd->add_option("--config", flags.config_path, "TOML configuration file")->capture_default_str();
  // An option, not a flag: CLI11 2.1 sets an optional<bool> flag to false when it is absent,
  // which would override the file's daemon_mode.
  cmd->add_option("--daemon-mode", flags.daemon_mode,
                  "true: keep running and renewing; false: write once and exit (overrides "
                  "daemon_mode)")
      ->expected(0, 1)
      ->default_str("true");
}

int Fail(const edgeid::Error& error) {
  std::cerr << "edgeid-helper: " << error.ToString() << "\n";
  return 1;
}

int RunHelper(const HelperFlags& flags, const std::string& timeout_text) {
  auto config = edgeid::helper::LoadHelperConfig(flags);
  if (!config.ok()) return Fail(config.error());
  auto timeout = edgeid::ParseDuration(timeout_text);
  if (!timeout.ok() || timeout->count() <= 0) {
    return Fail(edgeid::InvalidArgument("--timeout: \"" + timeout_text +
                                        "\" is not a positive duration (e.g. 30s)"));
  }
  auto log = edgeid::MakeLogger("helper", {config->log_level, config->log_json});
  if (!log.ok()) return Fail(log.error());
  if (!config->daemon_mode) {
    auto done = edgeid::helper::RunOnce(*config, *timeout, *log);
    if (!done.ok()) {
      (*log)->error("{}", done.error().ToString());
      return 1;
    }
    return 0;
  }
  // Before any thread starts, so that only the main loop receives them.
  edgeid::BlockTerminationSignals();
  auto daemon = edgeid::helper::HelperDaemon::Start(*config, *log);
  if (!daemon.ok()) {
    (*log)->error("{}", daemon.error().ToString());
    return 1;
  }
  return (*daemon)->Run().ok() ? 0 : 1;
}

int Run(int argc, char** argv) {
  CLI::App app{"edgeid-helper: writes a workload's SVIDs to files and keeps them renewed"};
  app.set_version_flag("--version", "edgeid-helper " + edgeid::VersionText());
  app.require_subcommand(1);
  HelperFlags run_flags;
  std::string timeout = "30s";
  auto* run = app.add_subcommand("run", "Run the helper");
  AddConfigFlags(run, run_flags);
  run->add_option("--timeout", timeout,
                  "With --daemon-mode=false: how long to retry while the agent is unavailable or "
                  "does not know this workload (e.g. 30s)")
      ->capture_default_str();
  HelperFlags validate_flags;
  auto* validate = app.add_subcommand("validate", "Check a configuration and exit");
  AddConfigFlags(validate, validate_flags);
  CLI11_PARSE(app, argc, argv);
  if (*validate) {
    auto config = edgeid::helper::LoadHelperConfig(validate_flags);
    if (!config.ok()) return Fail(config.error());
    std::cout << "configuration is valid\n";
    return 0;
  }
  return RunHelper(run_flags, timeout);
}

}  // namespace

int main(int argc, char** argv) {
  edgeid::grpctls::FilterGrpcLogs();
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {  // e.g. out of memory; the libraries do not throw
    std::cerr << "edgeid-helper: " << e.what() << "\n";
    return 1;
  }
}
