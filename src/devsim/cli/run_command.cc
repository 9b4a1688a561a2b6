#include "devsim/cli/run_command.h"

#include <signal.h>

#include <iostream>
#include <memory>
#include <random>

#include "common/daemon.h"
#include "common/log.h"
#include "devsim/node/sensor_node.h"

namespace edgeid::devsim {
namespace {

struct RunFlags {
  SensorNodeOptions node;
  std::string identity_dir;
  std::string log_level = "info";
  std::string log_format = "text";
  int64_t sample_period_ms = 1000;
  std::optional<uint64_t> seed;
};

int Run(RunFlags flags) {
  auto fail = [](const Error& error) {
    std::cerr << "edgeid-devsim run: " << error.message << "\n";
    return 1;
  };
  if (flags.sample_period_ms < 10 || flags.sample_period_ms > 3'600'000) {
    return fail(InvalidArgument("--sample-period-ms must be between 10 and 3600000"));
  }
  auto json = flags.log_format == "json";
  if (!json && flags.log_format != "text")
    return fail(InvalidArgument("--log-format: text or json"));
  auto log = MakeLogger("devsim", {flags.log_level, json});
  if (!log.ok()) return fail(log.error());
  auto& options = flags.node;
  std::string identity =
      flags.identity_dir.empty() ? options.device_dir + "/identity" : flags.identity_dir;
  if (options.svid_path.empty()) options.svid_path = identity + "/svid.pem";
  if (options.svid_key_path.empty()) options.svid_key_path = identity + "/svid_key.pem";
  if (options.bundle_path.empty()) options.bundle_path = identity + "/svid_bundle.pem";
  if (options.socket_path.empty()) options.socket_path = options.device_dir + "/link.sock";
  options.sample_period = std::chrono::milliseconds(flags.sample_period_ms);
  options.sensor_seed = flags.seed ? *flags.seed : std::random_device{}();

  BlockTerminationSignals();
  auto node = SensorNode::Start(options, *log);
  if (!node.ok()) {
    (*log)->error("{}", node.error().message);
    return 1;
  }
  sigset_t signals = TerminationSignals();
  auto period = std::chrono::duration_cast<std::chrono::nanoseconds>(options.sample_period);
  for (;;) {
    timespec wait{static_cast<time_t>(period.count() / 1'000'000'000),
                  static_cast<long>(period.count() % 1'000'000'000)};
    int received = sigtimedwait(&signals, nullptr, &wait);
    if (received == SIGTERM || received == SIGINT) break;
    (*node)->Tick();
  }
  (*node)->Stop();
  (*log)->info("device stopped");
  return 0;
}

}  // namespace

void AddRunCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<RunFlags>();
  auto* cmd = app.add_subcommand("run", "Boot a device: its link, sensors, LED and element");
  cmd->add_option("--device-dir", flags->node.device_dir, "Directory made by `manufacture`")
      ->required();
  cmd->add_option("--identity-dir", flags->identity_dir,
                  "Where edgeid-helper installs the device's SVID (default <device-dir>/identity)");
  cmd->add_option("--svid", flags->node.svid_path, "SVID certificates (default svid.pem)");
  cmd->add_option("--svid-key", flags->node.svid_key_path, "SVID key (default svid_key.pem)");
  cmd->add_option("--bundle", flags->node.bundle_path, "Trust bundle (default svid_bundle.pem)");
  cmd->add_option("--socket", flags->node.socket_path,
                  "Link socket the device advertises on (default <device-dir>/link.sock)");
  cmd->add_option("--allowed-mapper-id", flags->node.allowed_mapper_ids,
                  "SPIFFE ID of a mapper allowed to pair (repeatable; at least one)");
  cmd->add_option("--sample-period-ms", flags->sample_period_ms, "Sensor sampling period")
      ->capture_default_str();
  cmd->add_option("--seed", flags->seed, "Seed of the simulated sensors (default: random)");
  cmd->add_option("--log-level", flags->log_level, "trace, debug, info, warn or error")
      ->capture_default_str();
  cmd->add_option("--log-format", flags->log_format, "text or json")->capture_default_str();
  cmd->callback([flags, &exit_code] { exit_code = Run(*flags); });
}

}  // namespace edgeid::devsim
