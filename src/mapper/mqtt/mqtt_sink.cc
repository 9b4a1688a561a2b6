#include "mapper/mqtt/mqtt_sink.h"

#include "crypto/random.h"

namespace edgeid::mapper {
namespace {

// How long the identity follower waits per round, and so how long Stop may take.
constexpr std::chrono::milliseconds kIdentityPoll{500};
// After a client that could not start (an unusable queue directory), the next try.
constexpr std::chrono::seconds kStartRetry{5};

}  // namespace

MqttSink::MqttSink(MqttSinkOptions options, const SvidSource& identity, DeltaHandler on_delta,
                   std::shared_ptr<spdlog::logger> log, Metrics& metrics)
    : options_(std::move(options)),
      identity_(identity),
      on_delta_(std::move(on_delta)),
      log_(std::move(log)),
      metrics_(metrics) {}

std::unique_ptr<MqttSink> MqttSink::Start(MqttSinkOptions options, const SvidSource& identity,
                                          DeltaHandler on_delta,
                                          std::shared_ptr<spdlog::logger> log, Metrics& metrics) {
  std::unique_ptr<MqttSink> sink(
      new MqttSink(std::move(options), identity, std::move(on_delta), std::move(log), metrics));
  metrics.DescribeCounter(
      "edgeid_mapper_twin_deltas_total",
      "Desired values from twin deltas, by outcome (applied, refused, unknown_device, malformed)");
  auto* s = sink.get();
  auto stat = [s](auto field) {
    return [s, field]() -> double {
      auto stats = s->Stats();
      return stats ? static_cast<double>((*stats).*field) : 0.0;
    };
  };
  metrics.AddGauge("edgeid_mapper_mqtt_connected", "1 while connected to the MQTT broker",
                   stat(&mqtt::MqttClientStats::connected));
  metrics.AddGauge("edgeid_mapper_mqtt_pending", "MQTT messages not yet acknowledged",
                   stat(&mqtt::MqttClientStats::pending));
  metrics.AddGauge("edgeid_mapper_mqtt_acknowledged", "MQTT messages the broker acknowledged",
                   stat(&mqtt::MqttClientStats::acknowledged));
  metrics.AddGauge("edgeid_mapper_mqtt_refused", "MQTT messages the broker refused (ACL)",
                   stat(&mqtt::MqttClientStats::refused_by_broker));
  metrics.AddGauge("edgeid_mapper_mqtt_dropped", "MQTT messages dropped: the queue was full",
                   stat(&mqtt::MqttClientStats::dropped));
  metrics.AddGauge("edgeid_mapper_mqtt_connects", "MQTT connections made",
                   stat(&mqtt::MqttClientStats::connects));
  sink->thread_ = std::thread([s] { s->Run(); });
  return sink;
}

MqttSink::~MqttSink() {
  Stop();
}

void MqttSink::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  std::shared_ptr<mqtt::MqttClient> last;
  {
    std::lock_guard lock(mu_);
    last = std::move(client_);
  }
  if (last && !last->WaitUntilAcknowledged(std::chrono::seconds(2))) {
    log_->warn("mqtt: stopping with {} message(s) not acknowledged{}", last->Stats().pending,
               options_.client.queue_dir.empty() ? " (lost: the queue is in memory)"
                                                 : " (kept in " + options_.client.queue_dir + ")");
  }
}

std::shared_ptr<mqtt::MqttClient> MqttSink::client() const {
  std::lock_guard lock(mu_);
  return client_;
}

std::optional<mqtt::MqttClientStats> MqttSink::Stats() const {
  auto c = client();
  if (!c) return std::nullopt;
  return c->Stats();
}

mqtt::MqttSubscription MqttSink::DeltaSubscription(const std::string& namespace_) {
  return {
      TwinDeltaFilter(namespace_),
      [this](const std::string& topic, const std::string& payload) { OnDelta(topic, payload); }};
}

void MqttSink::WatchNamespace(const std::string& namespace_) {
  std::shared_ptr<mqtt::MqttClient> c;
  {
    std::lock_guard lock(mu_);
    if (!namespaces_.insert(namespace_).second) return;
    c = client_;
  }
  // Without a client yet, Run subscribes to every namespace when it makes one.
  if (c) c->Subscribe(DeltaSubscription(namespace_));
}

void MqttSink::Run() {
  uint64_t generation = 0;
  auto next_start = std::chrono::steady_clock::time_point{};
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    auto id = identity_.WaitForNewer(generation, kIdentityPoll);
    if (!id) continue;
    auto c = client();
    if (c) {
      auto updated = c->UpdateIdentity(id->svid, id->bundle);
      if (!updated.ok()) log_->error("mqtt: the new SVID: {}", updated.error().message);
      generation = id->generation;
      continue;
    }
    if (std::chrono::steady_clock::now() < next_start) continue;
    auto options = options_.client;
    std::set<std::string> subscribed;
    {
      std::lock_guard lock(mu_);
      subscribed = namespaces_;
    }
    for (const auto& ns : subscribed) options.subscriptions.push_back(DeltaSubscription(ns));
    log_->info("mqtt: connecting to {}:{} as {}", options.host, options.port, id->svid.id.str());
    auto started = mqtt::MqttClient::Start(std::move(options), id->svid, id->bundle, log_);
    if (!started.ok()) {
      log_->error("mqtt: {}; trying again in {} s", started.error().message, kStartRetry.count());
      next_start = std::chrono::steady_clock::now() + kStartRetry;
      continue;
    }
    std::lock_guard lock(mu_);
    client_ = std::move(*started);
    // Namespaces watched while the client was starting.
    for (const auto& ns : namespaces_) {
      if (subscribed.count(ns) == 0) client_->Subscribe(DeltaSubscription(ns));
    }
    generation = id->generation;
  }
}

Status MqttSink::Publish(const Reading& reading) {
  auto c = client();
  if (!c) return Unavailable("MQTT: not connected: the mapper has no SVID yet");
  auto event_id = EDGEID_TRY(crypto::RandomUuid());
  EDGEID_RETURN_IF_ERROR(c->Publish(DataTopic(reading), DataPayload(reading, event_id)));
  if (options_.twin_updates && reading.report_to_cloud) {
    auto twin_event = EDGEID_TRY(crypto::RandomUuid());
    EDGEID_RETURN_IF_ERROR(
        c->Publish(TwinUpdateTopic(reading), TwinUpdatePayload(reading, twin_event)));
  }
  return OkStatus();
}

void MqttSink::OnDelta(const std::string& topic, const std::string& payload) {
  auto delta = ParseTwinDelta(topic, payload);
  if (!delta.ok()) {
    metrics_.Increment("edgeid_mapper_twin_deltas_total", {{"outcome", "malformed"}});
    log_->warn("mqtt: ignoring a twin delta on {}: {}", topic, delta.error().message);
    return;
  }
  on_delta_(*delta);
}

}  // namespace edgeid::mapper
