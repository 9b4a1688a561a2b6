// Host driver of an STSAFE-A110: builds command frames, sends them over a transport (I2C on a
// board; the device link here) and decodes the answers. A status other than OK becomes an
// error naming the command and the status.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "crypto/public_key.h"
#include "device/se/codes.h"
#include "device/se/commands.h"
#include "device/se/frame.h"

namespace edgeid::device::se {

// Carries one command frame to the element and brings back its whole response frame.
class ElementTransport {
 public:
  virtual ~ElementTransport() = default;
  virtual Result<std::string> Exchange(std::string_view command_frame) = 0;
};

// Zone 0 holds the element's DER certificate; slot 0 the key it certifies.
inline constexpr uint8_t kCertificateZone = 0;
inline constexpr uint8_t kDeviceKeySlot = 0;
// Certificate reads go in chunks that fit a frame with room to spare (as ST's host code does).
inline constexpr uint16_t kCertificateChunkBytes = 253;

class SecureElement {
 public:
  explicit SecureElement(ElementTransport& transport) : transport_(transport) {}

  // One command, answered with any status: for callers that expect refusals.
  Result<Response> Call(CommandCode code, std::string_view data);

  Result<std::string> Echo(std::string_view message);
  Result<std::string> GenerateRandom(uint8_t size);
  Result<std::string> Read(uint8_t zone, uint16_t offset, uint16_t length);
  Status Update(uint8_t zone, uint16_t offset, std::string_view bytes);
  Result<std::string> Query(QueryTag tag);
  Result<LifeCycleState> QueryLifeCycle();
  Result<ProductData> QueryProductData();
  Result<std::vector<ZoneConfig>> QueryDataPartition();
  // ECDSA with the key in `slot` over `digest` as given: R and S.
  Result<RawSignature> GenerateSignature(uint8_t slot, std::string_view digest);
  // Has the element check a P-256 signature: true when valid.
  Result<bool> VerifySignature(const crypto::PublicKey& key, const RawSignature& signature,
                               std::string_view digest);
  // The DER certificate in `zone`: its size from the DER header at offset 2, then the whole.
  Result<std::string> ReadCertificate(uint8_t zone = kCertificateZone);

 private:
  Result<std::string> CallOk(CommandCode code, std::string_view data);

  ElementTransport& transport_;
};

// Maps an element status onto an error code: refusals of access are PermissionDenied, missing
// zones and keys NotFound, transport faults Unavailable, the rest InvalidArgument.
ErrorCode ErrorCodeFor(ResponseStatus status);

}  // namespace edgeid::device::se
