// Command codes and response status codes of the STSAFE-A110 (ST's STSELib,
// services/stsafea/stsafea_commands.h and core/stse_return_codes.h).
#pragma once

#include <cstdint>
#include <string>

namespace edgeid::device::se {

enum class CommandCode : uint8_t {
  kEcho = 0x00,
  kReset = 0x01,
  kGenerateRandom = 0x02,
  kStartSession = 0x03,
  kDecrement = 0x04,
  kRead = 0x05,
  kUpdate = 0x06,
  kIncrement = 0x07,
  kGenerateMac = 0x09,
  kVerifyMac = 0x0A,
  kHibernate = 0x0D,
  kPutAttribute = 0x10,
  kGenerateKey = 0x11,
  kQuery = 0x14,
  kGetSignature = 0x15,
  kGenerateSignature = 0x16,
  kVerifySignature = 0x17,
  kEstablishKey = 0x18,
  kStandby = 0x19,
  kVerifyPassword = 0x1A,
  kEncrypt = 0x1B,
  kDecrypt = 0x1C,
};

enum class ResponseStatus : uint8_t {
  kOk = 0x00,
  kCommunicationError = 0x01,
  kInconsistentData = 0x02,
  kValueOutOfRange = 0x03,
  kCommandNotSupported = 0x04,
  kUnexpectedError = 0x05,
  kBufferLengthExceeded = 0x06,
  kSessionError = 0x07,
  kTooManyMessagesLost = 0x08,
  kCmacCounterAtMaximum = 0x09,
  kKeyNotFound = 0x0A,
  kKeyBlocked = 0x0B,
  kWrongKeyType = 0x0C,
  kSessionCounterOutOfRange = 0x0D,
  kInvalidLifeCycle = 0x0F,
  kEntryNotFound = 0x10,
  kAccessConditionNotSatisfied = 0x11,
  kWrongZoneType = 0x12,
  kCounterLimitExceeded = 0x13,
  kBoundaryExceeded = 0x14,
  kInvalidPrivateKey = 0x15,
  kInvalidCmac = 0x16,
  kChallengeMissing = 0x17,
  kCommandDecryptionError = 0x18,
  kInvalidPublicKey = 0x19,
  kPasswordBlocked = 0x1A,
  kWrongKeyUsage = 0x1B,
  kWrongModeOfOperation = 0x1C,
  kWrongMacLength = 0x1D,
  kNotAuthorised = 0x1E,
  kOldMessage = 0x1F,
};

// "Generate Signature (0x16)"; unknown codes as "command 0x1D".
std::string CommandName(uint8_t code);
// "access condition not satisfied (0x11)".
std::string StatusName(uint8_t status);

}  // namespace edgeid::device::se
