// Attribute protocol PDUs of the device link, laid out as BLE's ATT (opcode, then little-endian
// handles and UUIDs). Discovery uses Read By Group Type over primary services and Read By Type
// over characteristic declarations, as a GATT client does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"
#include "device/link/link_codes.h"

namespace edgeid::device::link {

struct AttErrorResponse {
  uint8_t request_opcode = 0;
  uint16_t handle = 0;
  uint8_t error = 0;  // AttError
};
struct AttReadRequest {
  uint16_t handle = 0;
};
struct AttReadResponse {
  std::string value;
};
struct AttWriteRequest {
  uint16_t handle = 0;
  std::string value;
};
struct AttWriteResponse {};
struct AttNotification {
  uint16_t handle = 0;
  std::string value;
};
// Read By Group Type over kPrimaryServiceUuid.
struct AttDiscoverServices {
  uint16_t start = 0x0001;
  uint16_t end = 0xFFFF;
};
struct ServiceRange {
  uint16_t start = 0;
  uint16_t end = 0;
  uint16_t uuid = 0;
};
struct AttServices {
  std::vector<ServiceRange> services;
};
// Read By Type over kCharacteristicUuid.
struct AttDiscoverCharacteristics {
  uint16_t start = 0x0001;
  uint16_t end = 0xFFFF;
};
struct CharacteristicDeclaration {
  uint16_t declaration_handle = 0;
  uint8_t properties = 0;
  uint16_t value_handle = 0;
  uint16_t uuid = 0;
};
struct AttCharacteristics {
  std::vector<CharacteristicDeclaration> characteristics;
};

using AttPdu = std::variant<AttErrorResponse, AttReadRequest, AttReadResponse, AttWriteRequest,
                            AttWriteResponse, AttNotification, AttDiscoverServices, AttServices,
                            AttDiscoverCharacteristics, AttCharacteristics>;

// Channel byte, opcode, parameters.
std::string EncodeAtt(const AttPdu& pdu);
// Refuses other channels, unknown opcodes, short or trailing bytes and discovery over other UUIDs,
// naming what is wrong.
Result<AttPdu> DecodeAtt(std::string_view inner);
// The opcode of an ATT frame, for answering a request that does not decode.
uint8_t AttOpcodeOf(std::string_view inner);

// Requests are answered; notifications and responses are not.
bool IsAttRequest(const AttPdu& pdu);

}  // namespace edgeid::device::link
