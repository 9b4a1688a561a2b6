#include "mapper/sink/kubeedge_messages.h"

#include <nlohmann/json.hpp>

namespace edgeid::mapper {
namespace {

constexpr size_t kMaxDeltaBytes = 64 << 10;
constexpr std::string_view kTwinPrefix = "$hw/events/device/";
constexpr std::string_view kDeltaSuffix = "/twin/update/delta";

int64_t UnixMillis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string Dump(const nlohmann::json& payload) {
  return payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string DevicePath(const Reading& reading) {
  return reading.device_namespace + "/" + reading.device_name;
}

}  // namespace

std::string DataTopic(const Reading& reading) {
  return "$ke/events/device/" + DevicePath(reading) + "/data/update";
}

std::string DataPayload(const Reading& reading, const std::string& event_id) {
  int64_t ms = UnixMillis(reading.sampled_at);
  return Dump({
      {"event_id", event_id},
      {"timestamp", ms},
      {"data",
       {{reading.property,
         {{"value", reading.value}, {"metadata", {{"timestamp", ms}, {"type", reading.type}}}}}}},
  });
}

std::string TwinUpdateTopic(const Reading& reading) {
  return std::string(kTwinPrefix) + DevicePath(reading) + "/twin/update";
}

std::string TwinUpdatePayload(const Reading& reading, const std::string& event_id) {
  int64_t ms = UnixMillis(reading.sampled_at);
  return Dump({
      {"event_id", event_id},
      {"timestamp", ms},
      {"twin",
       {{reading.property,
         {{"actual", {{"value", reading.value}, {"metadata", {{"timestamp", ms}}}}},
          {"metadata", {{"type", reading.type}}}}}}},
  });
}

std::string TwinDeltaFilter(const std::string& namespace_) {
  return std::string(kTwinPrefix) + namespace_ + "/+" + std::string(kDeltaSuffix);
}

Result<TwinDelta> ParseTwinDelta(std::string_view topic, std::string_view payload) {
  if (topic.substr(0, kTwinPrefix.size()) != kTwinPrefix || topic.size() <= kDeltaSuffix.size() ||
      topic.substr(topic.size() - kDeltaSuffix.size()) != kDeltaSuffix) {
    return InvalidArgument("twin delta topic \"" + std::string(topic) +
                           "\" is not $hw/events/device/<namespace>/<name>/twin/update/delta");
  }
  std::string_view device =
      topic.substr(kTwinPrefix.size(), topic.size() - kTwinPrefix.size() - kDeltaSuffix.size());
  auto slash = device.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == device.size() ||
      device.find('/', slash + 1) != std::string_view::npos) {
    return InvalidArgument("twin delta topic \"" + std::string(topic) +
                           "\" does not name <namespace>/<name>");
  }
  TwinDelta delta{std::string(device.substr(0, slash)), std::string(device.substr(slash + 1)), {}};
  if (payload.size() > kMaxDeltaBytes) {
    return InvalidArgument("twin delta of " + std::to_string(payload.size()) +
                           " bytes is over the 64 KiB limit");
  }
  auto json = nlohmann::json::parse(payload, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return InvalidArgument("twin delta is not a JSON object");
  }
  auto it = json.find("delta");
  if (it == json.end() || !it->is_object()) {
    return InvalidArgument("twin delta has no \"delta\" object");
  }
  for (const auto& [property, value] : it->items()) {
    if (!value.is_string()) {
      return InvalidArgument("twin delta: \"delta." + property + "\" must be a string");
    }
    delta.desired[property] = value.get<std::string>();
  }
  if (delta.desired.empty()) return InvalidArgument("twin delta: \"delta\" is empty");
  return delta;
}

}  // namespace edgeid::mapper
