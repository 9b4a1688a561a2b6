// KubeEdge's MQTT topics and payloads for device data and twins (EdgeCore's DeviceTwin and
// mapper-framework use the same shapes): time-series data on
// `$ke/events/device/<namespace>/<name>/data/update`, reported twins on
// `$hw/events/device/<namespace>/<name>/twin/update`, and desired values arriving on
// `.../twin/update/delta`. Every payload carries event_id and a timestamp in milliseconds.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "mapper/sink/reading_sink.h"

namespace edgeid::mapper {

// `$ke/events/device/<namespace>/<name>/data/update`
std::string DataTopic(const Reading& reading);
// {"event_id":..., "timestamp":<ms>, "data":{"<property>":{"value":..., "metadata":
// {"timestamp":<ms>, "type":...}}}}
std::string DataPayload(const Reading& reading, const std::string& event_id);

// `$hw/events/device/<namespace>/<name>/twin/update`
std::string TwinUpdateTopic(const Reading& reading);
// {"event_id":..., "timestamp":<ms>, "twin":{"<property>":{"actual":{"value":..., "metadata":
// {"timestamp":<ms>}}, "metadata":{"type":...}}}}
std::string TwinUpdatePayload(const Reading& reading, const std::string& event_id);

// The filter a mapper subscribes to for the desired values of the devices of `namespace_`.
std::string TwinDeltaFilter(const std::string& namespace_);

struct TwinDelta {
  std::string device_namespace, device_name;
  std::map<std::string, std::string> desired;  // property -> value, from "delta"
};
// Reads a delta message; an error names what is wrong (topic shape, JSON, a value that is not
// text). Payloads over 64 KiB are refused unread.
Result<TwinDelta> ParseTwinDelta(std::string_view topic, std::string_view payload);

}  // namespace edgeid::mapper
