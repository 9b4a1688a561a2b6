#include "mapper/crd/device_crd.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <set>
#include <sstream>

#include "common/atomic_file.h"
#include "spiffe/spiffe_id.h"

namespace edgeid::mapper {
namespace {

constexpr size_t kMaxDeviceFileBytes = 1 << 20;

class Reader {
 public:
  explicit Reader(std::string where) : where_(std::move(where)) {}

  Error Bad(const std::string& field, const std::string& why) const {
    return InvalidArgument(where_ + ": " + field + ": " + why);
  }
  const std::string& where() const { return where_; }

  Result<std::string> Scalar(const YAML::Node& node, const std::string& field,
                             bool required) const {
    if (!node || node.IsNull()) {
      if (required) return Bad(field, "is required");
      return std::string();
    }
    if (!node.IsScalar()) return Bad(field, "must be a single value");
    return node.Scalar();
  }

  Result<int64_t> Integer(const YAML::Node& node, const std::string& field,
                          int64_t fallback) const {
    if (!node || node.IsNull()) return fallback;
    if (!node.IsScalar()) return Bad(field, "must be a number");
    try {
      size_t used = 0;
      int64_t value = std::stoll(node.Scalar(), &used);
      if (used != node.Scalar().size() || value < 0)
        return Bad(field, "must be a whole number >= 0");
      return value;
    } catch (const std::exception&) {
      return Bad(field, "must be a whole number");
    }
  }

  Result<bool> Boolean(const YAML::Node& node, const std::string& field) const {
    if (!node || node.IsNull()) return false;
    if (!node.IsScalar() || (node.Scalar() != "true" && node.Scalar() != "false")) {
      return Bad(field, "must be true or false");
    }
    return node.Scalar() == "true";
  }

  Status Map(const YAML::Node& node, const std::string& field) const {
    if (node && !node.IsNull() && !node.IsMap()) return Bad(field, "must be a mapping");
    return OkStatus();
  }

 private:
  std::string where_;
};

// node[outer][inner], or a null node when either is missing: yaml-cpp throws on indexing a
// missing node's child.
YAML::Node At(const YAML::Node& node, const char* outer, const char* inner) {
  if (!node || !node.IsMap()) return YAML::Node();
  const YAML::Node child = node[outer];
  if (!child || !child.IsMap()) return YAML::Node();
  return child[inner];
}

Result<DeviceModel> ParseModel(const YAML::Node& doc, const Reader& r) {
  DeviceModel model;
  model.name = EDGEID_TRY(r.Scalar(At(doc, "metadata", "name"), "metadata.name", true));
  model.namespace_ =
      EDGEID_TRY(r.Scalar(At(doc, "metadata", "namespace"), "metadata.namespace", false));
  if (model.namespace_.empty()) model.namespace_ = "default";
  const YAML::Node spec = doc["spec"];
  if (!spec || !spec.IsMap()) return r.Bad("spec", "is required and must be a mapping");
  model.protocol = EDGEID_TRY(r.Scalar(spec["protocol"], "spec.protocol", false));
  const YAML::Node properties = spec["properties"];
  if (properties && !properties.IsSequence()) return r.Bad("spec.properties", "must be a list");
  for (size_t i = 0; properties && i < properties.size(); ++i) {
    const YAML::Node p = properties[i];
    std::string at = "spec.properties[" + std::to_string(i) + "]";
    ModelProperty prop;
    prop.name = EDGEID_TRY(r.Scalar(p["name"], at + ".name", true));
    prop.description = EDGEID_TRY(r.Scalar(p["description"], at + ".description", false));
    prop.type = EDGEID_TRY(r.Scalar(p["type"], at + ".type", true));
    prop.access_mode = EDGEID_TRY(r.Scalar(p["accessMode"], at + ".accessMode", false));
    if (prop.access_mode.empty()) prop.access_mode = "ReadOnly";
    if (auto checked = CheckModelProperty(prop, at); !checked.ok()) {
      return checked.error().Wrap(r.where());
    }
    prop.unit = EDGEID_TRY(r.Scalar(p["unit"], at + ".unit", false));
    prop.minimum = EDGEID_TRY(r.Scalar(p["minimum"], at + ".minimum", false));
    prop.maximum = EDGEID_TRY(r.Scalar(p["maximum"], at + ".maximum", false));
    model.properties.push_back(std::move(prop));
  }
  return model;
}

Result<Device> ParseDevice(const YAML::Node& doc, const Reader& r) {
  Device device;
  device.name = EDGEID_TRY(r.Scalar(At(doc, "metadata", "name"), "metadata.name", true));
  device.namespace_ =
      EDGEID_TRY(r.Scalar(At(doc, "metadata", "namespace"), "metadata.namespace", false));
  if (device.namespace_.empty()) device.namespace_ = "default";
  const YAML::Node spec = doc["spec"];
  if (!spec || !spec.IsMap()) return r.Bad("spec", "is required and must be a mapping");
  device.model_name =
      EDGEID_TRY(r.Scalar(At(spec, "deviceModelRef", "name"), "spec.deviceModelRef.name", true));
  device.node_name = EDGEID_TRY(r.Scalar(spec["nodeName"], "spec.nodeName", false));
  const YAML::Node protocol = spec["protocol"];
  if (!protocol || !protocol.IsMap())
    return r.Bad("spec.protocol", "is required and must be a mapping");
  device.protocol =
      EDGEID_TRY(r.Scalar(protocol["protocolName"], "spec.protocol.protocolName", true));
  const YAML::Node config = protocol["configData"];
  EDGEID_RETURN_IF_ERROR(r.Map(config, "spec.protocol.configData"));
  if (config && config.IsMap()) {
    for (auto it = config.begin(); it != config.end(); ++it) {
      std::string key = it->first.Scalar();
      if (!it->second.IsScalar()) {
        return r.Bad("spec.protocol.configData." + key, "must be a single value");
      }
      device.protocol_config[key] = it->second.Scalar();
    }
  }
  if (device.socket_path().empty()) {
    return r.Bad("spec.protocol.configData.socketPath", "is required: the device's link");
  }
  const YAML::Node properties = spec["properties"];
  if (properties && !properties.IsSequence()) return r.Bad("spec.properties", "must be a list");
  for (size_t i = 0; properties && i < properties.size(); ++i) {
    const YAML::Node p = properties[i];
    std::string at = "spec.properties[" + std::to_string(i) + "]";
    DeviceProperty prop;
    prop.name = EDGEID_TRY(r.Scalar(p["name"], at + ".name", true));
    if (p["desired"] && !p["desired"].IsNull()) {
      EDGEID_RETURN_IF_ERROR(r.Map(p["desired"], at + ".desired"));
      prop.desired = EDGEID_TRY(r.Scalar(At(p, "desired", "value"), at + ".desired.value", true));
    }
    const YAML::Node visitors = p["visitors"];
    if (!visitors || !visitors.IsMap()) return r.Bad(at + ".visitors", "is required");
    prop.visitor_protocol =
        EDGEID_TRY(r.Scalar(visitors["protocolName"], at + ".visitors.protocolName", true));
    std::string uuid = EDGEID_TRY(r.Scalar(At(visitors, "configData", "characteristicUUID"),
                                           at + ".visitors.configData.characteristicUUID", true));
    auto parsed = ParseCharacteristicUuid(uuid);
    if (!parsed.ok())
      return r.Bad(at + ".visitors.configData.characteristicUUID", parsed.error().message);
    prop.characteristic_uuid = *parsed;
    prop.collect_cycle_ms = EDGEID_TRY(r.Integer(p["collectCycle"], at + ".collectCycle", 1000));
    prop.report_cycle_ms = EDGEID_TRY(r.Integer(p["reportCycle"], at + ".reportCycle", 1000));
    prop.report_to_cloud = EDGEID_TRY(r.Boolean(p["reportToCloud"], at + ".reportToCloud"));
    device.properties.push_back(std::move(prop));
  }
  return device;
}

// yaml-cpp 0.7 (Debian 12's) never gets past a ',' after a complete top-level value (",x",
// "[a],"): HandleNextDocument returns one more empty document at the same place, forever, and
// LoadAll appends them until memory runs out; the mapper's reload loop would hang on a typo.
// The documents' starts are walked first, and one that starts where the last one did stops
// the parse.
class DocumentStarts final : public YAML::EventHandler {
 public:
  bool stuck() const { return stuck_; }
  const YAML::Mark& mark() const { return mark_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (seen_ && mark.pos <= mark_.pos) stuck_ = true;
    seen_ = true;
    mark_ = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  bool seen_ = false;
  bool stuck_ = false;
  YAML::Mark mark_;
};

// Throws YAML::Exception as LoadAll would.
Status CheckYamlProgresses(const std::string& text, const std::string& source) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  while (parser.HandleNextDocument(starts)) {
    if (starts.stuck()) {
      return InvalidArgument(source + ": not valid YAML: line " +
                             std::to_string(starts.mark().line + 1) + ", column " +
                             std::to_string(starts.mark().column + 1) +
                             ": nothing can follow a complete value here (a stray ','?)");
    }
  }
  return OkStatus();
}

std::string ConfigValue(const std::map<std::string, std::string>& config, const char* key) {
  auto it = config.find(key);
  return it == config.end() ? std::string() : it->second;
}

}  // namespace

Result<uint16_t> ParseCharacteristicUuid(const std::string& text) {
  std::string hex = text;
  if (hex.rfind("0x", 0) == 0 || hex.rfind("0X", 0) == 0) hex = hex.substr(2);
  if (hex.empty() || hex.size() > 4 ||
      hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    return InvalidArgument("\"" + text + "\" is not a 16-bit UUID (e.g. \"2a6e\")");
  }
  return static_cast<uint16_t>(std::stoul(hex, nullptr, 16));
}

Status CheckModelProperty(const ModelProperty& property, const std::string& at) {
  static const std::set<std::string> kTypes = {"INT",     "FLOAT", "DOUBLE", "STRING",
                                               "BOOLEAN", "BYTES", "STREAM"};
  if (kTypes.count(property.type) == 0) {
    return InvalidArgument(
        at + ".type: must be one of INT, FLOAT, DOUBLE, STRING, BOOLEAN, BYTES, STREAM");
  }
  if (property.access_mode != "ReadOnly" && property.access_mode != "ReadWrite") {
    return InvalidArgument(at + ".accessMode: must be ReadWrite or ReadOnly");
  }
  return OkStatus();
}

const ModelProperty* DeviceModel::Property(const std::string& property) const {
  for (const auto& p : properties) {
    if (p.name == property) return &p;
  }
  return nullptr;
}

std::string Device::socket_path() const {
  return ConfigValue(protocol_config, "socketPath");
}

std::optional<std::string> Device::expected_spiffe_id() const {
  auto value = ConfigValue(protocol_config, "spiffeId");
  if (value.empty()) return std::nullopt;
  return value;
}

std::optional<std::string> Device::expected_device_id() const {
  auto value = ConfigValue(protocol_config, "deviceId");
  if (value.empty()) return std::nullopt;
  return value;
}

const DeviceModel* DeviceCatalog::Model(const std::string& namespace_,
                                        const std::string& name) const {
  for (const auto& m : models) {
    if (m.namespace_ == namespace_ && m.name == name) return &m;
  }
  return nullptr;
}

Result<DeviceCatalog> ParseDeviceYaml(const std::string& text, const std::string& source) {
  std::vector<YAML::Node> docs;
  try {
    EDGEID_RETURN_IF_ERROR(CheckYamlProgresses(text, source));
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(source + ": not valid YAML: " + e.what());
  }
  DeviceCatalog catalog;
  try {
    for (size_t i = 0; i < docs.size(); ++i) {
      const YAML::Node& doc = docs[i];
      if (!doc || doc.IsNull()) continue;
      Reader r(source + " document " + std::to_string(i + 1));
      if (!doc.IsMap()) return r.Bad("(document)", "must be a mapping");
      std::string api = EDGEID_TRY(r.Scalar(doc["apiVersion"], "apiVersion", true));
      std::string kind = EDGEID_TRY(r.Scalar(doc["kind"], "kind", true));
      if (api != kDevicesApiVersion) {
        return r.Bad("apiVersion", "\"" + api + "\" is not " + kDevicesApiVersion);
      }
      if (kind == "DeviceModel") {
        DeviceModel model = EDGEID_TRY(ParseModel(doc, r));
        catalog.models.push_back(std::move(model));
      } else if (kind == "Device") {
        Device device = EDGEID_TRY(ParseDevice(doc, r));
        catalog.devices.push_back(std::move(device));
      } else {
        return r.Bad("kind", "\"" + kind + "\" is neither Device nor DeviceModel");
      }
    }
  } catch (const YAML::Exception& e) {  // a mapping where a scalar was expected, and the like
    return InvalidArgument(source + ": " + e.what());
  }
  return catalog;
}

Status ValidateCatalog(const DeviceCatalog& catalog, const std::string& protocol) {
  std::set<std::string> seen_devices, seen_models, seen_sockets;
  for (const auto& m : catalog.models) {
    if (!seen_models.insert(m.namespace_ + "/" + m.name).second) {
      return InvalidArgument("DeviceModel " + m.namespace_ + "/" + m.name + " is defined twice");
    }
  }
  for (const auto& d : catalog.devices) {
    std::string what = "Device " + d.key();
    if (!seen_devices.insert(d.key()).second) return InvalidArgument(what + " is defined twice");
    if (!seen_sockets.insert(d.socket_path()).second) {
      return InvalidArgument(what + ": socketPath " + d.socket_path() + " is another device's");
    }
    auto spiffe_id = d.expected_spiffe_id();
    if (!spiffe_id) {
      return InvalidArgument(what +
                             ": spec.protocol.configData.spiffeId is required: the SVID "
                             "the device must pair with");
    }
    if (auto parsed = spiffe::SpiffeId::Parse(*spiffe_id); !parsed.ok()) {
      return InvalidArgument(what +
                             ": spec.protocol.configData.spiffeId: " + parsed.error().message);
    }
    if (d.protocol != protocol) {
      return InvalidArgument(what + ": protocol \"" + d.protocol + "\" is not this mapper's (\"" +
                             protocol + "\")");
    }
    const DeviceModel* model = catalog.Model(d.namespace_, d.model_name);
    if (model == nullptr) {
      return InvalidArgument(what + ": DeviceModel " + d.namespace_ + "/" + d.model_name +
                             " is not defined");
    }
    std::set<std::string> names;
    for (const auto& p : d.properties) {
      if (!names.insert(p.name).second) {
        return InvalidArgument(what + ": property " + p.name + " is listed twice");
      }
      const ModelProperty* mp = model->Property(p.name);
      if (mp == nullptr) {
        return InvalidArgument(what + ": property " + p.name + " is not in DeviceModel " +
                               model->name);
      }
      if (p.desired && mp->access_mode != "ReadWrite") {
        return InvalidArgument(what + ": property " + p.name +
                               " has a desired value but is ReadOnly in its model");
      }
      if (p.visitor_protocol != protocol) {
        return InvalidArgument(what + ": property " + p.name + ": visitor protocol \"" +
                               p.visitor_protocol + "\" is not \"" + protocol + "\"");
      }
    }
  }
  return OkStatus();
}

Result<DeviceCatalog> LoadDeviceCatalog(const std::vector<std::string>& paths,
                                        const std::string& protocol) {
  DeviceCatalog all;
  for (const auto& path : paths) {
    std::string text = EDGEID_TRY(ReadFile(path, kMaxDeviceFileBytes));
    DeviceCatalog one = EDGEID_TRY(ParseDeviceYaml(text, path));
    for (auto& m : one.models) all.models.push_back(std::move(m));
    for (auto& d : one.devices) all.devices.push_back(std::move(d));
  }
  EDGEID_RETURN_IF_ERROR(ValidateCatalog(all, protocol));
  return all;
}

}  // namespace edgeid::mapper
