#include "crypto/ossl.h"

#include <openssl/err.h>

namespace edgeid::crypto {

Error OpenSslError(ErrorCode code, std::string_view what) {
  std::string message(what);
  bool first = true;
  while (unsigned long err = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof buf);
    message += first ? " (" : "; ";
    message += buf;
    first = false;
  }
  if (!first) message += ")";
  return Error{code, std::move(message)};
}

BioPtr MemoryBio(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string MemoryBioContents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace edgeid::crypto
