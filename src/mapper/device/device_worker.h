// One device, as the mapper serves it: wait for the mapper's own SVID, connect and pair (the
// device must present the SVID its Device names), authenticate its secure element over the
// sealed link (certificate chain to a manufacturer root, the element's signature over a
// challenge bound to this pairing, the serial the Device names), then subscribe to its sensor
// characteristics, poll the readable ones that do not notify, publish every reading, write
// desired values, and start over when the link breaks, the Device's identity or mapping is
// edited, or the mapper loses its entitlement. A refused device is left alone for a while, and
// nothing it sends is published.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/backoff.h"
#include "common/metrics.h"
#include "crypto/certificate.h"
#include "device/link/central_link.h"
#include "mapper/crd/device_crd.h"
#include "mapper/identity/svid_source.h"
#include "mapper/sink/reading_sink.h"

namespace edgeid::mapper {

enum class DeviceState { kWaitingForIdentity, kConnecting, kRefused, kServing, kStopped };
const char* DeviceStateName(DeviceState state);

struct DeviceWorkerContext {
  const SvidSource& identity;
  crypto::CertificateChain manufacturer_roots;
  ReadingSink& sink;
  Metrics& metrics;
  std::shared_ptr<spdlog::logger> log;
  // How long a refused (counterfeit) device is left alone before it is tried again.
  std::chrono::milliseconds refused_retry{std::chrono::seconds(30)};
};

class DeviceWorker {
 public:
  DeviceWorker(Device device, DeviceModel model, DeviceWorkerContext context);
  ~DeviceWorker();
  DeviceWorker(const DeviceWorker&) = delete;
  DeviceWorker& operator=(const DeviceWorker&) = delete;

  void Start();
  void Stop();
  // A new version of the Device and its model (kubectl apply): changed desired values are
  // written; a changed address, identity or property mapping starts a new session.
  void Update(const Device& device, const DeviceModel& model);
  // A desired value from the cloud (a twin delta), taken as if the Device file had said it:
  // written now when serving and after every pairing, until an edit of the Device file sets
  // another. An error names a property the Device lacks, a ReadOnly one, or a value the
  // characteristic cannot take.
  Status SetDesired(const std::string& property, const std::string& value);

  DeviceState state() const { return state_; }
  // The Device as served now (desired values from twin deltas included).
  Device device() const;
  const std::string& key() const { return key_; }

 private:
  struct Property {
    std::string name;
    uint16_t uuid = 0;
    std::string type;
    bool notifies = false;
    int64_t collect_cycle_ms = 1000;
    std::chrono::steady_clock::time_point next_poll{};
  };
  enum class Admission { kAdmitted, kRefused, kFailed };

  void Run();
  // One connection, from pairing to its end.
  void Serve(const MapperIdentity& identity);
  Admission Admit(device::link::CentralLink& session);
  bool Authenticate(device::link::CentralLink& session,
                    const std::vector<device::link::CharacteristicDeclaration>& found);
  void Map(const std::vector<device::link::CharacteristicDeclaration>& found);
  void RunSession(device::link::CentralLink& session);
  void EndSession(device::link::CentralLink& session);
  void Poll(device::link::CentralLink& session);
  void Publish(const Property& property, const std::string& value);
  void OnNotification(uint16_t handle, const std::string& value);
  // False when a write failed (tried again a second later).
  bool WriteDesired(device::link::CentralLink& session, bool only_changed);
  void Refuse(const std::string& reason, const std::string& message);
  bool SleepFor(std::chrono::milliseconds wait);

  const std::string key_;
  DeviceWorkerContext context_;
  std::atomic<DeviceState> state_{DeviceState::kWaitingForIdentity};

  mutable std::mutex mu_;  // guards the fields below
  std::condition_variable cv_;
  Device device_;
  DeviceModel model_;
  bool desired_changed_ = false;
  bool restart_session_ = false;
  bool serving_ = false;                        // the current session is authenticated and mapped
  std::map<std::string, std::string> written_;  // property -> desired value written this session
  std::map<uint16_t, Property> handles_;        // value handle -> the property it carries
  device::link::CentralLink* live_ = nullptr;   // for Stop to interrupt
  bool stopping_ = false;

  Backoff backoff_{std::chrono::milliseconds(500), std::chrono::seconds(15)};
  std::thread thread_;
};

}  // namespace edgeid::mapper
