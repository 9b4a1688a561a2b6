#include "mapper/sink/reading_sink.h"

#include <nlohmann/json.hpp>

namespace edgeid::mapper {
namespace {

int64_t UnixMillis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string DataTopic(const Reading& reading) {
  return "$ke/events/device/" + reading.device_namespace + "/" + reading.device_name +
         "/data/update";
}

std::string DataPayload(const Reading& reading, const std::string& event_id) {
  int64_t ms = UnixMillis(reading.sampled_at);
  nlohmann::json payload = {
      {"event_id", event_id},
      {"timestamp", ms},
      {"data",
       {{reading.property,
         {{"value", reading.value}, {"metadata", {{"timestamp", ms}, {"type", reading.type}}}}}}},
  };
  return payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace edgeid::mapper
