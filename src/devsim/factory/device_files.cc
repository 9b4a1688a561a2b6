#include "devsim/factory/device_files.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "crypto/encoding.h"

namespace edgeid::devsim {
namespace {

using device::se::AccessCondition;
using device::se::LifeCycleState;
using nlohmann::json;

constexpr const char* kDeviceFile = "/device.json";
constexpr const char* kKeyFile = "/slot0.key";
constexpr size_t kMaxDeviceFileBytes = 1 << 20;

json ToJson(const DeviceRecord& device) {
  json zones = json::array();
  for (const auto& zone : device.element.zones) {
    zones.push_back({{"index", zone.config.index},
                     {"read", static_cast<int>(zone.config.read)},
                     {"update", static_cast<int>(zone.config.update)},
                     {"data", crypto::Base64Encode(zone.data)}});
  }
  json out = {{"name", device.name},
              {"firmware_version", device.firmware_version},
              {"variant", CounterfeitName(device.variant)},
              {"device_id", device.device_id},
              {"element",
               {{"mask_id", crypto::HexEncode(device.element.product.mask_id)},
                {"st_number", crypto::HexEncode(device.element.product.st_number)},
                {"life_cycle", static_cast<int>(device.element.life_cycle)},
                {"zones", zones}}}};
  if (device.element.recorded_signature) {
    out["element"]["recorded_signature"] = {
        {"r", crypto::HexEncode(device.element.recorded_signature->r)},
        {"s", crypto::HexEncode(device.element.recorded_signature->s)}};
  }
  return out;
}

Result<std::string> Hex(const json& value, const char* field, size_t size) {
  if (!value.is_string()) return InvalidArgument(std::string(field) + " must be a hex string");
  auto bytes = crypto::HexDecode(value.get<std::string>());
  if (!bytes.ok() || bytes->size() != size) {
    return InvalidArgument(std::string(field) + " must be " + std::to_string(size) +
                           " bytes of hex");
  }
  return bytes;
}

// An integer field within [low, high]; other JSON types and values are refused, not converted.
Result<int> Integer(const json& object, const char* field, int low, int high) {
  const json& value = object.at(field);
  if (!value.is_number_integer())
    return InvalidArgument(std::string(field) + " must be an integer");
  auto number = value.get<int64_t>();
  if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(high)) {
    number = int64_t{high} + 1;
  }
  if (number < low || number > high) {
    return InvalidArgument(std::string(field) + " must be " + std::to_string(low) + ".." +
                           std::to_string(high));
  }
  return static_cast<int>(number);
}

AccessCondition Access(int value) {
  switch (value) {
    case 0:
      return AccessCondition::kAlways;
    case 1:
      return AccessCondition::kHost;
    default:
      return AccessCondition::kNever;
  }
}

Result<DeviceRecord> FromJson(const json& in) {
  DeviceRecord device;
  device.name = in.at("name").get<std::string>();
  device.firmware_version = in.at("firmware_version").get<std::string>();
  device.variant = EDGEID_TRY(ParseCounterfeit(in.at("variant").get<std::string>()));
  device.device_id = in.at("device_id").get<std::string>();
  const json& element = in.at("element");
  device.element.product.mask_id = EDGEID_TRY(Hex(element.at("mask_id"), "mask_id", 3));
  device.element.product.st_number = EDGEID_TRY(Hex(element.at("st_number"), "st_number", 9));
  int life_cycle = EDGEID_TRY(Integer(element, "life_cycle", 0, 255));
  if (life_cycle != 0x01 && life_cycle != 0x03 && life_cycle != 0x04) {
    return InvalidArgument("life_cycle must be 1 (born), 3 (operational) or 4 (terminated)");
  }
  device.element.life_cycle = static_cast<LifeCycleState>(life_cycle);
  if (!element.at("zones").is_array()) return InvalidArgument("zones must be an array");
  for (const auto& zone : element.at("zones")) {
    ElementZone z;
    int index = EDGEID_TRY(Integer(zone, "index", 0, 255));
    for (const auto& seen : device.element.zones) {
      if (seen.config.index == index) {
        return InvalidArgument("zone " + std::to_string(index) + " is listed twice");
      }
    }
    z.config.index = static_cast<uint8_t>(index);
    int read = EDGEID_TRY(Integer(zone, "read", 0, 7));
    int update = EDGEID_TRY(Integer(zone, "update", 0, 7));
    z.config.read = Access(read);
    z.config.update = Access(update);
    z.data = EDGEID_TRY(crypto::Base64Decode(zone.at("data").get<std::string>()));
    if (z.data.size() > 0xFFFF)
      return InvalidArgument("zone " + std::to_string(index) + " too large");
    z.config.length = static_cast<uint16_t>(z.data.size());
    device.element.zones.push_back(std::move(z));
  }
  if (element.contains("recorded_signature")) {
    const json& sig = element.at("recorded_signature");
    auto r = EDGEID_TRY(Hex(sig.at("r"), "recorded_signature.r", 32));
    auto s = EDGEID_TRY(Hex(sig.at("s"), "recorded_signature.s", 32));
    device.element.recorded_signature = device::se::RawSignature{std::move(r), std::move(s)};
  }
  return device;
}

}  // namespace

Status SaveNewDevice(const std::string& dir, const DeviceRecord& device) {
  if (std::filesystem::exists(dir + kDeviceFile)) {
    return AlreadyExists(dir + " already holds a device (" + dir + kDeviceFile + ")");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return InvalidArgument("cannot create " + dir + ": " + ec.message());
  if (device.element.slot0) {
    auto pem = EDGEID_TRY(device.element.slot0->ToPkcs8Pem());
    EDGEID_RETURN_IF_ERROR(WriteFileAtomic(dir + kKeyFile, pem, 0600));
  }
  return WriteFileAtomic(dir + kDeviceFile, ToJson(device).dump(2) + "\n", 0644);
}

Status SaveDeviceZones(const std::string& dir, const DeviceRecord& device) {
  return WriteFileAtomic(dir + kDeviceFile, ToJson(device).dump(2) + "\n", 0644);
}

Result<DeviceRecord> LoadDevice(const std::string& dir) {
  auto text = EDGEID_TRY(ReadFile(dir + kDeviceFile, kMaxDeviceFileBytes));
  auto parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return InvalidArgument(dir + kDeviceFile + " is not a JSON object");
  }
  Result<DeviceRecord> device = InvalidArgument("unset");
  try {
    device = FromJson(parsed);
  } catch (const json::exception& e) {
    return InvalidArgument(dir + kDeviceFile + ": " + e.what());
  }
  if (!device.ok()) return device.error().Wrap(dir + kDeviceFile);
  if (std::filesystem::exists(dir + kKeyFile)) {
    auto pem = EDGEID_TRY(ReadFile(dir + kKeyFile));
    device->element.slot0 = EDGEID_TRY(crypto::PrivateKey::FromPem(pem));
  }
  return device;
}

}  // namespace edgeid::devsim
