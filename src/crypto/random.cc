#include "crypto/random.h"

#include <openssl/rand.h>

#include "crypto/encoding.h"
#include "crypto/ossl.h"

namespace edgeid::crypto {

Result<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return OpenSslError(ErrorCode::kInternal, "random generator failed");
  }
  return out;
}

Result<std::string> RandomUuid() {
  auto bytes = EDGEID_TRY(RandomBytes(16));
  bytes[6] = static_cast<char>((static_cast<uint8_t>(bytes[6]) & 0x0f) | 0x40);
  bytes[8] = static_cast<char>((static_cast<uint8_t>(bytes[8]) & 0x3f) | 0x80);
  std::string hex = HexEncode(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

}  // namespace edgeid::crypto
