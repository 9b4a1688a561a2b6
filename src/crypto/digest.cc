#include "crypto/digest.h"

#include <openssl/evp.h>

namespace edgeid::crypto {
namespace {

std::string Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace

std::string Sha256(std::string_view data) {
  return Digest(EVP_sha256(), data);
}
std::string Sha1(std::string_view data) {
  return Digest(EVP_sha1(), data);
}

}  // namespace edgeid::crypto
