// KubeEdge's Device and DeviceModel (devices.kubeedge.io/v1beta1), the fields a BLE mapper
// reads: the device's protocol and its configData, and per property the visitor that says which
// characteristic holds it, its cycles and its desired value. Read from the YAML an operator
// applies with kubectl (one or more documents per file).
//
// edgeid's BLE protocol configData: socketPath (the device's link), macAddress (informational),
// spiffeId (the SVID the device must pair with) and deviceId (the serial number its secure
// element's certificate must carry). A visitor's configData: characteristicUUID ("2a6e").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace edgeid::mapper {

inline constexpr const char* kDevicesApiVersion = "devices.kubeedge.io/v1beta1";

struct ModelProperty {
  std::string name;
  std::string description;
  std::string type;         // INT, FLOAT, DOUBLE, STRING, BOOLEAN, BYTES
  std::string access_mode;  // ReadWrite or ReadOnly
  std::string unit;
  std::string minimum, maximum;
};

struct DeviceModel {
  std::string name, namespace_;
  std::string protocol;
  std::vector<ModelProperty> properties;

  const ModelProperty* Property(const std::string& property) const;
};

struct DeviceProperty {
  std::string name;
  std::optional<std::string> desired;  // desired.value
  std::string visitor_protocol;
  uint16_t characteristic_uuid = 0;
  int64_t collect_cycle_ms = 1000;
  int64_t report_cycle_ms = 1000;
  bool report_to_cloud = false;
};

struct Device {
  std::string name, namespace_;
  std::string model_name;
  std::string node_name;
  std::string protocol;
  std::map<std::string, std::string> protocol_config;  // configData, scalar values as text
  std::vector<DeviceProperty> properties;

  std::string socket_path() const;
  std::optional<std::string> expected_spiffe_id() const;
  std::optional<std::string> expected_device_id() const;
  // "namespace/name", as KubeEdge's topics and logs name a device.
  std::string key() const { return namespace_ + "/" + name; }
};

// Everything a set of files describes, checked together: every device's model exists, its
// properties are the model's, desired values only on ReadWrite properties, one protocol.
struct DeviceCatalog {
  std::vector<DeviceModel> models;
  std::vector<Device> devices;

  const DeviceModel* Model(const std::string& namespace_, const std::string& name) const;
};

// Parses the YAML documents of one file; `source` names it in errors. Kinds other than Device and
// DeviceModel, other API versions and unknown or mistyped fields the mapper relies on are
// errors naming the document and field.
Result<DeviceCatalog> ParseDeviceYaml(const std::string& text, const std::string& source);
// Reads and merges files, then validates the whole for `protocol` ("ble").
Result<DeviceCatalog> LoadDeviceCatalog(const std::vector<std::string>& paths,
                                        const std::string& protocol);
Status ValidateCatalog(const DeviceCatalog& catalog, const std::string& protocol);

// "2a6e" or "0x2A6E": a 16-bit Bluetooth characteristic UUID.
Result<uint16_t> ParseCharacteristicUuid(const std::string& text);
// A model property's type and access mode; `at` names the property in the error
// ("spec.properties[2]" -> "spec.properties[2].type: must be one of ...").
Status CheckModelProperty(const ModelProperty& property, const std::string& at);

}  // namespace edgeid::mapper
