#include "crypto/random.h"

#include <openssl/rand.h>

#include "crypto/ossl.h"

namespace edgeid::crypto {

Result<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return OpenSslError(ErrorCode::kInternal, "random generator failed");
  }
  return out;
}

}  // namespace edgeid::crypto
