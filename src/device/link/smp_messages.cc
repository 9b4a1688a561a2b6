#include "device/link/smp_messages.h"

#include "common/byte_reader.h"
#include "crypto/key_agreement.h"

namespace edgeid::device::link {
namespace {

std::string Header(SmpOpcode opcode) {
  std::string out;
  out.push_back(static_cast<char>(Channel::kSmp));
  out.push_back(static_cast<char>(opcode));
  return out;
}

void AppendHello(std::string& out, const PairingHello& hello) {
  out.push_back(static_cast<char>(hello.version));
  out += hello.nonce;
  out += hello.public_point;
  AppendLengthPrefixed(out, hello.certificates);
}

// Checks the channel and opcode and leaves the reader after them.
Status ExpectHeader(ByteReader& reader, Channel channel, SmpOpcode opcode, const char* what) {
  uint8_t got_channel = EDGEID_TRY(reader.U8("channel"));
  if (got_channel != static_cast<uint8_t>(channel)) {
    return InvalidArgument(std::string(what) + ": frame is not on the expected channel");
  }
  uint8_t got_opcode = EDGEID_TRY(reader.U8("opcode"));
  if (got_opcode != static_cast<uint8_t>(opcode)) {
    return InvalidArgument(std::string(what) + ": expected opcode " +
                           std::to_string(static_cast<int>(opcode)) + ", got " +
                           std::to_string(static_cast<int>(got_opcode)));
  }
  return OkStatus();
}

Result<PairingHello> ReadHello(ByteReader& reader) {
  PairingHello hello;
  hello.version = EDGEID_TRY(reader.U8("version"));
  if (hello.version != kLinkProtocolVersion) {
    return Error{ErrorCode::kUnimplemented,
                 "pairing: protocol version " + std::to_string(hello.version) + " not supported"};
  }
  hello.nonce = EDGEID_TRY(reader.Bytes(kPairingNonceBytes, "nonce"));
  hello.public_point = EDGEID_TRY(reader.Bytes(crypto::kP256PointBytes, "public key"));
  hello.certificates = EDGEID_TRY(reader.LengthPrefixed("certificates"));
  if (hello.certificates.empty()) return InvalidArgument("pairing: no certificate");
  return hello;
}

}  // namespace

std::string EncodePairingRequest(const PairingHello& hello) {
  std::string out = Header(SmpOpcode::kPairingRequest);
  AppendHello(out, hello);
  return out;
}

std::string EncodePairingResponseUnsigned(const PairingHello& hello) {
  std::string out = Header(SmpOpcode::kPairingResponse);
  AppendHello(out, hello);
  return out;
}

std::string EncodePairingResponse(const PairingResponse& response) {
  std::string out = EncodePairingResponseUnsigned(response.hello);
  AppendLengthPrefixed(out, response.signature);
  return out;
}

std::string EncodePairingFailed(PairingFailure reason) {
  std::string out = Header(SmpOpcode::kPairingFailed);
  out.push_back(static_cast<char>(reason));
  return out;
}

Result<PairingHello> DecodePairingRequest(std::string_view frame) {
  ByteReader reader(frame, "Pairing Request");
  EDGEID_RETURN_IF_ERROR(
      ExpectHeader(reader, Channel::kSmp, SmpOpcode::kPairingRequest, "Pairing Request"));
  PairingHello hello = EDGEID_TRY(ReadHello(reader));
  EDGEID_RETURN_IF_ERROR(reader.End());
  return hello;
}

Result<PairingResponse> DecodePairingResponse(std::string_view frame) {
  ByteReader reader(frame, "Pairing Response");
  EDGEID_RETURN_IF_ERROR(
      ExpectHeader(reader, Channel::kSmp, SmpOpcode::kPairingResponse, "Pairing Response"));
  PairingResponse response;
  response.hello = EDGEID_TRY(ReadHello(reader));
  response.signature = EDGEID_TRY(reader.LengthPrefixed("signature"));
  EDGEID_RETURN_IF_ERROR(reader.End());
  if (response.signature.empty()) return InvalidArgument("Pairing Response: empty signature");
  return response;
}

bool IsPairingFailed(std::string_view frame) {
  return frame.size() == 3 &&
         static_cast<uint8_t>(frame[0]) == static_cast<uint8_t>(Channel::kSmp) &&
         static_cast<uint8_t>(frame[1]) == static_cast<uint8_t>(SmpOpcode::kPairingFailed);
}

Result<PairingFailure> DecodePairingFailed(std::string_view frame) {
  if (!IsPairingFailed(frame)) return InvalidArgument("not a Pairing Failed frame");
  return static_cast<PairingFailure>(static_cast<uint8_t>(frame[2]));
}

std::string EncodeCentralCheck(std::string_view signature) {
  std::string out = Header(SmpOpcode::kDhKeyCheck);
  AppendLengthPrefixed(out, signature);
  return out;
}

std::string EncodePeripheralCheck() {
  return Header(SmpOpcode::kDhKeyCheck);
}

Result<std::string> DecodeCentralCheck(std::string_view inner) {
  ByteReader reader(inner, "DHKey Check");
  EDGEID_RETURN_IF_ERROR(
      ExpectHeader(reader, Channel::kSmp, SmpOpcode::kDhKeyCheck, "DHKey Check"));
  std::string signature = EDGEID_TRY(reader.LengthPrefixed("signature"));
  EDGEID_RETURN_IF_ERROR(reader.End());
  if (signature.empty()) return InvalidArgument("DHKey Check: empty signature");
  return signature;
}

Status DecodePeripheralCheck(std::string_view inner) {
  ByteReader reader(inner, "DHKey Check");
  EDGEID_RETURN_IF_ERROR(
      ExpectHeader(reader, Channel::kSmp, SmpOpcode::kDhKeyCheck, "DHKey Check"));
  return reader.End();
}

}  // namespace edgeid::device::link
