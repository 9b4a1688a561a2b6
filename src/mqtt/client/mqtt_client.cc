#include "mqtt/client/mqtt_client.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <algorithm>
#include <mutex>

#include "common/backoff.h"

namespace edgeid::mqtt {
namespace {

// libmosquitto's process-wide setup, done once and never undone while the process runs.
void InitLibraryOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

// How long one mosquitto_loop call may wait for the socket: the longest a stop waits.
constexpr std::chrono::milliseconds kLoopTimeout{250};

MqttClient* Self(void* userdata) {
  return static_cast<MqttClient*>(userdata);
}

}  // namespace

MqttClient::MqttClient(MqttClientOptions options, std::shared_ptr<spdlog::logger> log)
    : options_(std::move(options)), log_(std::move(log)) {}

Result<std::unique_ptr<MqttClient>> MqttClient::Start(MqttClientOptions options,
                                                      const spiffe::X509Svid& svid,
                                                      const spiffe::X509Bundle& bundle,
                                                      std::shared_ptr<spdlog::logger> log) {
  InitLibraryOnce();
  const bool client_id_is_spiffe_id = options.client_id.empty();
  if (client_id_is_spiffe_id) options.client_id = svid.id.str();
  if (options.max_pending == 0 || options.max_pending > 65535) {
    return InvalidArgument("MQTT max_pending must be between 1 and 65535");
  }
  std::unique_ptr<MqttClient> self(new MqttClient(std::move(options), std::move(log)));
  self->client_id_is_spiffe_id_ = client_id_is_spiffe_id;
  self->subscriptions_ = std::move(self->options_.subscriptions);
  std::vector<JournalMessage> replay;
  if (!self->options_.queue_dir.empty()) {
    auto opened =
        EDGEID_TRY(MessageJournal::Open(self->options_.queue_dir, self->options_.queue_sync));
    if (!opened.warning.empty()) self->log_->warn("{}", opened.warning);
    self->journal_ = std::move(opened.journal);
    replay = std::move(opened.unacknowledged);
  }
  self->server_ = ServerIdentity{bundle.trust_domain().name(), self->options_.broker_id};
  // Clean start: what is unacknowledged is kept and sent again by this client, not the broker.
  self->client_ = mosquitto_new(self->options_.client_id.c_str(), true, self.get());
  if (self->client_ == nullptr) return Internal("mosquitto_new failed");
  // Our own network thread calls mosquitto_loop; other threads publish.
  mosquitto_threaded_set(self->client_, true);
  mosquitto_int_option(self->client_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  // Our SSL_CTX as it is: libmosquitto's defaults would want a CA file on disk.
  mosquitto_int_option(self->client_, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
  mosquitto_connect_v5_callback_set(
      self->client_, [](mosquitto*, void* me, int rc, int, const mosquitto_property*) {
        Self(me)->OnConnect(rc);
      });
  mosquitto_disconnect_v5_callback_set(
      self->client_,
      [](mosquitto*, void* me, int rc, const mosquitto_property*) { Self(me)->OnDisconnect(rc); });
  mosquitto_publish_v5_callback_set(
      self->client_, [](mosquitto*, void* me, int mid, int reason, const mosquitto_property*) {
        Self(me)->OnPublish(mid, reason);
      });
  mosquitto_message_v5_callback_set(
      self->client_,
      [](mosquitto*, void* me, const mosquitto_message* m, const mosquitto_property*) {
        Self(me)->OnMessage(m->topic, m->payload, m->payloadlen);
      });
  mosquitto_subscribe_v5_callback_set(
      self->client_, [](mosquitto*, void* me, int, int count, const int* granted,
                        const mosquitto_property*) { Self(me)->OnSubscribe(count, granted); });
  self->ctx_ = EDGEID_TRY(MakeSpiffeClientContext(svid, bundle, &self->server_));
  // libmosquitto takes its own reference, and keeps using this one context: rotation reloads
  // it in place (replacing the option would leak libmosquitto's reference to the old one).
  int option_rc = mosquitto_void_option(self->client_, MOSQ_OPT_SSL_CTX, self->ctx_.get());
  if (option_rc != MOSQ_ERR_SUCCESS) {
    return Internal(std::string("MQTT TLS: ") + mosquitto_strerror(option_rc));
  }
  // The SPIFFE ID check of the verify callback replaces the host name check.
  mosquitto_tls_insecure_set(self->client_, true);
  int rc = mosquitto_connect_async(self->client_, self->options_.host.c_str(), self->options_.port,
                                   static_cast<int>(self->options_.keepalive.count()));
  // Only bad arguments are final. Anything else (the broker down, a refused or failed TLS
  // handshake, which on loopback may happen within this call) is retried by the network thread.
  if (rc == MOSQ_ERR_INVAL) {
    return InvalidArgument("MQTT broker " + self->options_.host + ":" +
                           std::to_string(self->options_.port) + ": " + mosquitto_strerror(rc));
  }
  if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_ERRNO) {
    self->log_->warn("mqtt: connecting to {}:{}: {}; trying again", self->options_.host,
                     self->options_.port, mosquitto_strerror(rc));
  }
  // What an earlier run journaled and never saw acknowledged goes first, in its order.
  if (!replay.empty()) {
    self->log_->info("mqtt: sending {} message(s) again that {} holds unacknowledged",
                     replay.size(), self->options_.queue_dir);
  }
  for (const auto& message : replay) {
    {
      std::lock_guard lock(self->mu_);
      ++self->stats_.pending;
      ++self->stats_.replayed;
    }
    auto sent = self->Send(message.topic, message.payload, message.sequence);
    if (!sent.ok()) self->log_->warn("mqtt: a journaled message: {}", sent.error().message);
  }
  // With the broker down or refusing, the loop keeps reconnecting with backoff.
  self->network_ = std::thread([me = self.get()] { me->NetworkLoop(); });
  return self;
}

bool MqttClient::WaitToReconnect(std::chrono::milliseconds wait) {
  std::unique_lock lock(wake_mu_);
  wake_cv_.wait_for(lock, wait, [&] { return stop_requested_ || reconnect_now_; });
  reconnect_now_ = false;
  return !stop_requested_;
}

void MqttClient::NetworkLoop() {
  Backoff backoff(std::chrono::seconds(1), std::max<std::chrono::milliseconds>(
                                               std::chrono::seconds(1), options_.reconnect_max));
  while (!stop_requested_) {
    int rc = MOSQ_ERR_SUCCESS;
    {
      std::lock_guard net(loop_mu_);
      rc = mosquitto_loop(client_, static_cast<int>(kLoopTimeout.count()), 1);
    }
    if (rc == MOSQ_ERR_SUCCESS) {
      if (Stats().connected) backoff.Reset();
      continue;
    }
    // Not connected, the connection lost, TLS refused, CONNACK refused: all are retried.
    if (rc == MOSQ_ERR_TLS || rc == MOSQ_ERR_PROTOCOL || rc == MOSQ_ERR_AUTH) {
      log_->warn("mqtt: connection to {}:{} failed: {}", options_.host, options_.port,
                 mosquitto_strerror(rc));
    }
    if (!WaitToReconnect(backoff.Next())) break;
    std::lock_guard net(loop_mu_);
    rc = mosquitto_reconnect_async(client_);
    if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_ERRNO) {
      log_->warn("mqtt: reconnecting to {}:{}: {}", options_.host, options_.port,
                 mosquitto_strerror(rc));
    }
  }
  // A DISCONNECT for the broker, so that it does not wait for the keepalive.
  std::lock_guard net(loop_mu_);
  if (mosquitto_disconnect(client_) == MOSQ_ERR_SUCCESS) {
    for (int i = 0; i < 5 && mosquitto_loop(client_, 50, 1) == MOSQ_ERR_SUCCESS; ++i) {
    }
  }
}

MqttClient::~MqttClient() {
  if (client_ == nullptr) return;
  {
    std::lock_guard lock(wake_mu_);
    stop_requested_ = true;
  }
  wake_cv_.notify_all();
  if (network_.joinable()) network_.join();
  mosquitto_destroy(client_);
}

Status MqttClient::UpdateIdentity(const spiffe::X509Svid& svid, const spiffe::X509Bundle& bundle) {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (bundle.trust_domain().name() != server_.trust_domain) {
    return InvalidArgument("the new bundle is of trust domain " + bundle.trust_domain().name() +
                           ", not " + server_.trust_domain);
  }
  if (bundle.empty()) return InvalidArgument("the trust bundle has no authorities");
  // libmosquitto keeps the client ID of mosquitto_new; the broker would refuse it for another ID.
  if (client_id_is_spiffe_id_ && svid.id.str() != options_.client_id) {
    return InvalidArgument("the new SVID is of " + svid.id.str() + ", the client connects as " +
                           options_.client_id + "; another SPIFFE ID needs a new client");
  }
  {
    std::lock_guard lock(mu_);
    rotating_ = true;
  }
  Status status = OkStatus();
  {
    // No handshake runs while the context changes. The connection made with the old SVID ends;
    // the network thread reconnects with the new one at once. Unacknowledged messages stay in
    // the client and are sent again.
    std::lock_guard net(loop_mu_);
    status = LoadSpiffeIdentity(ctx_.get(), svid, bundle);
    mosquitto_disconnect(client_);
  }
  {
    std::lock_guard lock(wake_mu_);
    reconnect_now_ = true;
  }
  wake_cv_.notify_all();
  log_->info("mqtt: reconnecting to {}:{} as {}", options_.host, options_.port, svid.id.str());
  return status;
}

Status MqttClient::Publish(const std::string& topic, const std::string& payload) {
  {
    std::lock_guard lock(mu_);
    if (stats_.pending >= options_.max_pending) {
      ++stats_.dropped;
      return ResourceExhausted("MQTT queue full: " + std::to_string(stats_.pending) +
                               " messages not yet acknowledged");
    }
    ++stats_.pending;
  }
  uint64_t sequence = 0;
  if (journal_) {
    auto appended = journal_->Append(topic, payload);
    if (!appended.ok()) {
      std::lock_guard lock(mu_);
      --stats_.pending;
      return appended.error().Wrap("MQTT queue");
    }
    sequence = *appended;
  }
  return Send(topic, payload, sequence);
}

Status MqttClient::Send(const std::string& topic, const std::string& payload, uint64_t sequence) {
  int mid = 0;
  int rc = mosquitto_publish_v5(client_, &mid, topic.c_str(), static_cast<int>(payload.size()),
                                payload.data(), 1, false, nullptr);
  // Not connected: libmosquitto keeps the message and sends it once connected.
  if (rc == MOSQ_ERR_SUCCESS || rc == MOSQ_ERR_NO_CONN) {
    if (sequence == 0) return OkStatus();
    std::lock_guard lock(mu_);
    // The acknowledgement may have come back on the network thread before this line.
    if (acked_early_.erase(mid) > 0) {
      auto done = journal_->Acknowledge(sequence);
      if (!done.ok()) log_->warn("mqtt: {}", done.error().message);
    } else {
      journaled_[mid] = sequence;
    }
    return OkStatus();
  }
  // A message libmosquitto will never send is not kept in the journal either.
  if (sequence != 0) (void)journal_->Acknowledge(sequence);
  std::lock_guard lock(mu_);
  --stats_.pending;
  return InvalidArgument("MQTT publish to " + topic + ": " + mosquitto_strerror(rc));
}

void MqttClient::OnConnect(int reason_code) {
  std::lock_guard lock(mu_);
  if (reason_code != 0) {
    log_->warn("mqtt: broker {}:{} refused the connection: {}", options_.host, options_.port,
               mosquitto_reason_string(reason_code));
    return;
  }
  stats_.connected = true;
  rotating_ = false;
  ++stats_.connects;
  log_->info("mqtt: connected to {}:{} ({} messages pending)", options_.host, options_.port,
             stats_.pending);
  // Clean start: the broker forgot the subscriptions of the last connection.
  for (const auto& subscription : subscriptions_) SendSubscribe(subscription.filter);
}

void MqttClient::SendSubscribe(const std::string& filter) {
  int rc = mosquitto_subscribe_v5(client_, nullptr, filter.c_str(), 1, 0, nullptr);
  if (rc != MOSQ_ERR_SUCCESS) {
    log_->warn("mqtt: subscribing to {}: {}", filter, mosquitto_strerror(rc));
  }
}

void MqttClient::Subscribe(MqttSubscription subscription) {
  std::lock_guard lock(mu_);
  if (stats_.connected) SendSubscribe(subscription.filter);
  subscriptions_.push_back(std::move(subscription));
}

void MqttClient::OnSubscribe(int count, const int* granted) {
  std::lock_guard lock(mu_);
  for (int i = 0; i < count; ++i) {
    if (granted[i] >= MQTT_RC_UNSPECIFIED) {
      ++stats_.subscriptions_refused;
      log_->warn("mqtt: the broker refused a subscription: {}",
                 mosquitto_reason_string(granted[i]));
    }
  }
}

void MqttClient::OnMessage(const char* topic, const void* payload, int length) {
  std::string text(static_cast<const char*>(payload), static_cast<size_t>(std::max(length, 0)));
  std::vector<MessageHandler> handlers;
  {
    std::lock_guard lock(mu_);
    for (const auto& subscription : subscriptions_) {
      bool matches = false;
      mosquitto_topic_matches_sub(subscription.filter.c_str(), topic, &matches);
      if (matches) handlers.push_back(subscription.handler);
    }
    stats_.received += handlers.size();
  }
  // Outside the lock: a handler may publish.
  for (const auto& handler : handlers) handler(topic, text);
}

void MqttClient::OnDisconnect(int reason_code) {
  std::lock_guard lock(mu_);
  if (stats_.connected && rotating_) {
    log_->info("mqtt: disconnected from {}:{} to reconnect with the new SVID", options_.host,
               options_.port);
    rotating_ = false;
  } else if (stats_.connected && !stop_requested_) {
    log_->warn("mqtt: disconnected from {}:{}: {}", options_.host, options_.port,
               mosquitto_strerror(reason_code));
  }
  stats_.connected = false;
}

void MqttClient::OnPublish(int mid, int reason_code) {
  std::lock_guard lock(mu_);
  if (stats_.pending > 0) --stats_.pending;
  if (journal_) {
    // Refused messages are done with too: sending them again would be refused again.
    auto it = journaled_.find(mid);
    if (it == journaled_.end()) {
      acked_early_.insert(mid);
    } else {
      auto done = journal_->Acknowledge(it->second);
      if (!done.ok()) log_->warn("mqtt: {}", done.error().message);
      journaled_.erase(it);
    }
  }
  if (reason_code >= MQTT_RC_UNSPECIFIED) {
    ++stats_.refused_by_broker;
    log_->warn("mqtt: the broker refused a message: {}", mosquitto_reason_string(reason_code));
  } else {
    ++stats_.acknowledged;
  }
  acked_cv_.notify_all();
}

bool MqttClient::WaitUntilAcknowledged(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return acked_cv_.wait_for(lock, timeout, [&] { return stats_.pending == 0; });
}

MqttClientStats MqttClient::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace edgeid::mqtt
