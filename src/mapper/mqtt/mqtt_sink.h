// The mapper's readings to an MQTT broker, over mutual TLS with the mapper's own X.509-SVID and
// KubeEdge's topics: every reading as time-series data, and as a reported twin when the Device
// reports the property to the cloud. Desired values arriving on the twin deltas of the served
// namespaces are handed to the mapper. The client starts once the mapper is attested (there is
// no certificate to connect with before) and reconnects with every new SVID.
#pragma once

#include <spdlog/logger.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "common/metrics.h"
#include "mapper/identity/svid_source.h"
#include "mapper/sink/kubeedge_messages.h"
#include "mapper/sink/reading_sink.h"
#include "mqtt/client/mqtt_client.h"

namespace edgeid::mapper {

struct MqttSinkOptions {
  mqtt::MqttClientOptions client;
  bool twin_updates = true;  // also publish twin/update for reportToCloud properties
};

// Called on the MQTT network thread with each well-formed delta; must not block.
using DeltaHandler = std::function<void(const TwinDelta& delta)>;

class MqttSink final : public ReadingSink {
 public:
  static std::unique_ptr<MqttSink> Start(MqttSinkOptions options, const SvidSource& identity,
                                         DeltaHandler on_delta, std::shared_ptr<spdlog::logger> log,
                                         Metrics& metrics);
  ~MqttSink() override;
  MqttSink(const MqttSink&) = delete;
  MqttSink& operator=(const MqttSink&) = delete;

  Status Publish(const Reading& reading) override;
  // Subscribes to the desired values of the devices of `namespace_` (once per namespace).
  void WatchNamespace(const std::string& namespace_);
  void Stop();
  std::optional<mqtt::MqttClientStats> Stats() const;

 private:
  MqttSink(MqttSinkOptions options, const SvidSource& identity, DeltaHandler on_delta,
           std::shared_ptr<spdlog::logger> log, Metrics& metrics);
  void Run();
  void OnDelta(const std::string& topic, const std::string& payload);
  mqtt::MqttSubscription DeltaSubscription(const std::string& namespace_);
  std::shared_ptr<mqtt::MqttClient> client() const;

  const MqttSinkOptions options_;
  const SvidSource& identity_;
  const DeltaHandler on_delta_;
  std::shared_ptr<spdlog::logger> log_;
  Metrics& metrics_;

  mutable std::mutex mu_;
  std::set<std::string> namespaces_;
  std::shared_ptr<mqtt::MqttClient> client_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace edgeid::mapper
