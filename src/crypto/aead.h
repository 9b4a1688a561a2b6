// AES-256-GCM: confidentiality and integrity for a paired link's frames. The caller owns nonce
// uniqueness (the link uses a per-direction counter, never reused under one key). The key
// schedule is computed once; an object is used by one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "crypto/ossl.h"

namespace edgeid::crypto {

inline constexpr size_t kAes256GcmKeyBytes = 32;
inline constexpr size_t kAesGcmNonceBytes = 12;
inline constexpr size_t kAesGcmTagBytes = 16;

class Aes256Gcm {
 public:
  // `key` must be 32 bytes.
  static Result<Aes256Gcm> Create(std::string_view key);

  // ciphertext || 16-byte tag.
  Result<std::string> Seal(std::string_view nonce, std::string_view aad,
                           std::string_view plaintext);
  // InvalidArgument when the tag does not verify: the frame was altered, or belongs to another
  // key, nonce or header.
  Result<std::string> Open(std::string_view nonce, std::string_view aad, std::string_view sealed);

 private:
  using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, OsslDeleter<EVP_CIPHER_CTX_free>>;
  Aes256Gcm(CipherCtxPtr seal, CipherCtxPtr open)
      : seal_(std::move(seal)), open_(std::move(open)) {}
  CipherCtxPtr seal_;
  CipherCtxPtr open_;
};

}  // namespace edgeid::crypto
