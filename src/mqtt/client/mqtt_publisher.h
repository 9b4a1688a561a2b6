// Publishes to an MQTT broker over mutual TLS with the caller's X.509-SVID, QoS 1, at least
// once: messages wait in memory while the broker is unreachable and unacknowledged ones are sent
// again after a reconnect (libmosquitto keeps them across reconnects). The number of messages
// not yet acknowledged is bounded; past the bound Publish refuses and counts the message as
// dropped. A new SVID (rotation) is taken up by reconnecting with it.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"
#include "mqtt/client/spiffe_tls_context.h"
#include "spiffe/x509_bundle.h"
#include "spiffe/x509_svid.h"

struct mosquitto;

namespace edgeid::mqtt {

struct MqttPublisherOptions {
  std::string host = "127.0.0.1";
  int port = 8883;
  std::string client_id;
  // The broker's SPIFFE ID; empty accepts any broker of the trust domain.
  std::string broker_id;
  std::size_t max_pending = 10000;  // sent or waiting, not yet acknowledged
  std::chrono::seconds keepalive{30};
  // Reconnects back off exponentially from 1 s up to this.
  std::chrono::seconds reconnect_max{30};
};

struct MqttPublisherStats {
  uint64_t acknowledged = 0;
  uint64_t refused_by_broker = 0;  // PUBACK with a failure reason (e.g. not authorised)
  uint64_t dropped = 0;            // refused by Publish because the queue was full
  uint64_t connects = 0;
  std::size_t pending = 0;
  bool connected = false;
};

class MqttPublisher {
 public:
  static Result<std::unique_ptr<MqttPublisher>> Start(MqttPublisherOptions options,
                                                      const spiffe::X509Svid& svid,
                                                      const spiffe::X509Bundle& bundle,
                                                      std::shared_ptr<spdlog::logger> log);
  ~MqttPublisher();
  MqttPublisher(const MqttPublisher&) = delete;
  MqttPublisher& operator=(const MqttPublisher&) = delete;

  // Queues a QoS 1 message; thread-safe. ResourceExhausted when `max_pending` are unacknowledged.
  Status Publish(const std::string& topic, const std::string& payload);
  // Reconnects with a new SVID and bundle; queued messages stay queued.
  Status UpdateIdentity(const spiffe::X509Svid& svid, const spiffe::X509Bundle& bundle);
  // Waits until nothing is pending; false after `timeout`.
  bool WaitUntilAcknowledged(std::chrono::milliseconds timeout);
  MqttPublisherStats Stats() const;

 private:
  MqttPublisher(MqttPublisherOptions options, std::shared_ptr<spdlog::logger> log);
  void OnConnect(int reason_code);
  void OnDisconnect(int reason_code);
  void OnPublish(int reason_code);

  MqttPublisherOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  ServerIdentity server_;  // read by the TLS verify callback of every context made
  SslCtxPtr ctx_;
  mosquitto* client_ = nullptr;
  std::mutex lifecycle_mu_;  // one identity change at a time

  mutable std::mutex mu_;
  std::condition_variable acked_cv_;
  MqttPublisherStats stats_;
};

}  // namespace edgeid::mqtt
