#include "device/se/codes.h"

#include "crypto/encoding.h"

namespace edgeid::device::se {
namespace {

std::string Hex(uint8_t value) {
  return "0x" + crypto::HexEncode(std::string(1, static_cast<char>(value)), true);
}

const char* KnownCommand(uint8_t code) {
  switch (static_cast<CommandCode>(code)) {
    case CommandCode::kEcho:
      return "Echo";
    case CommandCode::kReset:
      return "Reset";
    case CommandCode::kGenerateRandom:
      return "Generate Random";
    case CommandCode::kStartSession:
      return "Start Session";
    case CommandCode::kDecrement:
      return "Decrement";
    case CommandCode::kRead:
      return "Read";
    case CommandCode::kUpdate:
      return "Update";
    case CommandCode::kIncrement:
      return "Increment";
    case CommandCode::kGenerateMac:
      return "Generate MAC";
    case CommandCode::kVerifyMac:
      return "Verify MAC";
    case CommandCode::kHibernate:
      return "Hibernate";
    case CommandCode::kPutAttribute:
      return "Put Attribute";
    case CommandCode::kGenerateKey:
      return "Generate Key";
    case CommandCode::kQuery:
      return "Query";
    case CommandCode::kGetSignature:
      return "Get Signature";
    case CommandCode::kGenerateSignature:
      return "Generate Signature";
    case CommandCode::kVerifySignature:
      return "Verify Signature";
    case CommandCode::kEstablishKey:
      return "Establish Key";
    case CommandCode::kStandby:
      return "Standby";
    case CommandCode::kVerifyPassword:
      return "Verify Password";
    case CommandCode::kEncrypt:
      return "Encrypt";
    case CommandCode::kDecrypt:
      return "Decrypt";
  }
  return nullptr;
}

const char* KnownStatus(uint8_t status) {
  switch (static_cast<ResponseStatus>(status)) {
    case ResponseStatus::kOk:
      return "ok";
    case ResponseStatus::kCommunicationError:
      return "communication error";
    case ResponseStatus::kInconsistentData:
      return "inconsistent command data";
    case ResponseStatus::kValueOutOfRange:
      return "value out of range";
    case ResponseStatus::kCommandNotSupported:
      return "command code not supported";
    case ResponseStatus::kUnexpectedError:
      return "unexpected error";
    case ResponseStatus::kBufferLengthExceeded:
      return "buffer length exceeded";
    case ResponseStatus::kSessionError:
      return "session error";
    case ResponseStatus::kTooManyMessagesLost:
      return "too many messages lost";
    case ResponseStatus::kCmacCounterAtMaximum:
      return "C-MAC counter at maximum";
    case ResponseStatus::kKeyNotFound:
      return "key not found";
    case ResponseStatus::kKeyBlocked:
      return "key blocked";
    case ResponseStatus::kWrongKeyType:
      return "wrong key type";
    case ResponseStatus::kSessionCounterOutOfRange:
      return "session counter out of range";
    case ResponseStatus::kInvalidLifeCycle:
      return "invalid life cycle state";
    case ResponseStatus::kEntryNotFound:
      return "entry not found";
    case ResponseStatus::kAccessConditionNotSatisfied:
      return "access condition not satisfied";
    case ResponseStatus::kWrongZoneType:
      return "wrong zone type";
    case ResponseStatus::kCounterLimitExceeded:
      return "counter limit exceeded";
    case ResponseStatus::kBoundaryExceeded:
      return "boundary exceeded";
    case ResponseStatus::kInvalidPrivateKey:
      return "invalid private key";
    case ResponseStatus::kInvalidCmac:
      return "invalid C-MAC";
    case ResponseStatus::kChallengeMissing:
      return "challenge missing";
    case ResponseStatus::kCommandDecryptionError:
      return "command decryption error";
    case ResponseStatus::kInvalidPublicKey:
      return "invalid public key";
    case ResponseStatus::kPasswordBlocked:
      return "password blocked";
    case ResponseStatus::kWrongKeyUsage:
      return "wrong key usage";
    case ResponseStatus::kWrongModeOfOperation:
      return "wrong mode of operation";
    case ResponseStatus::kWrongMacLength:
      return "wrong MAC length";
    case ResponseStatus::kNotAuthorised:
      return "command not authorised";
    case ResponseStatus::kOldMessage:
      return "old message";
  }
  return nullptr;
}

}  // namespace

std::string CommandName(uint8_t code) {
  const char* name = KnownCommand(code);
  return name != nullptr ? std::string(name) + " (" + Hex(code) + ")" : "command " + Hex(code);
}

std::string StatusName(uint8_t status) {
  const char* name = KnownStatus(status);
  return name != nullptr ? std::string(name) + " (" + Hex(status) + ")" : "status " + Hex(status);
}

}  // namespace edgeid::device::se
