// A real Mosquitto broker (Debian's /usr/sbin/mosquitto) for tests: TLS on a loopback port,
// client certificates required, edgeid's SPIFFE plugin loaded, log captured.
#pragma once

#include <memory>
#include <string>

#include "testing/process.h"
#include "testing/test_pki.h"

namespace edgeid::testing {

struct MosquittoTls {
  std::string cafile;    // the trust bundle
  std::string certfile;  // the broker's certificate
  std::string keyfile;
};

struct MosquittoPlugin {
  std::string path;  // the .so
  std::string trust_domain;
  std::string trust_bundle;  // the own trust domain's authorities (PEM); empty: no option
  std::string acl_file;
};

class MosquittoBroker {
 public:
  MosquittoBroker(std::string dir, MosquittoTls tls, MosquittoPlugin plugin);
  ~MosquittoBroker();

  // Starts on a free loopback port (the same port again after Stop); false with the log in
  // error() when it does not come up.
  bool Start();
  void Stop();
  // SIGHUP: the broker reloads its configuration and the plugin its ACL file.
  void Reload();
  // True once `text` appears in the broker's log (within 5 s).
  bool WaitForLog(const std::string& text);
  // Waits until the broker exits by itself; its exit code, or -1 if it is still running.
  int WaitForExit();

  int port() const { return port_; }
  std::string Log() const;
  const std::string& error() const { return error_; }

 private:
  std::string WriteConfig() const;

  std::string dir_;
  MosquittoTls tls_;
  MosquittoPlugin plugin_;
  int port_ = 0;
  int starts_ = 0;
  std::unique_ptr<ChildProcess> process_;
  std::string error_;
};

// A broker (not started) in `dir` with edgeid's plugin at `plugin` for `ca`'s trust domain:
// `dir`/bundle.pem (the cafile) and `dir`/trust_bundle.pem (the plugin's) hold `ca`,
// `dir`/broker.pem and broker.key are an SVID `ca` issued for `broker_id` (DNS SAN localhost,
// which mosquitto_pub and mosquitto_sub check), and `dir`/acl.toml is `acl`.
std::unique_ptr<MosquittoBroker> MakeBrokerWithTestCa(const std::string& dir, const TestCa& ca,
                                                      const std::string& trust_domain,
                                                      const std::string& broker_id,
                                                      const std::string& acl,
                                                      const std::string& plugin);

// The options of mosquitto_pub and mosquitto_sub that reach the broker over TLS as a client
// with `cert`/`key` (none when empty), MQTT 5, QoS 1.
std::string MosquittoClientArgs(const MosquittoBroker& broker, const std::string& cafile,
                                const std::string& cert, const std::string& key);

}  // namespace edgeid::testing
