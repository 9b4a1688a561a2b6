// Where the mapper's readings go: a file of JSON lines, an MQTT broker, or both. KubeEdge's
// topics and payloads for a reading are in kubeedge_messages.h.
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
  bool report_to_cloud = false;  // the Device's reportToCloud: the twin is reported too
};

class ReadingSink {
 public:
  virtual ~ReadingSink() = default;
  // Called from device threads; must be thread-safe. An error is counted and logged by the caller.
  virtual Status Publish(const Reading& reading) = 0;
};

}  // namespace edgeid::mapper
