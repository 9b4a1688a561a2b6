#include "crypto/aead.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/ossl.h"

namespace edgeid::crypto {
namespace {

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

Result<Aes256Gcm> Aes256Gcm::Create(std::string_view key) {
  if (key.size() != kAes256GcmKeyBytes) return InvalidArgument("AES-256-GCM key must be 32 bytes");
  CipherCtxPtr seal(EVP_CIPHER_CTX_new());
  CipherCtxPtr open(EVP_CIPHER_CTX_new());
  if (!seal || !open ||
      EVP_EncryptInit_ex(seal.get(), EVP_aes_256_gcm(), nullptr, Bytes(key), nullptr) != 1 ||
      EVP_DecryptInit_ex(open.get(), EVP_aes_256_gcm(), nullptr, Bytes(key), nullptr) != 1) {
    return OpenSslError(ErrorCode::kInternal, "AES-256-GCM key setup");
  }
  return Aes256Gcm(std::move(seal), std::move(open));
}

Result<std::string> Aes256Gcm::Seal(std::string_view nonce, std::string_view aad,
                                    std::string_view plaintext) {
  if (nonce.size() != kAesGcmNonceBytes) return InvalidArgument("GCM nonce must be 12 bytes");
  EVP_CIPHER_CTX* ctx = seal_.get();
  std::string out(plaintext.size() + kAesGcmTagBytes, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  int total = 0;
  if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, Bytes(nonce)) != 1 ||
      (!aad.empty() &&
       EVP_EncryptUpdate(ctx, nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx, dst, &len, Bytes(plaintext), static_cast<int>(plaintext.size())) !=
          1) {
    return OpenSslError(ErrorCode::kInternal, "AES-256-GCM encryption");
  }
  total = len;
  if (EVP_EncryptFinal_ex(ctx, dst + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAesGcmTagBytes),
                          dst + plaintext.size()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "AES-256-GCM tag");
  }
  return out;
}

Result<std::string> Aes256Gcm::Open(std::string_view nonce, std::string_view aad,
                                    std::string_view sealed) {
  if (nonce.size() != kAesGcmNonceBytes) return InvalidArgument("GCM nonce must be 12 bytes");
  if (sealed.size() < kAesGcmTagBytes) return InvalidArgument("sealed frame shorter than its tag");
  const size_t body = sealed.size() - kAesGcmTagBytes;
  EVP_CIPHER_CTX* ctx = open_.get();
  std::string out(body, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  std::string tag(sealed.substr(body));
  int len = 0;
  if (EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, Bytes(nonce)) != 1 ||
      (!aad.empty() &&
       EVP_DecryptUpdate(ctx, nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) != 1) ||
      EVP_DecryptUpdate(ctx, dst, &len, Bytes(sealed), static_cast<int>(body)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kAesGcmTagBytes),
                          tag.data()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "AES-256-GCM decryption");
  }
  if (EVP_DecryptFinal_ex(ctx, dst + len, &len) != 1) {
    ERR_clear_error();
    return InvalidArgument("frame failed authentication (altered, or not sealed with this key)");
  }
  return out;
}

}  // namespace edgeid::crypto
