// EdgeCore registers and updates devices and models over DMI (protobuf), from Device objects
// anyone allowed to create them in the cluster writes. Input: one byte choosing Device (odd) or
// DeviceModel (even), then the serialized message. The conversions must refuse or accept
// without crashing; an accepted Device must hold what the mapper relies on, and survive the way
// back (DeviceToDmi, as GetDevice answers) unchanged.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "mapper/crd/device_crd.h"
#include "mapper/dmi/dmi_convert.h"

using edgeid::fuzz::Require;
namespace mapper = edgeid::mapper;

namespace {

bool SameProperty(const mapper::DeviceProperty& a, const mapper::DeviceProperty& b) {
  return a.name == b.name && a.desired == b.desired && a.visitor_protocol == b.visitor_protocol &&
         a.characteristic_uuid == b.characteristic_uuid &&
         a.collect_cycle_ms == b.collect_cycle_ms && a.report_cycle_ms == b.report_cycle_ms &&
         a.report_to_cloud == b.report_to_cloud;
}

bool SameDevice(const mapper::Device& a, const mapper::Device& b) {
  if (a.name != b.name || a.namespace_ != b.namespace_ || a.model_name != b.model_name ||
      a.protocol != b.protocol || a.protocol_config != b.protocol_config ||
      a.properties.size() != b.properties.size()) {
    return false;
  }
  for (size_t i = 0; i < a.properties.size(); ++i) {
    if (!SameProperty(a.properties[i], b.properties[i])) return false;
  }
  return true;
}

void CheckDevice(const std::string& bytes) {
  v1beta1::Device in;
  if (!in.ParseFromString(bytes)) return;
  auto device = mapper::DeviceFromDmi(in);
  if (!device.ok()) return;
  Require(!device->name.empty() && !device->namespace_.empty(),
          "a device has a name and namespace");
  Require(!device->model_name.empty(), "a device names its model");
  Require(!device->protocol.empty(), "a device names its protocol");
  Require(!device->socket_path().empty(), "a device has a link (socketPath)");
  for (const auto& p : device->properties) {
    Require(!p.name.empty() && !p.visitor_protocol.empty(), "a property has a name and protocol");
    Require(p.collect_cycle_ms > 0 && p.report_cycle_ms > 0, "cycles are positive");
  }
  // GetDevice's answer, as EdgeCore receives it, converts back to the same device.
  std::string wire = mapper::DeviceToDmi(*device, {}).SerializeAsString();
  v1beta1::Device back_in;
  Require(back_in.ParseFromString(wire), "DeviceToDmi serializes to a parsable Device");
  auto back = mapper::DeviceFromDmi(back_in);
  Require(back.ok(), "DeviceToDmi of an accepted device is accepted");
  Require(SameDevice(*device, *back), "a device survives DeviceToDmi and DeviceFromDmi");
}

void CheckModel(const std::string& bytes) {
  v1beta1::DeviceModel in;
  if (!in.ParseFromString(bytes)) return;
  auto model = mapper::ModelFromDmi(in);
  if (!model.ok()) return;
  Require(!model->name.empty() && !model->namespace_.empty(), "a model has a name and namespace");
  for (const auto& p : model->properties) {
    Require(!p.name.empty(), "a model property has a name");
    Require(mapper::CheckModelProperty(p, "fuzz").ok(), "a model property passes its check");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string bytes(edgeid::fuzz::AsText(data + 1, size - 1));
  if (data[0] & 1) {
    CheckDevice(bytes);
  } else {
    CheckModel(bytes);
  }
  return 0;
}
