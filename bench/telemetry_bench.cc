// Load generator for the telemetry chain with every real process: edgeid-server, edgeid-agent,
// edgeid-helper (the SVIDs of the broker, the cloud client and every device), Debian's Mosquitto
// with edgeid's SPIFFE plugin, N edgeid-devsim devices sampling every 10 ms and edgeid-mapper
// publishing their readings over MQTT with mutual TLS. An independent mosquitto_sub (the cloud)
// receives them and stamps each with its arrival time (-F %U).
//
// Figures, each beside its limit in the same run:
// - readings/s delivered to the subscriber, and the mapper's CPU per reading, beside plain
//   mosquitto_pub -> mosquitto_sub throughput over TLS on the same broker;
// - latency from the mapper taking a sample off the device link (the payload's timestamp) to the
//   subscriber, p50/p99.
// Usage: telemetry_bench SERVER AGENT HELPER DEVSIM MAPPER PLUGIN [DEVICES] [SECONDS] [QUEUE]
// QUEUE "disk" gives the mapper an on-disk queue (journal, fdatasync per message); default memory.
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "support/bench_support.h"

namespace edgeid::bench {
namespace {

constexpr const char* kTd = "bench.example";
constexpr int kSamplePeriodMs = 10;
constexpr int kReadingsPerSample = 2;  // temperature and pressure

struct Tools {
  std::string server, agent, helper, devsim, mapper, plugin;
};

void Run(const std::string& command) {
  if (std::system(command.c_str()) != 0) Die("failed: " + command);
}

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// The broker needs a fixed port in its configuration: one the kernel says is free.
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    Die("no free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string CurrentUser() {
  passwd* pw = ::getpwuid(::getuid());
  return pw != nullptr ? pw->pw_name : "root";
}

class Chain {
 public:
  Chain(Tools tools, std::string dir) : tools_(std::move(tools)), dir_(std::move(dir)) {}

  void StartServerAndAgent() {
    server_ = StartBenchServer(tools_.server, dir_);
    const std::string token = CreateJoinToken(server_.admin);
    Run(Cli("bundle show") + " > " + dir_ + "/bundle.pem");
    agent_socket_ = dir_ + "/agent.sock";
    agent_ = std::make_unique<SpawnedProcess>(
        std::vector<std::string>{tools_.agent, "run", "--trust-domain", kTd, "--server-port",
                                 std::to_string(server_.port), "--trust-bundle",
                                 dir_ + "/bundle.pem", "--join-token", token, "--data-dir",
                                 dir_ + "/agent", "--socket-path", agent_socket_, "--sync-interval",
                                 "1s", "--discover-workload-path"},
        dir_ + "/agent.log");
    agent_->WaitFor("edgeid-agent ready");
    std::smatch m;
    std::string log = agent_->Log();
    if (!std::regex_search(log, m, std::regex("agent SPIFFE ID (spiffe://\\S+)"))) {
      Die("no agent ID in " + dir_ + "/agent.log");
    }
    agent_id_ = m[1];
  }

  // An entry for `id` selected by the helper binary and `hint`, and its SVID, key and bundle
  // written by the helper into `out`.
  void InstallSvid(const std::string& id, const std::string& hint, const std::string& out,
                   const std::string& more = "") {
    Run(Cli("entry create --parent-id " + agent_id_ + " --spiffe-id " + id + " --hint " + hint +
            " --selector unix:uid:" + std::to_string(::getuid()) + " --selector unix:path:" +
            std::filesystem::canonical(tools_.helper).string() + " " + more) +
        " > /dev/null");
    std::filesystem::create_directories(out);
    std::string conf = dir_ + "/helper-" + hint + ".conf";
    std::ofstream(conf)
        << "agent_address = \"" << agent_socket_ << "\"\ncert_dir = \"" << out
        << "\"\nsvid_file_name = \"svid.pem\"\nsvid_key_file_name = "
           "\"svid_key.pem\"\nsvid_bundle_file_name = \"svid_bundle.pem\"\nhint = \""
        << hint << "\"\ndaemon_mode = false\n";
    // The entry reaches the agent at its next sync (1 s).
    std::string helper = tools_.helper + " run --config " + conf + " --timeout 30s > " + dir_ +
                         "/helper-" + hint + ".log 2>&1";
    for (int attempt = 0; std::system(helper.c_str()) != 0; ++attempt) {
      if (attempt == 40) Die("failed: " + helper);
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }

  void StartBroker() {
    InstallSvid(std::string("spiffe://") + kTd + "/mqtt/broker", "broker", dir_ + "/broker",
                "--dns-name localhost");
    InstallSvid(std::string("spiffe://") + kTd + "/cloud/telemetry", "cloud", dir_ + "/cloud");
    std::ofstream(dir_ + "/acl.toml")
        << "[[rule]]\nspiffe_id = \"spiffe://" << kTd << "/mapper/ble\"\n"
        << "publish = [\"$ke/events/device/default/+/data/update\", "
           "\"$hw/events/device/default/+/twin/update\"]\n"
        << "subscribe = [\"$hw/events/device/default/+/twin/update/delta\"]\n"
        << "[[rule]]\nspiffe_id = \"spiffe://" << kTd << "/cloud/telemetry\"\n"
        << "publish = [\"bench/#\"]\nsubscribe = [\"$ke/events/device/#\", \"bench/#\"]\n";
    port_ = FreePort();
    std::ofstream(dir_ + "/mosquitto.conf")
        << "user " << CurrentUser()
        << "\nper_listener_settings false\nallow_anonymous false\npersistence false\n"
        << "log_dest stderr\nlistener " << port_ << " 127.0.0.1\n"
        << "cafile " << dir_ << "/broker/svid_bundle.pem\ncertfile " << dir_
        << "/broker/svid.pem\nkeyfile " << dir_ << "/broker/svid_key.pem\n"
        << "require_certificate true\ntls_version tlsv1.2\nplugin " << tools_.plugin
        << "\nplugin_opt_trust_domain " << kTd << "\nplugin_opt_trust_bundle " << dir_
        << "/broker/svid_bundle.pem\nplugin_opt_acl_file " << dir_
        << "/acl.toml\nmax_queued_messages 1000000\n";
    broker_ = std::make_unique<SpawnedProcess>(
        std::vector<std::string>{"/usr/sbin/mosquitto", "-c", dir_ + "/mosquitto.conf"},
        dir_ + "/mosquitto.log");
    broker_->WaitFor("edgeid-spiffe: trust domain");
  }

  // The broker binds client IDs to SPIFFE IDs: the cloud's ID, '#' and a suffix per session.
  static std::string CloudClientId(const std::string& session) {
    return std::string("'spiffe://") + kTd + "/cloud/telemetry#" + session + "'";
  }

  std::string CloudArgs() const {
    return "-h localhost -p " + std::to_string(port_) + " -V mqttv5 -q 1 --cafile " + dir_ +
           "/cloud/svid_bundle.pem --cert " + dir_ + "/cloud/svid.pem --key " + dir_ +
           "/cloud/svid_key.pem";
  }

  // `count` messages of `size` bytes from one mosquitto_pub to one mosquitto_sub, QoS 1 over
  // TLS through the same broker and plugin: the tools' own rate.
  double PlainRate(int count, size_t size) {
    std::string lines = dir_ + "/plain.txt";
    {
      std::ofstream out(lines);
      std::string payload(size, 'x');
      for (int i = 0; i < count; ++i) out << payload << "\n";
    }
    SpawnedProcess sub(
        {"/bin/sh", "-c",
         "exec stdbuf -oL mosquitto_sub " + CloudArgs() + " -d -i " + CloudClientId("plain-sub") +
             " -t bench/plain -C " + std::to_string(count)},
        dir_ + "/plain-sub.log");
    sub.WaitFor("received SUBACK");
    auto start = Clock::now();
    Run("mosquitto_pub " + CloudArgs() + " -i " + CloudClientId("plain-pub") +
        " -t bench/plain -l < " + lines);
    for (;;) {
      std::string log = sub.Log();
      if (Count(log, "received PUBLISH") >= count) break;
      if (Seconds(Clock::now() - start) > 120) Die("the plain subscriber got too few messages");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return count / Seconds(Clock::now() - start);
  }

  void StartDevices(int devices) {
    std::string yaml =
        "apiVersion: devices.kubeedge.io/v1beta1\nkind: DeviceModel\nmetadata: {name: m}\n"
        "spec:\n  protocol: ble\n  properties:\n"
        "    - {name: temperature, type: FLOAT, accessMode: ReadOnly}\n"
        "    - {name: pressure, type: FLOAT, accessMode: ReadOnly}\n";
    for (int i = 0; i < devices; ++i) {
      std::string name = "dev-" + std::to_string(i);
      std::string device_dir = dir_ + "/devices/" + name;
      Run(tools_.devsim + " manufacture --manufacturer-dir " + dir_ + "/maker --out " + device_dir +
          " --name " + name + " > /dev/null");
      InstallSvid(std::string("spiffe://") + kTd + "/device/" + name, name,
                  device_dir + "/identity");
      devices_.push_back(std::make_unique<SpawnedProcess>(
          std::vector<std::string>{tools_.devsim, "run", "--device-dir", device_dir,
                                   "--sample-period-ms", std::to_string(kSamplePeriodMs),
                                   "--allowed-mapper-id",
                                   std::string("spiffe://") + kTd + "/mapper/ble"},
          dir_ + "/devsim-" + name + ".log"));
      devices_.back()->WaitFor("advertising on");
      yaml +=
          "---\napiVersion: devices.kubeedge.io/v1beta1\nkind: Device\nmetadata: {name: " + name +
          "}\nspec:\n  deviceModelRef: {name: m}\n  protocol:\n    protocolName: ble\n"
          "    configData: {socketPath: " +
          device_dir + "/link.sock, spiffeId: spiffe://" + kTd + "/device/" + name +
          "}\n  properties:\n"
          "    - {name: temperature, visitors: {protocolName: ble, configData: "
          "{characteristicUUID: \"2a6e\"}}}\n"
          "    - {name: pressure, visitors: {protocolName: ble, configData: "
          "{characteristicUUID: \"2a6d\"}}}\n";
    }
    std::ofstream(dir_ + "/devices.yaml") << yaml;
  }

  void StartMapper(bool disk_queue) {
    Run(Cli("entry create --parent-id " + agent_id_ + " --spiffe-id spiffe://" + kTd +
            "/mapper/ble --selector unix:uid:" + std::to_string(::getuid()) +
            " --selector unix:path:" + std::filesystem::canonical(tools_.mapper).string()) +
        " > /dev/null");
    std::vector<std::string> args{
        tools_.mapper,          "run",
        "--agent-address",      agent_socket_,
        "--device-file",        dir_ + "/devices.yaml",
        "--manufacturer-roots", dir_ + "/maker/root.pem",
        "--mqtt-host",          "127.0.0.1",
        "--mqtt-port",          std::to_string(port_),
        "--mqtt-broker-id",     std::string("spiffe://") + kTd + "/mqtt/broker"};
    if (disk_queue) {
      args.push_back("--mqtt-queue-dir");
      args.push_back(dir_ + "/queue");
    }
    mapper_ = std::make_unique<SpawnedProcess>(args, dir_ + "/mapper.log");
    mapper_->WaitFor("mqtt: connected", std::chrono::seconds(60));
  }

  std::unique_ptr<SpawnedProcess> Subscribe() {
    auto sub = std::make_unique<SpawnedProcess>(
        std::vector<std::string>{"/bin/sh", "-c",
                                 "exec stdbuf -oL mosquitto_sub " + CloudArgs() + " -i " +
                                     CloudClientId("sub") + " -t '$ke/events/device/#' -F '%U %p'"},
        dir_ + "/cloud-sub.log");
    return sub;
  }

  SpawnedProcess& mapper() { return *mapper_; }
  SpawnedProcess& broker() { return *broker_; }

 private:
  std::string Cli(const std::string& args) const {
    return tools_.server + " " + args + " --admin-socket " + dir_ + "/admin.sock";
  }

  Tools tools_;
  std::string dir_;
  BenchServer server_;
  std::unique_ptr<SpawnedProcess> agent_, broker_, mapper_;
  std::vector<std::unique_ptr<SpawnedProcess>> devices_;
  std::string agent_socket_, agent_id_;
  int port_ = 0;
};

// Arrival times (seconds, the subscriber's clock) and latencies (ms) of the readings the
// subscriber printed with arrival in [from, to).
struct Window {
  int count = 0;
  std::vector<double> latency_ms;
};

Window Readings(const std::string& log, double from, double to) {
  Window w;
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    auto space = line.find(' ');
    if (space == std::string::npos) continue;
    double arrived = std::strtod(line.c_str(), nullptr);
    if (arrived < from || arrived >= to) continue;
    auto payload = nlohmann::json::parse(line.substr(space + 1), nullptr, false);
    if (payload.is_discarded() || !payload.contains("timestamp")) continue;
    ++w.count;
    w.latency_ms.push_back(arrived * 1e3 - payload["timestamp"].get<double>());
  }
  return w;
}

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int Main(int argc, char** argv) {
  if (argc < 7) {
    Die("usage: telemetry_bench SERVER AGENT HELPER DEVSIM MAPPER PLUGIN [DEVICES] [SECONDS] "
        "[memory|disk]");
  }
  Tools tools{argv[1], argv[2], argv[3], argv[4], argv[5], argv[6]};
  const int devices = argc > 7 ? std::stoi(argv[7]) : 10;
  const double seconds = argc > 8 ? std::stod(argv[8]) : 10;
  const bool disk_queue = argc > 9 && std::string(argv[9]) == "disk";
  char dir_template[] = "/tmp/edgeid-telemetry-bench-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) Die("mkdtemp");
  std::string dir = dir_template;

  Chain chain(tools, dir);
  chain.StartServerAndAgent();
  chain.StartBroker();
  // The limit: Mosquitto's own tools through the same broker and plugin, with payloads the
  // size of a reading.
  const int plain_count = 20000;
  double plain = chain.PlainRate(plain_count, 172);

  chain.StartDevices(devices);
  auto sub = chain.Subscribe();
  chain.StartMapper(disk_queue);
  std::this_thread::sleep_for(std::chrono::seconds(3));  // every device paired and streaming
  double from = WallSeconds();
  double mapper_cpu = chain.mapper().CpuSeconds(), broker_cpu = chain.broker().CpuSeconds();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  double to = WallSeconds();
  mapper_cpu = chain.mapper().CpuSeconds() - mapper_cpu;
  broker_cpu = chain.broker().CpuSeconds() - broker_cpu;
  std::this_thread::sleep_for(std::chrono::seconds(1));  // the last ones arrive
  Window w = Readings(sub->Log(), from, to);
  double delivered = w.count / (to - from);
  double offered = devices * kReadingsPerSample * (1000.0 / kSamplePeriodMs);
  double cpu_per_reading = w.count > 0 ? mapper_cpu / w.count : 0;

  std::printf("\nTelemetry chain: %d devices sampling every %d ms, %.0f s window, queue %s\n",
              devices, kSamplePeriodMs, to - from,
              disk_queue ? "on disk (fdatasync per message)" : "in memory");
  std::printf("%-58s %9.0f /s  (offered by the devices: %.0f/s)\n",
              "readings device -> mapper -> broker -> subscriber", delivered, offered);
  std::printf("%-58s %9.0f /s  this run, TLS, QoS 1, 172-byte payloads\n",
              "  limit: mosquitto_pub -> mosquitto_sub, same broker", plain);
  std::printf("%-58s %9.1f us  -> %.0f readings/s per core = %.2fx the plain tools' rate\n",
              "  mapper CPU per reading (read, publish, TLS)", cpu_per_reading * 1e6,
              cpu_per_reading > 0 ? 1 / cpu_per_reading : 0,
              cpu_per_reading > 0 ? (1 / cpu_per_reading) / plain : 0);
  std::printf("%-58s %9.1f %%  of one core (broker %.1f %%)\n", "  mapper CPU during the window",
              100 * mapper_cpu / (to - from), 100 * broker_cpu / (to - from));
  std::printf("%-58s %9.2f ms  p99 %.2f ms (%zu readings)\n",
              "latency mapper sample -> subscriber, p50", Percentile(w.latency_ms, 0.5),
              Percentile(w.latency_ms, 0.99), w.latency_ms.size());
  sub.reset();
  return CleanUp(dir);
}

}  // namespace
}  // namespace edgeid::bench

int main(int argc, char** argv) {
  return edgeid::bench::RunMain(argc, argv, edgeid::bench::Main, "telemetry_bench");
}
