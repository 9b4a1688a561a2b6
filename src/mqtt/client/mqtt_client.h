// An MQTT 5 client over mutual TLS with the caller's X.509-SVID. Publishes with QoS 1, at least
// once: messages wait while the broker is unreachable and unacknowledged ones are sent again
// after a reconnect (libmosquitto keeps them across reconnects). With a queue directory they are
// also journaled on disk and outlive a restart of the process. The number of messages not yet
// acknowledged is bounded; past the bound Publish refuses and counts the message as dropped.
// Subscriptions are made again on every connection. A new SVID (rotation) is taken up by
// reconnecting with it.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "mqtt/client/message_journal.h"
#include "mqtt/client/spiffe_tls_context.h"
#include "spiffe/x509_bundle.h"
#include "spiffe/x509_svid.h"

struct mosquitto;

namespace edgeid::mqtt {

// Called on the client's network thread for each message matching `filter`; must not block.
using MessageHandler = std::function<void(const std::string& topic, const std::string& payload)>;

struct MqttSubscription {
  std::string filter;
  MessageHandler handler;
};

struct MqttClientOptions {
  std::string host = "127.0.0.1";
  int port = 8883;
  // Empty: the SVID's SPIFFE ID, which edgeid's broker plugin binds to the identity (another
  // identity cannot connect with it and take the session over). A rotation keeps it, so a new
  // SVID of another SPIFFE ID is then refused by UpdateIdentity.
  std::string client_id;
  // The broker's SPIFFE ID; empty accepts any broker of the trust domain.
  std::string broker_id;
  // Sent or waiting, not yet acknowledged; at most 65535, the MQTT packet identifiers.
  std::size_t max_pending = 10000;
  std::chrono::seconds keepalive{30};
  // Reconnects back off exponentially (with jitter) from 1 s up to this, whatever ended the
  // connection: the network, a TLS failure, or the broker refusing the client.
  std::chrono::seconds reconnect_max{30};
  // Empty: unacknowledged messages are kept in memory only. Otherwise they are journaled here.
  std::string queue_dir;
  bool queue_sync = true;  // fdatasync every journaled message (survives a power loss)
  std::vector<MqttSubscription> subscriptions;  // QoS 1, made on every connection
};

struct MqttClientStats {
  uint64_t acknowledged = 0;
  uint64_t refused_by_broker = 0;  // PUBACK with a failure reason (e.g. not authorised)
  uint64_t dropped = 0;            // refused by Publish because the queue was full
  uint64_t connects = 0;
  uint64_t received = 0;               // messages delivered to a subscription's handler
  uint64_t subscriptions_refused = 0;  // SUBACK with a failure reason
  uint64_t replayed = 0;               // journaled messages sent again after a restart
  std::size_t pending = 0;
  bool connected = false;
};

class MqttClient {
 public:
  static Result<std::unique_ptr<MqttClient>> Start(MqttClientOptions options,
                                                   const spiffe::X509Svid& svid,
                                                   const spiffe::X509Bundle& bundle,
                                                   std::shared_ptr<spdlog::logger> log);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  // Queues a QoS 1 message; thread-safe. ResourceExhausted when `max_pending` are unacknowledged.
  // With a queue directory the message is on disk when this returns OK.
  Status Publish(const std::string& topic, const std::string& payload);
  // Adds a subscription (QoS 1), made now if connected and again on every connection.
  void Subscribe(MqttSubscription subscription);
  // Reconnects with a new SVID and bundle; queued messages stay queued. When the client ID is
  // the SVID's SPIFFE ID, an SVID of another ID is refused and the old identity stays.
  Status UpdateIdentity(const spiffe::X509Svid& svid, const spiffe::X509Bundle& bundle);
  // Waits until nothing is pending; false after `timeout`.
  bool WaitUntilAcknowledged(std::chrono::milliseconds timeout);
  MqttClientStats Stats() const;

 private:
  MqttClient(MqttClientOptions options, std::shared_ptr<spdlog::logger> log);
  void OnConnect(int reason_code);
  void OnDisconnect(int reason_code);
  void OnPublish(int mid, int reason_code);
  void OnMessage(const char* topic, const void* payload, int length);
  void OnSubscribe(int count, const int* granted);
  void SendSubscribe(const std::string& filter);
  // The network thread: libmosquitto's loop, and reconnecting after every failure (libmosquitto's
  // own loop thread gives up for good on a refused CONNACK or a TLS error).
  void NetworkLoop();
  // Waits up to `wait`; false when stopping.
  bool WaitToReconnect(std::chrono::milliseconds wait);
  // Hands a message to libmosquitto, linking its message id to the journal's sequence.
  Status Send(const std::string& topic, const std::string& payload, uint64_t sequence);

  MqttClientOptions options_;
  bool client_id_is_spiffe_id_ = false;  // options_.client_id was empty
  std::shared_ptr<spdlog::logger> log_;
  ServerIdentity server_;  // read by the TLS verify callback of every context made
  SslCtxPtr ctx_;
  mosquitto* client_ = nullptr;
  std::mutex lifecycle_mu_;  // one identity change at a time
  // Held by the network thread around each libmosquitto network call, so that UpdateIdentity can
  // reload the TLS context while no handshake runs.
  std::mutex loop_mu_;
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  bool reconnect_now_ = false;  // guarded by wake_mu_: a rotation skips the backoff
  // Set under wake_mu_ (so that a waiting network thread sees it); read anywhere.
  std::atomic<bool> stop_requested_{false};
  std::thread network_;

  mutable std::mutex mu_;
  std::condition_variable acked_cv_;
  MqttClientStats stats_;
  std::vector<MqttSubscription> subscriptions_;
  bool rotating_ = false;  // the disconnection under way is UpdateIdentity's
  std::unique_ptr<MessageJournal> journal_;
  std::map<int, uint64_t> journaled_;  // libmosquitto message id -> journal sequence
  std::set<int> acked_early_;          // acknowledged before Send recorded the id
};

}  // namespace edgeid::mqtt
