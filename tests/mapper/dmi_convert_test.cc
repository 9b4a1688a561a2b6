// KubeEdge DMI messages to the mapper's Device and DeviceModel and back; mistakes named.
#include "mapper/dmi/dmi_convert.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>

namespace edgeid::mapper {
namespace {

namespace pb = google::protobuf;

pb::Any Text(const std::string& value) {
  pb::StringValue s;
  s.set_value(value);
  pb::Any any;
  any.PackFrom(s);
  return any;
}

v1beta1::Device Thermo() {
  v1beta1::Device d;
  d.set_name("thermo-1");
  auto* spec = d.mutable_spec();
  spec->set_devicemodelreference("stwin-model");
  spec->mutable_protocol()->set_protocolname("ble");
  auto& config = *spec->mutable_protocol()->mutable_configdata()->mutable_data();
  config["socketPath"] = Text("/run/devices/thermo-1/link.sock");
  pb::Value id;
  id.set_string_value("spiffe://example.org/device/thermo-1");
  config["spiffeId"].PackFrom(id);
  pb::Int64Value channel;
  channel.set_value(37);
  config["channel"].PackFrom(channel);
  auto* temperature = spec->add_properties();
  temperature->set_name("temperature");
  temperature->set_reporttocloud(true);
  temperature->set_collectcycle(500);
  temperature->mutable_visitors()->set_protocolname("ble");
  (*temperature->mutable_visitors()->mutable_configdata()->mutable_data())["characteristicUUID"] =
      Text("2a6e");
  auto* led = spec->add_properties();
  led->set_name("led");
  led->mutable_desired()->set_value("true");
  led->mutable_visitors()->set_protocolname("ble");
  (*led->mutable_visitors()->mutable_configdata()->mutable_data())["characteristicUUID"] =
      Text("0x2A56");
  return d;
}

TEST(DmiConvertTest, ADeviceFromEdgeCoreBecomesTheMappersDevice) {
  auto device = DeviceFromDmi(Thermo());
  ASSERT_TRUE(device.ok()) << device.error().message;
  EXPECT_EQ(device->key(), "default/thermo-1");  // an empty namespace is "default"
  EXPECT_EQ(device->model_name, "stwin-model");
  EXPECT_EQ(device->socket_path(), "/run/devices/thermo-1/link.sock");
  EXPECT_EQ(device->expected_spiffe_id(), "spiffe://example.org/device/thermo-1");
  EXPECT_EQ(device->protocol_config.at("channel"), "37");
  ASSERT_EQ(device->properties.size(), 2u);
  EXPECT_EQ(device->properties[0].characteristic_uuid, 0x2a6e);
  EXPECT_EQ(device->properties[0].collect_cycle_ms, 500);
  EXPECT_EQ(device->properties[0].report_cycle_ms, 1000);  // unset: KubeEdge's default
  EXPECT_TRUE(device->properties[0].report_to_cloud);
  EXPECT_EQ(device->properties[1].characteristic_uuid, 0x2a56);
  EXPECT_EQ(device->properties[1].desired, "true");
}

TEST(DmiConvertTest, MistakesAreNamedWithTheDeviceAndField) {
  struct Case {
    std::function<void(v1beta1::Device&)> breaks;
    const char* says;
  };
  for (const auto& c : std::vector<Case>{
           {[](v1beta1::Device& d) { d.clear_name(); }, "name is required"},
           {[](v1beta1::Device& d) { d.mutable_spec()->clear_devicemodelreference(); },
            "spec.deviceModelReference is required"},
           {[](v1beta1::Device& d) { d.mutable_spec()->mutable_protocol()->clear_protocolname(); },
            "spec.protocol.protocolName is required"},
           {[](v1beta1::Device& d) {
              d.mutable_spec()->mutable_protocol()->mutable_configdata()->mutable_data()->erase(
                  "socketPath");
            },
            "socketPath is required"},
           {[](v1beta1::Device& d) {
              pb::Struct nested;
              (*d.mutable_spec()
                    ->mutable_protocol()
                    ->mutable_configdata()
                    ->mutable_data())["socketPath"]
                  .PackFrom(nested);
            },
            "configData.socketPath: a type.googleapis.com/google.protobuf.Struct is not a single"},
           {[](v1beta1::Device& d) {
              (*d.mutable_spec()
                    ->mutable_properties(0)
                    ->mutable_visitors()
                    ->mutable_configdata()
                    ->mutable_data())["characteristicUUID"] = Text("thermometer");
            },
            "spec.properties[0].visitors.configData.characteristicUUID: \"thermometer\" is not a "
            "16-bit UUID"},
           {[](v1beta1::Device& d) {
              d.mutable_spec()
                  ->mutable_properties(1)
                  ->mutable_visitors()
                  ->mutable_configdata()
                  ->mutable_data()
                  ->clear();
            },
            "spec.properties[1].visitors.configData.characteristicUUID is required"},
           {[](v1beta1::Device& d) {
              d.mutable_spec()->mutable_properties(0)->set_collectcycle(-5);
            },
            "collectCycle and reportCycle must be >= 0"},
       }) {
    auto d = Thermo();
    c.breaks(d);
    auto device = DeviceFromDmi(d);
    ASSERT_FALSE(device.ok()) << c.says;
    EXPECT_NE(device.error().message.find(c.says), std::string::npos) << device.error().message;
  }
}

TEST(DmiConvertTest, ModelsAreCheckedAsTheFilesAre) {
  v1beta1::DeviceModel m;
  m.set_name("stwin-model");
  m.set_namespace_("plant-a");
  auto* p = m.mutable_spec()->add_properties();
  p->set_name("led");
  p->set_type("BOOLEAN");
  p->set_accessmode("ReadWrite");
  auto model = ModelFromDmi(m);
  ASSERT_TRUE(model.ok()) << model.error().message;
  EXPECT_EQ(model->namespace_, "plant-a");
  EXPECT_EQ(model->Property("led")->access_mode, "ReadWrite");
  p->set_type("COLOUR");
  auto bad = ModelFromDmi(m);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(
      bad.error().message.find("plant-a/stwin-model: spec.properties[0].type: must be one of"),
      std::string::npos)
      << bad.error().message;
  p->set_type("FLOAT");
  p->set_accessmode("WriteOnly");
  EXPECT_FALSE(ModelFromDmi(m).ok());
}

TEST(DmiConvertTest, GetDeviceCarriesTheSpecAndTheTwins) {
  auto device = *DeviceFromDmi(Thermo());
  Reading reading{"default",
                  "thermo-1",
                  "temperature",
                  "22.5",
                  "float",
                  std::chrono::system_clock::time_point(std::chrono::milliseconds(1796251027468)),
                  true};
  auto out = DeviceToDmi(device, {{"temperature", reading}});
  EXPECT_EQ(out.name(), "thermo-1");
  EXPECT_EQ(out.namespace_(), "default");
  // Round trip: what the mapper answers reads back as the same device.
  auto again = DeviceFromDmi(out);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->socket_path(), device.socket_path());
  EXPECT_EQ(again->properties[1].desired, "true");
  ASSERT_EQ(out.status().twins_size(), 2);
  const auto& t = out.status().twins(0);
  EXPECT_EQ(t.propertyname(), "temperature");
  EXPECT_EQ(t.reported().value(), "22.5");
  EXPECT_EQ(t.reported().metadata().at("type"), "float");
  EXPECT_EQ(t.reported().metadata().at("timestamp"), "1796251027468");
  EXPECT_EQ(out.status().twins(1).observeddesired().value(), "true");  // led: desired, no reading
}

}  // namespace
}  // namespace edgeid::mapper
