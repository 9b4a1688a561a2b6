// A public key of any type OpenSSL knows, with the operations the standards need.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "crypto/key_type.h"
#include "crypto/ossl.h"

namespace edgeid::crypto {

enum class KeyFamily { kEc, kRsa, kOther };

struct EcPublicCoordinates {
  std::string curve;  // JOSE name: "P-256" or "P-384"
  std::string x, y;   // big-endian, left-padded to the coordinate size
};

struct RsaPublicParameters {
  std::string n, e;  // big-endian, no leading zeros
};

class PublicKey {
 public:
  // Takes a reference on `pkey`.
  explicit PublicKey(EVP_PKEY* pkey);
  PublicKey(const PublicKey& other);
  PublicKey& operator=(const PublicKey& other);
  PublicKey(PublicKey&&) noexcept = default;
  PublicKey& operator=(PublicKey&&) noexcept = default;
  ~PublicKey() = default;

  static Result<PublicKey> FromDer(std::string_view spki_der);
  static Result<PublicKey> FromPem(std::string_view pem);
  static Result<PublicKey> FromEcCoordinates(const EcPublicCoordinates& coords);
  static Result<PublicKey> FromRsaParameters(const RsaPublicParameters& params);

  std::string ToDer() const;  // SubjectPublicKeyInfo
  std::string ToPem() const;

  KeyFamily family() const;
  int bits() const;
  // The edgeid key type, when the key is one of them.
  std::optional<KeyType> key_type() const;
  Result<EcPublicCoordinates> ec_coordinates() const;
  Result<RsaPublicParameters> rsa_parameters() const;

  // The algorithm signatures by this key's private half use: ECDSA with the curve's hash, or RSA
  // PKCS#1 v1.5 with SHA-256.
  SignatureAlgorithm DefaultSignatureAlgorithm() const;
  // Verifies `signature` over `data`; a mismatch or a malformed signature is InvalidArgument.
  Status Verify(SignatureAlgorithm alg, std::string_view data, std::string_view signature) const;
  // ECDSA over a given digest, DER signature; InvalidArgument when it does not verify.
  Status VerifyDigest(std::string_view digest, std::string_view der_signature) const;

  // Refuses keys edgeid does not accept as authorities: other types, other curves, RSA under
  // 2048 bits or with an invalid modulus or exponent.
  Status Validate() const;

  bool operator==(const PublicKey& other) const;
  EVP_PKEY* get() const { return pkey_.get(); }

 private:
  EvpPkeyPtr pkey_;
};

}  // namespace edgeid::crypto
