#include "devsim/element/emulated_element.h"

#include "common/byte_reader.h"
#include "crypto/random.h"
#include "crypto/signature.h"

namespace edgeid::devsim {
namespace {

using device::se::AccessCondition;
using device::se::CommandCode;
using device::se::Response;
using device::se::ResponseStatus;

constexpr size_t kP256Bytes = 32;

Response Answer(ResponseStatus status) {
  return {status, ""};
}
Response Answer(std::string data) {
  return {ResponseStatus::kOk, std::move(data)};
}

// Whether an access with this condition is allowed without a paired host: sessions (C-MAC) are
// not emulated, so only "always" is.
bool Allowed(AccessCondition condition) {
  return condition == AccessCondition::kAlways;
}

std::string PrivateKeyTable(bool present) {
  std::string out;
  out.push_back(1);        // one slot listed
  out.push_back(0);        // no change right
  AppendU16(out, 0xFFFF);  // no global usage limit
  out.push_back(static_cast<char>(device::se::kDeviceKeySlot));
  out.push_back(present ? 1 : 0);
  AppendU16(out, 0x0000);  // mode of operation
  if (present) AppendLengthPrefixed(out, device::se::kP256CurveOid);
  return out;
}

}  // namespace

std::string EmulatedElement::Process(std::string_view command_frame) {
  auto command = device::se::DecodeCommand(command_frame);
  Response response = Answer(ResponseStatus::kCommunicationError);
  {
    std::lock_guard lock(mu_);
    ++answered_;
    if (command.ok()) response = Handle(*command);
  }
  auto frame = device::se::EncodeResponse(response);
  // An answer too large for a frame is the element's buffer limit, as on the chip.
  if (!frame.ok())
    return *device::se::EncodeResponse(Answer(ResponseStatus::kBufferLengthExceeded));
  return *frame;
}

std::vector<ElementZone> EmulatedElement::zones() const {
  std::lock_guard lock(mu_);
  return image_.zones;
}

uint64_t EmulatedElement::commands_answered() const {
  std::lock_guard lock(mu_);
  return answered_;
}

Response EmulatedElement::Handle(const device::se::Command& command) {
  if ((command.header & (device::se::kHeaderCmac | device::se::kHeaderRmac)) != 0) {
    return Answer(ResponseStatus::kSessionError);  // no host session was opened
  }
  CommandCode code = command.code();
  if (image_.life_cycle != device::se::LifeCycleState::kOperational &&
      code != CommandCode::kQuery && code != CommandCode::kEcho) {
    return Answer(ResponseStatus::kInvalidLifeCycle);
  }
  switch (code) {
    case CommandCode::kEcho:
      if (command.data.empty()) return Answer(ResponseStatus::kInconsistentData);
      return Answer(command.data);
    case CommandCode::kReset:
      return Answer(std::string());
    case CommandCode::kGenerateRandom: {
      auto params = device::se::DecodeGenerateRandom(command.data);
      if (!params.ok() || params->subject != 0) return Answer(ResponseStatus::kInconsistentData);
      if (params->size == 0) return Answer(ResponseStatus::kValueOutOfRange);
      auto bytes = crypto::RandomBytes(params->size);
      if (!bytes.ok()) return Answer(ResponseStatus::kUnexpectedError);
      return Answer(std::move(*bytes));
    }
    case CommandCode::kRead:
      return Read(command.data);
    case CommandCode::kUpdate:
      return Update(command.data);
    case CommandCode::kQuery:
      return Query(command.data);
    case CommandCode::kGenerateSignature:
      return GenerateSignature(command.data);
    case CommandCode::kVerifySignature:
      return VerifySignature(command.data);
    default:
      return Answer(ResponseStatus::kCommandNotSupported);
  }
}

ElementZone* EmulatedElement::Zone(uint8_t index) {
  for (auto& zone : image_.zones) {
    if (zone.config.index == index) return &zone;
  }
  return nullptr;
}

Response EmulatedElement::Read(std::string_view data) {
  auto params = device::se::DecodeRead(data);
  if (!params.ok()) return Answer(ResponseStatus::kInconsistentData);
  ElementZone* zone = Zone(params->zone);
  if (zone == nullptr) return Answer(ResponseStatus::kEntryNotFound);
  if (!Allowed(zone->config.read)) return Answer(ResponseStatus::kAccessConditionNotSatisfied);
  if (size_t{params->offset} + params->length > zone->data.size()) {
    return Answer(ResponseStatus::kBoundaryExceeded);
  }
  return Answer(zone->data.substr(params->offset, params->length));
}

Response EmulatedElement::Update(std::string_view data) {
  auto params = device::se::DecodeUpdate(data);
  if (!params.ok()) return Answer(ResponseStatus::kInconsistentData);
  ElementZone* zone = Zone(params->zone);
  if (zone == nullptr) return Answer(ResponseStatus::kEntryNotFound);
  if (!Allowed(zone->config.update)) return Answer(ResponseStatus::kAccessConditionNotSatisfied);
  if (size_t{params->offset} + params->bytes.size() > zone->data.size()) {
    return Answer(ResponseStatus::kBoundaryExceeded);
  }
  zone->data.replace(params->offset, params->bytes.size(), params->bytes);
  return Answer(std::string());
}

Response EmulatedElement::Query(std::string_view data) const {
  if (data.size() != 1) return Answer(ResponseStatus::kInconsistentData);
  switch (static_cast<device::se::QueryTag>(data[0])) {
    case device::se::QueryTag::kLifeCycleState:
      return Answer(std::string(1, static_cast<char>(image_.life_cycle)));
    case device::se::QueryTag::kProductData:
      return Answer(device::se::EncodeProductData(image_.product));
    case device::se::QueryTag::kDataPartitionConfiguration: {
      std::vector<device::se::ZoneConfig> configs;
      for (const auto& zone : image_.zones) configs.push_back(zone.config);
      return Answer(device::se::EncodeDataPartition(configs));
    }
    case device::se::QueryTag::kPrivateKeyTable:
      return Answer(PrivateKeyTable(image_.slot0.has_value()));
  }
  return Answer(ResponseStatus::kValueOutOfRange);
}

Response EmulatedElement::GenerateSignature(std::string_view data) const {
  auto params = device::se::DecodeGenerateSignature(data);
  if (!params.ok()) return Answer(ResponseStatus::kInconsistentData);
  if (params->slot == device::se::kDeviceKeySlot && image_.recorded_signature) {
    return Answer(device::se::EncodeSignature(*image_.recorded_signature));
  }
  if (params->slot != device::se::kDeviceKeySlot || !image_.slot0) {
    return Answer(ResponseStatus::kKeyNotFound);
  }
  if (params->digest.size() != kP256Bytes) return Answer(ResponseStatus::kInconsistentData);
  auto der = image_.slot0->SignDigest(params->digest);
  if (!der.ok()) return Answer(ResponseStatus::kUnexpectedError);
  auto raw = crypto::EcdsaDerToRaw(*der, kP256Bytes);
  if (!raw.ok()) return Answer(ResponseStatus::kUnexpectedError);
  return Answer(device::se::EncodeSignature({raw->substr(0, kP256Bytes), raw->substr(kP256Bytes)}));
}

Response EmulatedElement::VerifySignature(std::string_view data) const {
  auto params = device::se::DecodeVerifySignature(data);
  if (!params.ok()) return Answer(ResponseStatus::kInconsistentData);
  if (params->curve_oid != device::se::kP256CurveOid) return Answer(ResponseStatus::kWrongKeyType);
  if (params->x.size() != kP256Bytes || params->y.size() != kP256Bytes) {
    return Answer(ResponseStatus::kInvalidPublicKey);
  }
  auto key = crypto::PublicKey::FromEcCoordinates({"P-256", params->x, params->y});
  if (!key.ok()) return Answer(ResponseStatus::kInvalidPublicKey);
  if (params->signature.r.size() != kP256Bytes || params->signature.s.size() != kP256Bytes) {
    return Answer(ResponseStatus::kInconsistentData);
  }
  auto der = crypto::EcdsaRawToDer(params->signature.r + params->signature.s);
  bool valid = der.ok() && key->VerifyDigest(params->digest, *der).ok();
  return Answer(std::string(1, valid ? '\x01' : '\x00'));
}

}  // namespace edgeid::devsim
