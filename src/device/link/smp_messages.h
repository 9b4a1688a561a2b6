// The pairing messages of the device link (channel SMP). Pairing follows LE Secure Connections'
// shape, P-256 ECDH with fresh nonces, but each side proves who it is with an X.509-SVID chain and
// a signature over the transcript instead of a passkey.
//
//   Pairing Request  (central):    version | nonce[32] | point[65] | u16 n | certificates[n]
//   Pairing Response (peripheral): version | nonce[32] | point[65] | u16 n | certificates[n]
//                                  | u16 m | signature[m]
//   Pairing Failed   (either):     reason
//   DHKey Check      (sealed):     central: u16 m | signature[m]; peripheral: empty
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "device/link/link_codes.h"

namespace edgeid::device::link {

inline constexpr uint8_t kLinkProtocolVersion = 1;
inline constexpr size_t kPairingNonceBytes = 32;

struct PairingHello {
  uint8_t version = kLinkProtocolVersion;
  std::string nonce;         // 32 random bytes
  std::string public_point;  // uncompressed P-256, 65 bytes
  std::string certificates;  // concatenated DER, leaf first
};

struct PairingResponse {
  PairingHello hello;
  std::string signature;  // by the peripheral's SVID key over the transcript
};

// Whole frame payloads (channel byte first).
std::string EncodePairingRequest(const PairingHello& hello);
std::string EncodePairingResponse(const PairingResponse& response);
// The response as the transcript covers it: everything but the signature.
std::string EncodePairingResponseUnsigned(const PairingHello& hello);
std::string EncodePairingFailed(PairingFailure reason);

Result<PairingHello> DecodePairingRequest(std::string_view frame);
Result<PairingResponse> DecodePairingResponse(std::string_view frame);
// A Pairing Failed frame's reason; InvalidArgument for any other frame.
Result<PairingFailure> DecodePairingFailed(std::string_view frame);
bool IsPairingFailed(std::string_view frame);

// The SMP PDUs that travel sealed (channel byte first, inside the encryption).
std::string EncodeCentralCheck(std::string_view signature);
std::string EncodePeripheralCheck();
Result<std::string> DecodeCentralCheck(std::string_view inner);
Status DecodePeripheralCheck(std::string_view inner);

}  // namespace edgeid::device::link
