#include "device/link/link_codes.h"

#include <cstdio>

namespace edgeid::device::link {
namespace {

std::string Hex(uint8_t code) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", code);
  return buf;
}

std::string Named(const char* name, uint8_t code) {
  return std::string(name) + " (" + Hex(code) + ")";
}

}  // namespace

std::string PairingFailureName(PairingFailure reason) {
  auto code = static_cast<uint8_t>(reason);
  switch (reason) {
    case PairingFailure::kAuthenticationRequirements:
      return Named("authentication requirements not met", code);
    case PairingFailure::kConfirmValueFailed:
      return Named("confirm value failed", code);
    case PairingFailure::kPairingNotSupported:
      return Named("pairing not supported", code);
    case PairingFailure::kCommandNotSupported:
      return Named("command not supported", code);
    case PairingFailure::kUnspecifiedReason:
      return Named("unspecified reason", code);
    case PairingFailure::kRepeatedAttempts:
      return Named("repeated attempts", code);
    case PairingFailure::kInvalidParameters:
      return Named("invalid parameters", code);
    case PairingFailure::kDhKeyCheckFailed:
      return Named("DHKey check failed", code);
  }
  return Named("unknown reason", code);
}

std::string AttOpcodeName(uint8_t opcode) {
  switch (static_cast<AttOpcode>(opcode)) {
    case AttOpcode::kErrorResponse:
      return Named("Error Response", opcode);
    case AttOpcode::kReadByTypeRequest:
      return Named("Read By Type Request", opcode);
    case AttOpcode::kReadByTypeResponse:
      return Named("Read By Type Response", opcode);
    case AttOpcode::kReadRequest:
      return Named("Read Request", opcode);
    case AttOpcode::kReadResponse:
      return Named("Read Response", opcode);
    case AttOpcode::kReadByGroupTypeRequest:
      return Named("Read By Group Type Request", opcode);
    case AttOpcode::kReadByGroupTypeResponse:
      return Named("Read By Group Type Response", opcode);
    case AttOpcode::kWriteRequest:
      return Named("Write Request", opcode);
    case AttOpcode::kWriteResponse:
      return Named("Write Response", opcode);
    case AttOpcode::kHandleValueNotification:
      return Named("Handle Value Notification", opcode);
  }
  return Named("opcode", opcode);
}

std::string AttErrorName(uint8_t code) {
  switch (static_cast<AttError>(code)) {
    case AttError::kInvalidHandle:
      return Named("invalid handle", code);
    case AttError::kReadNotPermitted:
      return Named("read not permitted", code);
    case AttError::kWriteNotPermitted:
      return Named("write not permitted", code);
    case AttError::kInvalidPdu:
      return Named("invalid PDU", code);
    case AttError::kInsufficientAuthentication:
      return Named("insufficient authentication", code);
    case AttError::kRequestNotSupported:
      return Named("request not supported", code);
    case AttError::kInsufficientAuthorization:
      return Named("insufficient authorization", code);
    case AttError::kAttributeNotFound:
      return Named("attribute not found", code);
    case AttError::kInvalidAttributeValueLength:
      return Named("invalid attribute value length", code);
    case AttError::kUnlikelyError:
      return Named("unlikely error", code);
    case AttError::kValueNotAllowed:
      return Named("value not allowed", code);
  }
  return Named("ATT error", code);
}

std::string UuidText(uint16_t uuid) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", uuid);
  return buf;
}

}  // namespace edgeid::device::link
