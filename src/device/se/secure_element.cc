#include "device/se/secure_element.h"

namespace edgeid::device::se {

ErrorCode ErrorCodeFor(ResponseStatus status) {
  switch (status) {
    case ResponseStatus::kAccessConditionNotSatisfied:
    case ResponseStatus::kNotAuthorised:
    case ResponseStatus::kInvalidLifeCycle:
    case ResponseStatus::kKeyBlocked:
    case ResponseStatus::kPasswordBlocked:
      return ErrorCode::kPermissionDenied;
    case ResponseStatus::kEntryNotFound:
    case ResponseStatus::kKeyNotFound:
      return ErrorCode::kNotFound;
    case ResponseStatus::kCommandNotSupported:
      return ErrorCode::kUnimplemented;
    case ResponseStatus::kCommunicationError:
      return ErrorCode::kUnavailable;
    default:
      return ErrorCode::kInvalidArgument;
  }
}

Result<Response> SecureElement::Call(CommandCode code, std::string_view data) {
  auto frame = EDGEID_TRY(EncodeCommand({static_cast<uint8_t>(code), std::string(data)}));
  auto answer = transport_.Exchange(frame);
  if (!answer.ok()) {
    return answer.error().Wrap("secure element " + CommandName(static_cast<uint8_t>(code)));
  }
  auto response = DecodeResponse(*answer);
  if (!response.ok()) {
    return response.error().Wrap("secure element " + CommandName(static_cast<uint8_t>(code)));
  }
  return response;
}

Result<std::string> SecureElement::CallOk(CommandCode code, std::string_view data) {
  auto response = EDGEID_TRY(Call(code, data));
  if (response.status != ResponseStatus::kOk) {
    return Error{ErrorCodeFor(response.status),
                 "secure element refused " + CommandName(static_cast<uint8_t>(code)) + ": " +
                     StatusName(static_cast<uint8_t>(response.status))};
  }
  return std::move(response.data);
}

Result<std::string> SecureElement::Echo(std::string_view message) {
  auto echoed = EDGEID_TRY(CallOk(CommandCode::kEcho, message));
  if (echoed != message) return InvalidArgument("secure element echoed other bytes");
  return echoed;
}

Result<std::string> SecureElement::GenerateRandom(uint8_t size) {
  auto bytes = EDGEID_TRY(CallOk(CommandCode::kGenerateRandom, EncodeGenerateRandom({0, size})));
  if (bytes.size() != size) {
    return InvalidArgument("secure element returned " + std::to_string(bytes.size()) +
                           " random bytes, asked for " + std::to_string(size));
  }
  return bytes;
}

Result<std::string> SecureElement::Read(uint8_t zone, uint16_t offset, uint16_t length) {
  auto bytes = EDGEID_TRY(CallOk(CommandCode::kRead, EncodeRead({0, zone, offset, length})));
  if (bytes.size() != length) {
    return InvalidArgument("secure element read " + std::to_string(bytes.size()) +
                           " bytes of zone " + std::to_string(zone) + ", asked for " +
                           std::to_string(length));
  }
  return bytes;
}

Status SecureElement::Update(uint8_t zone, uint16_t offset, std::string_view bytes) {
  auto done = CallOk(CommandCode::kUpdate, EncodeUpdate({0, zone, offset, std::string(bytes)}));
  if (!done.ok()) return done.error();
  return OkStatus();
}

Result<std::string> SecureElement::Query(QueryTag tag) {
  return CallOk(CommandCode::kQuery, std::string(1, static_cast<char>(tag)));
}

Result<LifeCycleState> SecureElement::QueryLifeCycle() {
  auto data = EDGEID_TRY(Query(QueryTag::kLifeCycleState));
  if (data.size() != 1) return InvalidArgument("life cycle state: expected one byte");
  return static_cast<LifeCycleState>(data[0]);
}

Result<ProductData> SecureElement::QueryProductData() {
  auto data = EDGEID_TRY(Query(QueryTag::kProductData));
  return DecodeProductData(data);
}

Result<std::vector<ZoneConfig>> SecureElement::QueryDataPartition() {
  auto data = EDGEID_TRY(Query(QueryTag::kDataPartitionConfiguration));
  return DecodeDataPartition(data);
}

Result<RawSignature> SecureElement::GenerateSignature(uint8_t slot, std::string_view digest) {
  auto data = EDGEID_TRY(CallOk(CommandCode::kGenerateSignature,
                                EncodeGenerateSignature({slot, std::string(digest)})));
  return DecodeSignature(data);
}

Result<bool> SecureElement::VerifySignature(const crypto::PublicKey& key,
                                            const RawSignature& signature,
                                            std::string_view digest) {
  auto point = EDGEID_TRY(key.ec_coordinates());
  if (point.curve != "P-256") return InvalidArgument("the element verifies P-256 signatures");
  VerifySignatureParams params{std::string(kP256CurveOid), point.x, point.y, signature,
                               std::string(digest)};
  auto answer = EDGEID_TRY(CallOk(CommandCode::kVerifySignature, EncodeVerifySignature(params)));
  if (answer.size() != 1) return InvalidArgument("Verify Signature: expected one validity byte");
  return answer[0] == 0x01;
}

Result<std::string> SecureElement::ReadCertificate(uint8_t zone) {
  // A DER certificate starts 30 82 LL LL: its whole size is that length plus 4.
  auto header = EDGEID_TRY(Read(zone, 0, 4));
  if (static_cast<uint8_t>(header[0]) != 0x30 || static_cast<uint8_t>(header[1]) != 0x82) {
    return InvalidArgument("zone " + std::to_string(zone) +
                           " does not start with a DER certificate (30 82 ..)");
  }
  size_t size = ((static_cast<uint8_t>(header[2]) << 8) | static_cast<uint8_t>(header[3])) + 4;
  std::string certificate = header;
  while (certificate.size() < size) {
    auto chunk =
        static_cast<uint16_t>(std::min<size_t>(kCertificateChunkBytes, size - certificate.size()));
    auto part = EDGEID_TRY(Read(zone, static_cast<uint16_t>(certificate.size()), chunk));
    certificate += part;
  }
  return certificate;
}

}  // namespace edgeid::device::se
