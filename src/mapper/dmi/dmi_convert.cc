#include "mapper/dmi/dmi_convert.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/wrappers.pb.h>

#include <cmath>

namespace edgeid::mapper {
namespace {

namespace pb = google::protobuf;

// A configData value as text, whichever well-known type EdgeCore packed it in.
Result<std::string> AnyAsText(const pb::Any& any, const std::string& field) {
  pb::StringValue s;
  pb::Int64Value i64;
  pb::Int32Value i32;
  pb::UInt64Value u64;
  pb::UInt32Value u32;
  pb::DoubleValue d;
  pb::FloatValue f;
  pb::BoolValue b;
  pb::Value v;
  if (any.Is<pb::StringValue>() && any.UnpackTo(&s)) return s.value();
  if (any.Is<pb::Int64Value>() && any.UnpackTo(&i64)) return std::to_string(i64.value());
  if (any.Is<pb::Int32Value>() && any.UnpackTo(&i32)) return std::to_string(i32.value());
  if (any.Is<pb::UInt64Value>() && any.UnpackTo(&u64)) return std::to_string(u64.value());
  if (any.Is<pb::UInt32Value>() && any.UnpackTo(&u32)) return std::to_string(u32.value());
  if (any.Is<pb::BoolValue>() && any.UnpackTo(&b)) return std::string(b.value() ? "true" : "false");
  if (any.Is<pb::DoubleValue>() && any.UnpackTo(&d)) return std::to_string(d.value());
  if (any.Is<pb::FloatValue>() && any.UnpackTo(&f)) return std::to_string(f.value());
  if (any.Is<pb::Value>() && any.UnpackTo(&v)) {
    switch (v.kind_case()) {
      case pb::Value::kStringValue:
        return v.string_value();
      case pb::Value::kBoolValue:
        return std::string(v.bool_value() ? "true" : "false");
      case pb::Value::kNumberValue: {
        double n = v.number_value();
        if (std::floor(n) == n && std::fabs(n) < 1e15) {
          return std::to_string(static_cast<int64_t>(n));
        }
        return std::to_string(n);
      }
      default:
        break;
    }
  }
  return InvalidArgument(field + ": a " + any.type_url() +
                         " is not a single value (string, number or boolean)");
}

pb::Any TextAsAny(const std::string& text) {
  pb::StringValue s;
  s.set_value(text);
  pb::Any any;
  any.PackFrom(s);
  return any;
}

int64_t UnixMillis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string DmiNamespace(const std::string& namespace_) {
  return namespace_.empty() ? "default" : namespace_;
}

Result<Device> DeviceFromDmi(const v1beta1::Device& in) {
  Device device;
  device.name = in.name();
  device.namespace_ = DmiNamespace(in.namespace_());
  std::string what = "DMI Device " + device.namespace_ + "/" + device.name + ": ";
  if (device.name.empty()) return InvalidArgument("DMI Device: name is required");
  const auto& spec = in.spec();
  device.model_name = spec.devicemodelreference();
  if (device.model_name.empty()) {
    return InvalidArgument(what + "spec.deviceModelReference is required");
  }
  device.protocol = spec.protocol().protocolname();
  if (device.protocol.empty())
    return InvalidArgument(what + "spec.protocol.protocolName is required");
  for (const auto& [key, value] : spec.protocol().configdata().data()) {
    device.protocol_config[key] =
        EDGEID_TRY(AnyAsText(value, what + "spec.protocol.configData." + key));
  }
  if (device.socket_path().empty()) {
    return InvalidArgument(what +
                           "spec.protocol.configData.socketPath is required: the device's link");
  }
  for (int i = 0; i < spec.properties_size(); ++i) {
    const auto& p = spec.properties(i);
    std::string at = what + "spec.properties[" + std::to_string(i) + "]";
    DeviceProperty prop;
    prop.name = p.name();
    if (prop.name.empty()) return InvalidArgument(at + ".name is required");
    if (p.has_desired() && !p.desired().value().empty()) prop.desired = p.desired().value();
    prop.visitor_protocol = p.visitors().protocolname();
    if (prop.visitor_protocol.empty()) {
      return InvalidArgument(at + ".visitors.protocolName is required");
    }
    const auto& visitor = p.visitors().configdata().data();
    auto uuid = visitor.find("characteristicUUID");
    if (uuid == visitor.end()) {
      return InvalidArgument(at + ".visitors.configData.characteristicUUID is required");
    }
    std::string uuid_field = at + ".visitors.configData.characteristicUUID";
    std::string uuid_text = EDGEID_TRY(AnyAsText(uuid->second, uuid_field));
    auto parsed = ParseCharacteristicUuid(uuid_text);
    if (!parsed.ok()) return parsed.error().Wrap(uuid_field);
    prop.characteristic_uuid = *parsed;
    if (p.collectcycle() < 0 || p.reportcycle() < 0) {
      return InvalidArgument(at + ": collectCycle and reportCycle must be >= 0");
    }
    // 0 means "not set" in proto3; KubeEdge's default cycle is one second.
    prop.collect_cycle_ms = p.collectcycle() == 0 ? 1000 : p.collectcycle();
    prop.report_cycle_ms = p.reportcycle() == 0 ? 1000 : p.reportcycle();
    prop.report_to_cloud = p.reporttocloud();
    device.properties.push_back(std::move(prop));
  }
  return device;
}

Result<DeviceModel> ModelFromDmi(const v1beta1::DeviceModel& in) {
  DeviceModel model;
  model.name = in.name();
  model.namespace_ = DmiNamespace(in.namespace_());
  if (model.name.empty()) return InvalidArgument("DMI DeviceModel: name is required");
  std::string what = "DMI DeviceModel " + model.namespace_ + "/" + model.name + ": ";
  for (int i = 0; i < in.spec().properties_size(); ++i) {
    const auto& p = in.spec().properties(i);
    std::string at = "spec.properties[" + std::to_string(i) + "]";
    ModelProperty prop;
    prop.name = p.name();
    if (prop.name.empty()) return InvalidArgument(what + at + ".name is required");
    prop.description = p.description();
    prop.type = p.type();
    prop.access_mode = p.accessmode().empty() ? "ReadOnly" : p.accessmode();
    prop.unit = p.unit();
    prop.minimum = p.minimum();
    prop.maximum = p.maximum();
    EDGEID_RETURN_IF_ERROR(CheckModelProperty(prop, what + at));
    model.properties.push_back(std::move(prop));
  }
  return model;
}

v1beta1::Twin TwinFromReading(const Reading& reading, const std::optional<std::string>& desired) {
  v1beta1::Twin twin;
  twin.set_propertyname(reading.property);
  auto* reported = twin.mutable_reported();
  reported->set_value(reading.value);
  (*reported->mutable_metadata())["type"] = reading.type;
  (*reported->mutable_metadata())["timestamp"] = std::to_string(UnixMillis(reading.sampled_at));
  if (desired) twin.mutable_observeddesired()->set_value(*desired);
  return twin;
}

v1beta1::Device DeviceToDmi(const Device& device,
                            const std::map<std::string, Reading>& latest_readings) {
  v1beta1::Device out;
  out.set_name(device.name);
  out.set_namespace_(device.namespace_);
  auto* spec = out.mutable_spec();
  spec->set_devicemodelreference(device.model_name);
  spec->mutable_protocol()->set_protocolname(device.protocol);
  for (const auto& [key, value] : device.protocol_config) {
    (*spec->mutable_protocol()->mutable_configdata()->mutable_data())[key] = TextAsAny(value);
  }
  for (const auto& p : device.properties) {
    auto* prop = spec->add_properties();
    prop->set_name(p.name);
    if (p.desired) prop->mutable_desired()->set_value(*p.desired);
    prop->mutable_visitors()->set_protocolname(p.visitor_protocol);
    char uuid[8];
    std::snprintf(uuid, sizeof uuid, "%04x", p.characteristic_uuid);
    (*prop->mutable_visitors()->mutable_configdata()->mutable_data())["characteristicUUID"] =
        TextAsAny(uuid);
    prop->set_collectcycle(p.collect_cycle_ms);
    prop->set_reportcycle(p.report_cycle_ms);
    prop->set_reporttocloud(p.report_to_cloud);
    auto reading = latest_readings.find(p.name);
    if (reading != latest_readings.end()) {
      *out.mutable_status()->add_twins() = TwinFromReading(reading->second, p.desired);
    } else if (p.desired) {
      auto* twin = out.mutable_status()->add_twins();
      twin->set_propertyname(p.name);
      twin->mutable_observeddesired()->set_value(*p.desired);
    }
  }
  return out;
}

}  // namespace edgeid::mapper
