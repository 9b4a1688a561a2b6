#include "mqtt/client/mqtt_publisher.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <algorithm>
#include <mutex>

namespace edgeid::mqtt {
namespace {

// libmosquitto's process-wide setup, done once and never undone while the process runs.
void InitLibraryOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

MqttPublisher* Self(void* userdata) {
  return static_cast<MqttPublisher*>(userdata);
}

}  // namespace

MqttPublisher::MqttPublisher(MqttPublisherOptions options, std::shared_ptr<spdlog::logger> log)
    : options_(std::move(options)), log_(std::move(log)) {}

Result<std::unique_ptr<MqttPublisher>> MqttPublisher::Start(MqttPublisherOptions options,
                                                            const spiffe::X509Svid& svid,
                                                            const spiffe::X509Bundle& bundle,
                                                            std::shared_ptr<spdlog::logger> log) {
  InitLibraryOnce();
  if (options.client_id.empty()) return InvalidArgument("MQTT client id is empty");
  if (options.max_pending == 0) return InvalidArgument("MQTT max_pending must be at least 1");
  std::unique_ptr<MqttPublisher> self(new MqttPublisher(std::move(options), std::move(log)));
  self->server_ = ServerIdentity{bundle.trust_domain().name(), self->options_.broker_id};
  // Clean start: what is unacknowledged is kept and sent again by this client, not the broker.
  self->client_ = mosquitto_new(self->options_.client_id.c_str(), true, self.get());
  if (self->client_ == nullptr) return Internal("mosquitto_new failed");
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
      self->client_, [](mosquitto*, void* me, int, int reason, const mosquitto_property*) {
        Self(me)->OnPublish(reason);
      });
  mosquitto_reconnect_delay_set(
      self->client_, 1,
      static_cast<unsigned int>(std::max<int64_t>(1, self->options_.reconnect_max.count())), true);
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
  if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_ERRNO) {
    return Unavailable(std::string("MQTT connect: ") + mosquitto_strerror(rc));
  }
  // With the broker down the loop keeps reconnecting with backoff.
  rc = mosquitto_loop_start(self->client_);
  if (rc != MOSQ_ERR_SUCCESS) {
    return Internal(std::string("MQTT network thread: ") + mosquitto_strerror(rc));
  }
  return self;
}

MqttPublisher::~MqttPublisher() {
  if (client_ == nullptr) return;
  mosquitto_disconnect(client_);
  mosquitto_loop_stop(client_, true);
  mosquitto_destroy(client_);
}

Status MqttPublisher::UpdateIdentity(const spiffe::X509Svid& svid,
                                     const spiffe::X509Bundle& bundle) {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (bundle.trust_domain().name() != server_.trust_domain) {
    return InvalidArgument("the new bundle is of trust domain " + bundle.trust_domain().name() +
                           ", not " + server_.trust_domain);
  }
  if (bundle.empty()) return InvalidArgument("the trust bundle has no authorities");
  // libmosquitto must not be touching the connection or the context while they are replaced:
  // end both the connection and its network thread first. Unacknowledged messages stay in the
  // client and are sent again.
  mosquitto_disconnect(client_);
  mosquitto_loop_stop(client_, false);
  auto status = LoadSpiffeIdentity(ctx_.get(), svid, bundle);
  log_->info("mqtt: reconnecting to {}:{} as {}", options_.host, options_.port, svid.id.str());
  int rc = mosquitto_reconnect_async(client_);
  if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_ERRNO) {
    log_->warn("mqtt: reconnect: {}", mosquitto_strerror(rc));
  }
  rc = mosquitto_loop_start(client_);
  if (rc != MOSQ_ERR_SUCCESS) {
    return Internal(std::string("MQTT network thread: ") + mosquitto_strerror(rc));
  }
  return status;
}

Status MqttPublisher::Publish(const std::string& topic, const std::string& payload) {
  {
    std::lock_guard lock(mu_);
    if (stats_.pending >= options_.max_pending) {
      ++stats_.dropped;
      return ResourceExhausted("MQTT queue full: " + std::to_string(stats_.pending) +
                               " messages not yet acknowledged");
    }
    ++stats_.pending;
  }
  int rc = mosquitto_publish_v5(client_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                                payload.data(), 1, false, nullptr);
  // Not connected: libmosquitto keeps the message and sends it once connected.
  if (rc == MOSQ_ERR_SUCCESS || rc == MOSQ_ERR_NO_CONN) return OkStatus();
  std::lock_guard lock(mu_);
  --stats_.pending;
  return InvalidArgument("MQTT publish to " + topic + ": " + mosquitto_strerror(rc));
}

void MqttPublisher::OnConnect(int reason_code) {
  std::lock_guard lock(mu_);
  if (reason_code != 0) {
    log_->warn("mqtt: broker {}:{} refused the connection: {}", options_.host, options_.port,
               mosquitto_reason_string(reason_code));
    return;
  }
  stats_.connected = true;
  ++stats_.connects;
  log_->info("mqtt: connected to {}:{} ({} messages pending)", options_.host, options_.port,
             stats_.pending);
}

void MqttPublisher::OnDisconnect(int reason_code) {
  std::lock_guard lock(mu_);
  if (stats_.connected) {
    log_->warn("mqtt: disconnected from {}:{}: {}", options_.host, options_.port,
               mosquitto_strerror(reason_code));
  }
  stats_.connected = false;
}

void MqttPublisher::OnPublish(int reason_code) {
  std::lock_guard lock(mu_);
  if (stats_.pending > 0) --stats_.pending;
  if (reason_code >= MQTT_RC_UNSPECIFIED) {
    ++stats_.refused_by_broker;
    log_->warn("mqtt: the broker refused a message: {}", mosquitto_reason_string(reason_code));
  } else {
    ++stats_.acknowledged;
  }
  acked_cv_.notify_all();
}

bool MqttPublisher::WaitUntilAcknowledged(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return acked_cv_.wait_for(lock, timeout, [&] { return stats_.pending == 0; });
}

MqttPublisherStats MqttPublisher::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace edgeid::mqtt
