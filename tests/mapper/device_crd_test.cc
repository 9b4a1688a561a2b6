// KubeEdge Device and DeviceModel YAML as an operator writes it: what the mapper reads from it,
// and a clear error naming the document and field for each mistake.
#include "mapper/crd/device_crd.h"

#include <gtest/gtest.h>

namespace edgeid::mapper {
namespace {

constexpr const char* kModel = R"(apiVersion: devices.kubeedge.io/v1beta1
kind: DeviceModel
metadata:
  name: stwin-model
  namespace: factory
spec:
  protocol: ble
  properties:
    - name: temperature
      type: FLOAT
      accessMode: ReadOnly
      unit: celsius
      minimum: "-40"
      maximum: "85"
    - name: led
      type: BOOLEAN
      accessMode: ReadWrite
)";

constexpr const char* kDevice = R"(apiVersion: devices.kubeedge.io/v1beta1
kind: Device
metadata:
  name: thermo-1
  namespace: factory
spec:
  deviceModelRef:
    name: stwin-model
  nodeName: edge-1
  protocol:
    protocolName: ble
    configData:
      macAddress: "C0:FF:EE:00:00:01"
      socketPath: /run/devices/thermo-1.sock
      spiffeId: spiffe://example.org/device/thermo-1
      deviceId: 02A1B2C3D4E5F600112233
  properties:
    - name: temperature
      visitors:
        protocolName: ble
        configData:
          characteristicUUID: "2a6e"
      collectCycle: 500
      reportCycle: 5000
      reportToCloud: true
    - name: led
      desired:
        value: "true"
      visitors:
        protocolName: ble
        configData:
          characteristicUUID: "0x2A56"
)";

Result<DeviceCatalog> Parse(const std::string& text) {
  auto catalog = ParseDeviceYaml(text, "devices.yaml");
  if (!catalog.ok()) return catalog;
  EDGEID_RETURN_IF_ERROR(ValidateCatalog(*catalog, "ble"));
  return catalog;
}

std::string Both() {
  return std::string(kModel) + "---\n" + kDevice;
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

void ExpectRefused(const std::string& text, const std::string& says) {
  auto catalog = Parse(text);
  ASSERT_FALSE(catalog.ok()) << "accepted:\n" << text;
  EXPECT_NE(catalog.error().message.find(says), std::string::npos) << catalog.error().message;
}

TEST(DeviceCrdTest, ReadsTheFieldsTheMapperUses) {
  auto catalog = Parse(Both());
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  ASSERT_EQ(catalog->models.size(), 1u);
  ASSERT_EQ(catalog->devices.size(), 1u);
  const Device& d = catalog->devices[0];
  EXPECT_EQ(d.key(), "factory/thermo-1");
  EXPECT_EQ(d.socket_path(), "/run/devices/thermo-1.sock");
  EXPECT_EQ(d.expected_spiffe_id(), "spiffe://example.org/device/thermo-1");
  EXPECT_EQ(d.expected_device_id(), "02A1B2C3D4E5F600112233");
  ASSERT_EQ(d.properties.size(), 2u);
  EXPECT_EQ(d.properties[0].characteristic_uuid, 0x2A6E);
  EXPECT_EQ(d.properties[0].collect_cycle_ms, 500);
  EXPECT_EQ(d.properties[0].report_cycle_ms, 5000);
  EXPECT_TRUE(d.properties[0].report_to_cloud);
  EXPECT_FALSE(d.properties[0].desired);
  EXPECT_EQ(d.properties[1].characteristic_uuid, 0x2A56);
  EXPECT_EQ(d.properties[1].desired, "true");
  const DeviceModel* model = catalog->Model("factory", "stwin-model");
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->Property("temperature")->unit, "celsius");
  EXPECT_EQ(model->Property("led")->access_mode, "ReadWrite");
}

TEST(DeviceCrdTest, NamespaceDefaultsAsInKubernetes) {
  std::string text =
      Replace(Replace(Both(), "  namespace: factory\n", ""), "  namespace: factory\n", "");
  auto catalog = Parse(text);
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  EXPECT_EQ(catalog->devices[0].key(), "default/thermo-1");
}

TEST(DeviceCrdTest, MistakesAreNamed) {
  ExpectRefused("kind: [unclosed", "not valid YAML");
  ExpectRefused(Replace(Both(), "kind: Device\n", "kind: Pod\n"), "\"Pod\" is neither");
  ExpectRefused(Replace(Both(), "devices.kubeedge.io/v1beta1\nkind: Device\n",
                        "devices.kubeedge.io/v1alpha2\nkind: Device\n"),
                "v1alpha2");
  ExpectRefused(Replace(Both(), "      socketPath: /run/devices/thermo-1.sock\n", ""),
                "socketPath: is required");
  ExpectRefused(Replace(Both(), "\"2a6e\"", "\"temperature\""), "not a 16-bit UUID");
  ExpectRefused(Replace(Both(), "collectCycle: 500", "collectCycle: soon"), "collectCycle");
  ExpectRefused(Replace(Both(), "reportToCloud: true", "reportToCloud: yes please"),
                "reportToCloud");
  ExpectRefused(
      Replace(Both(), "    name: stwin-model\n  nodeName", "    name: other-model\n  nodeName"),
      "DeviceModel factory/other-model is not defined");
  ExpectRefused(
      Replace(Both(), "    - name: led\n      desired", "    - name: buzzer\n      desired"),
      "property buzzer is not in DeviceModel");
  ExpectRefused(Replace(Both(), "      type: BOOLEAN\n      accessMode: ReadWrite",
                        "      type: BOOLEAN\n      accessMode: ReadOnly"),
                "desired value but is ReadOnly");
  ExpectRefused(Replace(Both(), "    protocolName: ble\n    configData",
                        "    protocolName: modbus\n    configData"),
                "is not this mapper's");
  ExpectRefused(Replace(Both(), "type: FLOAT", "type: DECIMAL"), "must be one of");
  ExpectRefused(Both() + "---\n" + kDevice, "defined twice");
  ExpectRefused(Replace(Both(), "  deviceModelRef:\n    name: stwin-model\n", ""),
                "deviceModelRef.name: is required");
  ExpectRefused(Replace(Both(), "      spiffeId: spiffe://example.org/device/thermo-1\n", ""),
                "spiffeId is required");
  ExpectRefused(Replace(Both(), "spiffe://example.org/device/thermo-1", "thermo 1"),
                "configData.spiffeId");
}

TEST(DeviceCrdTest, MissingSectionsAreNamed) {
  ExpectRefused("apiVersion: devices.kubeedge.io/v1beta1\nkind: DeviceModel\nmetadata: {name: m}\n",
                "spec: is required");
  ExpectRefused(std::string(kModel) +
                    "---\napiVersion: devices.kubeedge.io/v1beta1\nkind: Device\n"
                    "metadata: {name: d}\nspec: {deviceModelRef: {name: stwin-model}}\n",
                "spec.protocol: is required");
  ExpectRefused("apiVersion: devices.kubeedge.io/v1beta1\nkind: Device\nspec: {}\n",
                "metadata.name: is required");
  ExpectRefused("- a\n- b\n", "must be a mapping");
}

TEST(DeviceCrdTest, AMappingWhereAValueBelongsIsAnErrorNotACrash) {
  ExpectRefused(Replace(Both(), "  nodeName: edge-1", "  nodeName: {a: b}"),
                "spec.nodeName: must be a single value");
  ExpectRefused(
      Replace(Both(), "      macAddress: \"C0:FF:EE:00:00:01\"", "      macAddress: [1, 2]"),
      "configData.macAddress: must be a single value");
  ExpectRefused(Replace(Both(), "  properties:\n    - name: temperature\n      visitors",
                        "  properties: 3\n  x:\n    - name: temperature\n      visitors"),
                "spec.properties: must be a list");
}

// yaml-cpp 0.7 loops forever (and grows without bound) on a ',' after a complete top-level
// value; found by device_yaml_fuzz. The parse must end with an error naming the place.
TEST(DeviceCrdTest, AStrayCommaAfterAValueIsAnErrorNotAHang) {
  for (const std::string text : {",NULL", "  ,", "\"a\",", "[a],", "apiVersion: v\n---\n[a],"}) {
    auto parsed = ParseDeviceYaml(text, "devices.yaml");
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_NE(parsed.error().message.find("devices.yaml: not valid YAML: line "), std::string::npos)
        << parsed.error().message;
  }
  auto later = ParseDeviceYaml("apiVersion: v\n---\n[a],", "devices.yaml");
  EXPECT_NE(later.error().message.find("line 3, column 4"), std::string::npos)
      << later.error().message;
}

}  // namespace
}  // namespace edgeid::mapper
