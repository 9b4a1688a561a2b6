// Device and DeviceModel files (KubeEdge devices.kubeedge.io/v1beta1 YAML) come from operators,
// and through DMI from whoever can create Devices in the cluster. Any text must give a catalog
// or an error (yaml-cpp throws, and must not escape), and what is accepted must hold what the
// mapper relies on without checking again: names, a device's link and its model's reference,
// cycles that are not negative, and model properties of known types and access modes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "mapper/crd/device_crd.h"

using edgeid::fuzz::Require;
namespace mapper = edgeid::mapper;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // LoadDeviceCatalog reads at most 1 MiB; more only slows the run down.
  if (size > 64 * 1024) return 0;
  std::string text(edgeid::fuzz::AsText(data, size));
  auto catalog = mapper::ParseDeviceYaml(text, "fuzz.yaml");
  if (!catalog.ok()) {
    Require(catalog.error().message.starts_with("fuzz.yaml"), "a parse error names the file");
    return 0;
  }
  for (const auto& model : catalog->models) {
    Require(!model.name.empty() && !model.namespace_.empty(), "a model has a name and namespace");
    for (const auto& p : model.properties) {
      Require(!p.name.empty(), "a model property has a name");
      Require(mapper::CheckModelProperty(p, "fuzz").ok(), "a model property passes its check");
    }
  }
  for (const auto& device : catalog->devices) {
    Require(!device.name.empty() && !device.namespace_.empty(),
            "a device has a name and namespace");
    Require(!device.model_name.empty(), "a device names its model");
    Require(!device.protocol.empty(), "a device names its protocol");
    Require(!device.socket_path().empty(), "a device has a link (socketPath)");
    for (const auto& p : device.properties) {
      Require(!p.name.empty(), "a device property has a name");
      Require(!p.visitor_protocol.empty(), "a device property names its visitor protocol");
      Require(p.collect_cycle_ms >= 0 && p.report_cycle_ms >= 0, "cycles are not negative");
    }
  }
  // The catalog checks must decide on anything the parser accepted, and what they accept must
  // resolve every device's model.
  if (mapper::ValidateCatalog(*catalog, "ble").ok()) {
    for (const auto& device : catalog->devices) {
      const auto* model = catalog->Model(device.namespace_, device.model_name);
      Require(model != nullptr, "a validated device's model is in the catalog");
      for (const auto& p : device.properties) {
        Require(model->Property(p.name) != nullptr, "a validated property is in its model");
      }
      Require(device.expected_spiffe_id().has_value(), "a validated device has a SPIFFE ID");
    }
  }
  return 0;
}
