#include "crypto/hkdf.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include "crypto/ossl.h"

namespace edgeid::crypto {
namespace {

using EvpKdfPtr = std::unique_ptr<EVP_KDF, OsslDeleter<EVP_KDF_free>>;
using EvpKdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, OsslDeleter<EVP_KDF_CTX_free>>;
using EvpMacPtr = std::unique_ptr<EVP_MAC, OsslDeleter<EVP_MAC_free>>;
using EvpMacCtxPtr = std::unique_ptr<EVP_MAC_CTX, OsslDeleter<EVP_MAC_CTX_free>>;

// OSSL_PARAM wants mutable pointers even for input it only reads.
void* Mutable(std::string_view bytes) {
  return const_cast<char*>(bytes.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast)
}

}  // namespace

Result<std::string> HkdfSha256(std::string_view secret, std::string_view salt,
                               std::string_view info, size_t length) {
  if (length == 0 || length > size_t{255} * 32)
    return InvalidArgument("HKDF output length out of range");
  EvpKdfPtr kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) return OpenSslError(ErrorCode::kInternal, "fetching HKDF");
  EvpKdfCtxPtr ctx(EVP_KDF_CTX_new(kdf.get()));
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, Mutable(secret), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, Mutable(salt), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, Mutable(info), info.size()),
      OSSL_PARAM_construct_end(),
  };
  std::string out(length, '\0');
  if (!ctx || EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), length,
                             params) <= 0) {
    return OpenSslError(ErrorCode::kInternal, "HKDF-SHA256");
  }
  return out;
}

Result<std::string> HmacSha256(std::string_view key, std::string_view data) {
  EvpMacPtr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) return OpenSslError(ErrorCode::kInternal, "fetching HMAC");
  EvpMacCtxPtr ctx(EVP_MAC_CTX_new(mac.get()));
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  std::string out(32, '\0');
  size_t written = 0;
  if (!ctx ||
      EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   params) <= 0 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) <=
          0 ||
      EVP_MAC_final(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &written,
                    out.size()) <= 0) {
    return OpenSslError(ErrorCode::kInternal, "HMAC-SHA256");
  }
  out.resize(written);
  return out;
}

}  // namespace edgeid::crypto
