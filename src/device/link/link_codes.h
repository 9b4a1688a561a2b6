// Numbers of the device link. It is shaped as Bluetooth LE: an L2CAP-like frame whose first byte
// names the channel (ATT 0x0004 and SMP 0x0006 are BLE's fixed channel IDs), Security Manager
// opcodes and Pairing Failed reasons, ATT opcodes and error codes, and GATT's 16-bit UUIDs, all
// with the values the Bluetooth Core specification gives them. What differs from BLE (pairing
// authenticated by certificates, AES-256-GCM frames) has its own numbers.
#pragma once

#include <cstdint>
#include <string>

namespace edgeid::device::link {

// The first byte of every frame.
enum class Channel : uint8_t {
  kAtt = 0x04,     // attribute protocol: after pairing, only inside a sealed frame
  kSmp = 0x06,     // security manager: pairing
  kSealed = 0x80,  // an encrypted, authenticated frame carrying an ATT or SMP PDU
};

// Security Manager opcodes, as BLE's SMP numbers them.
enum class SmpOpcode : uint8_t {
  kPairingRequest = 0x01,
  kPairingResponse = 0x02,
  kPairingFailed = 0x05,
  kDhKeyCheck = 0x0D,  // sealed: the central's signature, then the peripheral's acknowledgement
};

// Pairing Failed reasons, with BLE's values.
enum class PairingFailure : uint8_t {
  kAuthenticationRequirements = 0x03,  // certificate not trusted or not the expected identity
  kConfirmValueFailed = 0x04,          // a signature over the transcript does not verify
  kPairingNotSupported = 0x05,         // unknown protocol version
  kCommandNotSupported = 0x07,
  kUnspecifiedReason = 0x08,
  kRepeatedAttempts = 0x09,
  kInvalidParameters = 0x0A,  // malformed message, bad public key
  kDhKeyCheckFailed = 0x0B,   // the sealed confirmation did not open or verify
};
std::string PairingFailureName(PairingFailure reason);

enum class AttOpcode : uint8_t {
  kErrorResponse = 0x01,
  kReadByTypeRequest = 0x08,
  kReadByTypeResponse = 0x09,
  kReadRequest = 0x0A,
  kReadResponse = 0x0B,
  kReadByGroupTypeRequest = 0x10,
  kReadByGroupTypeResponse = 0x11,
  kWriteRequest = 0x12,
  kWriteResponse = 0x13,
  kHandleValueNotification = 0x1B,
};
std::string AttOpcodeName(uint8_t opcode);

enum class AttError : uint8_t {
  kInvalidHandle = 0x01,
  kReadNotPermitted = 0x02,
  kWriteNotPermitted = 0x03,
  kInvalidPdu = 0x04,
  kInsufficientAuthentication = 0x05,
  kRequestNotSupported = 0x06,
  kInsufficientAuthorization = 0x08,
  kAttributeNotFound = 0x0A,
  kInvalidAttributeValueLength = 0x0D,
  kUnlikelyError = 0x0E,
  kValueNotAllowed = 0x13,
};
std::string AttErrorName(uint8_t code);

// Characteristic properties (bit values of BLE's characteristic declaration).
inline constexpr uint8_t kPropertyRead = 0x02;
inline constexpr uint8_t kPropertyWrite = 0x08;
inline constexpr uint8_t kPropertyNotify = 0x10;

// GATT declarations and descriptors.
inline constexpr uint16_t kPrimaryServiceUuid = 0x2800;
inline constexpr uint16_t kCharacteristicUuid = 0x2803;
inline constexpr uint16_t kClientCharacteristicConfigurationUuid = 0x2902;
inline constexpr uint16_t kNotificationsEnabled = 0x0001;

// Assigned numbers of the services and characteristics the simulated sensor node offers.
inline constexpr uint16_t kDeviceInformationService = 0x180A;
inline constexpr uint16_t kModelNumberString = 0x2A24;
inline constexpr uint16_t kSerialNumberString = 0x2A25;
inline constexpr uint16_t kFirmwareRevisionString = 0x2A26;
inline constexpr uint16_t kEnvironmentalSensingService = 0x181A;
inline constexpr uint16_t kTemperature = 0x2A6E;  // sint16, 0.01 degree Celsius
inline constexpr uint16_t kPressure = 0x2A6D;     // uint32, 0.1 Pa
inline constexpr uint16_t kHumidity = 0x2A6F;     // uint16, 0.01 percent
inline constexpr uint16_t kAutomationIoService = 0x1815;
inline constexpr uint16_t kDigital = 0x2A56;  // the LED: 0x00 off, 0x01 on
// Vendor service carrying secure-element frames (no assigned number exists for it).
inline constexpr uint16_t kSecureElementService = 0xFFF0;
inline constexpr uint16_t kElementCommand = 0xFFF1;  // write a command frame, read the answer

// "0x2a6e"-style text, as KubeEdge device configs name characteristics.
std::string UuidText(uint16_t uuid);

// Largest frame payload: pairing messages carry certificate chains.
inline constexpr size_t kMaxFramePayload = 8192;

}  // namespace edgeid::device::link
