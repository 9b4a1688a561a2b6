// Twin deltas reach the mapper from the MQTT broker: the cloud (or any client the ACL lets
// publish on $hw/events/device/...) chooses topic and payload. Input: "topic\npayload". What is
// accepted must name one device in one namespace exactly as the topic does, and carry at least
// one desired value, within the size limit.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "mapper/sink/kubeedge_messages.h"

using edgeid::fuzz::Require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input = edgeid::fuzz::AsText(data, size);
  size_t newline = input.find('\n');
  std::string_view topic = input.substr(0, newline);
  std::string_view payload =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  auto delta = edgeid::mapper::ParseTwinDelta(topic, payload);
  if (!delta.ok()) {
    Require(!delta.error().message.empty(), "a refused delta says why");
    return 0;
  }
  Require(payload.size() <= 64 * 1024, "an accepted delta is at most 64 KiB");
  const std::string& ns = delta->device_namespace;
  const std::string& name = delta->device_name;
  Require(!ns.empty() && !name.empty(), "an accepted delta names a namespace and a device");
  Require(ns.find('/') == std::string::npos && name.find('/') == std::string::npos,
          "namespace and device name hold no '/'");
  Require(topic == "$hw/events/device/" + ns + "/" + name + "/twin/update/delta",
          "the topic is the one of the device the delta names");
  // The filter the mapper subscribes with, its '+' standing for the device, is the same topic.
  std::string filter = edgeid::mapper::TwinDeltaFilter(ns);
  size_t plus = filter.find("/+/");
  Require(plus != std::string::npos, "the delta filter has a single-level wildcard");
  Require(filter.substr(0, plus + 1) + name + filter.substr(plus + 2) == topic,
          "the namespace's delta filter matches the topic");
  Require(!delta->desired.empty(), "an accepted delta carries a desired value");
  for (const auto& [property, value] : delta->desired) {
    Require(payload.find(property) != std::string_view::npos || property.empty() ||
                payload.find('\\') != std::string_view::npos,
            "a desired property is named in the payload");
  }
  return 0;
}
