#include "testing/mosquitto_broker.h"

#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "testing/temp_dir.h"

namespace edgeid::testing {
namespace {

// A port nothing listens on now; the broker binds it right after, and Start retries if another
// process took it meanwhile.
int UnusedLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::string CurrentUser() {
  const passwd* pw = getpwuid(getuid());
  return pw != nullptr ? pw->pw_name : "root";
}

std::vector<std::string> BrokerCommand(const std::string& config) {
  std::vector<std::string> argv;
#if defined(__SANITIZE_ADDRESS__) && defined(EDGEID_ASAN_RUNTIME)
  // The plugin is instrumented and the broker is not: the sanitizer runtime must be loaded
  // first. The broker's own allocations are not ours to judge, so leak checks stay off.
  argv = {"/usr/bin/env", "LD_PRELOAD=" EDGEID_ASAN_RUNTIME, "ASAN_OPTIONS=detect_leaks=0"};
#endif
  argv.insert(argv.end(), {"/usr/sbin/mosquitto", "-c", config});
  return argv;
}

}  // namespace

MosquittoBroker::MosquittoBroker(std::string dir, MosquittoTls tls, MosquittoPlugin plugin)
    : dir_(std::move(dir)), tls_(std::move(tls)), plugin_(std::move(plugin)) {}

MosquittoBroker::~MosquittoBroker() {
  Stop();
}

std::string MosquittoBroker::WriteConfig() const {
  std::ostringstream conf;
  // Running as root, the broker would otherwise switch to the mosquitto user, who cannot read
  // the test's 0600 keys.
  conf << "user " << CurrentUser() << "\n"
       << "per_listener_settings false\n"
       << "allow_anonymous false\n"
       // Sessions and their queued QoS 1 messages survive a restart, as in a production broker.
       << "persistence true\n"
       << "persistence_location " << dir_ << "/\n"
       << "log_dest stderr\n"
       << "log_type all\n"
       << "listener " << port_ << " 127.0.0.1\n"
       << "cafile " << tls_.cafile << "\n"
       << "certfile " << tls_.certfile << "\n"
       << "keyfile " << tls_.keyfile << "\n"
       << "require_certificate true\n"
       << "tls_version tlsv1.2\n"
       << "plugin " << plugin_.path << "\n"
       << "plugin_opt_trust_domain " << plugin_.trust_domain << "\n"
       << "plugin_opt_acl_file " << plugin_.acl_file << "\n";
  // Left out when empty, for the test of a broker configured without it.
  if (!plugin_.trust_bundle.empty())
    conf << "plugin_opt_trust_bundle " << plugin_.trust_bundle << "\n";
  std::string path = dir_ + "/mosquitto.conf";
  WriteTestFile(path, conf.str());
  return path;
}

bool MosquittoBroker::Start() {
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (port_ == 0 || attempt > 0) port_ = UnusedLoopbackPort();
    const std::string log = dir_ + "/mosquitto." + std::to_string(++starts_) + ".log";
    process_ = std::make_unique<ChildProcess>(BrokerCommand(WriteConfig()), log);
    if (process_->WaitForOutput(" running")) return true;
    error_ = process_->Output();
    process_->Wait(std::chrono::seconds(2));
    if (error_.find("Address already in use") == std::string::npos) return false;
  }
  return false;
}

void MosquittoBroker::Stop() {
  if (!process_) return;
  process_->Signal(SIGTERM);
  process_->Wait();
  process_.reset();
}

void MosquittoBroker::Reload() {
  if (process_) process_->Signal(SIGHUP);
}

bool MosquittoBroker::WaitForLog(const std::string& text) {
  return process_ && process_->WaitForOutput(text, std::chrono::seconds(5));
}

int MosquittoBroker::WaitForExit() {
  if (!process_) return -1;
  auto code = process_->Wait();
  return code ? *code : -1;
}

std::string MosquittoBroker::Log() const {
  return process_ ? process_->Output() : error_;
}

std::unique_ptr<MosquittoBroker> MakeBrokerWithTestCa(const std::string& dir, const TestCa& ca,
                                                      const std::string& trust_domain,
                                                      const std::string& broker_id,
                                                      const std::string& acl,
                                                      const std::string& plugin) {
  WriteTestFile(dir + "/bundle.pem", ca.cert.ToPem());
  WriteTestFile(dir + "/trust_bundle.pem", ca.cert.ToPem());
  auto broker_tmpl = LeafTemplate(broker_id);
  broker_tmpl.dns_sans = {"localhost"};
  WriteIssuedKeyAndCert(dir + "/broker", broker_tmpl, ca);
  WriteTestFile(dir + "/acl.toml", acl);
  return std::make_unique<MosquittoBroker>(
      dir, MosquittoTls{dir + "/bundle.pem", dir + "/broker.pem", dir + "/broker.key"},
      MosquittoPlugin{plugin, trust_domain, dir + "/trust_bundle.pem", dir + "/acl.toml"});
}

std::string MosquittoClientArgs(const MosquittoBroker& broker, const std::string& cafile,
                                const std::string& cert, const std::string& key) {
  std::string args =
      "-h localhost -p " + std::to_string(broker.port()) + " -V mqttv5 -q 1 --cafile " + cafile;
  if (!cert.empty()) args += " --cert " + cert + " --key " + key;
  return args;
}

}  // namespace edgeid::testing
