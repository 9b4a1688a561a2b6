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
  int life_cycle = element.at("life_cycle").get<int>();
  if (life_cycle != 0x01 && life_cycle != 0x03 && life_cycle != 0x04) {
    return InvalidArgument("life_cycle must be 1 (born), 3 (operational) or 4 (terminated)");
  }
  device.element.life_cycle = static_cast<LifeCycleState>(life_cycle);
  for (const auto& zone : element.at("zones")) {
    ElementZone z;
    int index = zone.at("index").get<int>();
    if (index < 0 || index > 255) return InvalidArgument("zone index must be 0..255");
    z.config.index = static_cast<uint8_t>(index);
    z.config.read = Access(zone.at("read").get<int>());
    z.config.update = Access(zone.at("update").get<int>());
    z.data = EDGEID_TRY(crypto::Base64Decode(zone.at("data").get<std::string>()));
    if (z.data.size() > 0xFFFF)
      return InvalidArgument("zone " + std::to_string(index) + " too large");
    z.config.length = static_cast<uint16_t>(z.data.size());
    device.element.zones.push_back(std::move(z));
  }
  if (element.contains("recorded_signature")) {
    const json& sig = element.at("recorded_signature");
    device.element.recorded_signature =
        device::se::RawSignature{EDGEID_TRY(Hex(sig.at("r"), "recorded_signature.r", 32)),
                                 EDGEID_TRY(Hex(sig.at("s"), "recorded_signature.s", 32))};
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
