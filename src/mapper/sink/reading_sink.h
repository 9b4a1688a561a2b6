// Where the mapper's readings go. Every reading is shaped as KubeEdge's time-series data on
// `$ke/events/device/<namespace>/<name>/data/update`, so that a sink speaking MQTT publishes it
// as it is.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/result.h"

namespace edgeid::mapper {

struct Reading {
  std::string device_namespace, device_name;
  std::string property;
  std::string value;  // as text, as KubeEdge's twins carry values
  std::string type;   // the model's type in lower case: "float", "boolean", ...
  std::chrono::system_clock::time_point sampled_at;
};

// `$ke/events/device/<namespace>/<name>/data/update`
std::string DataTopic(const Reading& reading);
// {"event_id":..., "timestamp":<ms>, "data":{"<property>":{"value":..., "metadata":
// {"timestamp":<ms>, "type":...}}}}
std::string DataPayload(const Reading& reading, const std::string& event_id);

class ReadingSink {
 public:
  virtual ~ReadingSink() = default;
  // Called from device threads; must be thread-safe. An error is counted and logged by the caller.
  virtual Status Publish(const Reading& reading) = 0;
};

}  // namespace edgeid::mapper
