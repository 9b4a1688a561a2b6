// A private key. It stays in this process: only the public half and signatures leave it.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "crypto/key_type.h"
#include "crypto/ossl.h"
#include "crypto/public_key.h"

namespace edgeid::crypto {

class PrivateKey {
 public:
  // Takes a reference on `pkey`.
  explicit PrivateKey(EVP_PKEY* pkey);
  PrivateKey(const PrivateKey& other);
  PrivateKey& operator=(const PrivateKey& other);
  PrivateKey(PrivateKey&&) noexcept = default;
  PrivateKey& operator=(PrivateKey&&) noexcept = default;
  ~PrivateKey() = default;

  static Result<PrivateKey> Generate(KeyType type);
  // PKCS#8 or the traditional SEC1/PKCS#1 forms the openssl CLI writes. Encrypted keys are
  // refused: nothing here can ask for a passphrase.
  static Result<PrivateKey> FromPem(std::string_view pem);
  static Result<PrivateKey> FromDer(std::string_view der);

  Result<std::string> ToPkcs8Der() const;
  Result<std::string> ToPkcs8Pem() const;

  PublicKey public_key() const { return PublicKey(pkey_.get()); }
  KeyFamily family() const { return public_key().family(); }
  // The algorithm certificates signed by this key use: ECDSA with the curve's hash, or RSA
  // PKCS#1 v1.5 with SHA-256.
  SignatureAlgorithm DefaultSignatureAlgorithm() const;

  Result<std::string> Sign(SignatureAlgorithm alg, std::string_view data) const;
  // ECDSA over a digest the caller computed (as a secure element signs a host's challenge):
  // DER SEQUENCE{r, s}. EC keys only.
  Result<std::string> SignDigest(std::string_view digest) const;

  EVP_PKEY* get() const { return pkey_.get(); }

 private:
  EvpPkeyPtr pkey_;
};

}  // namespace edgeid::crypto
