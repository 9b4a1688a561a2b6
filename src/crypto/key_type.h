#pragma once

#include <string_view>

#include "common/result.h"

namespace edgeid::crypto {

// Key types with SPIRE's config names: ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096.
enum class KeyType { kEcP256, kEcP384, kRsa2048, kRsa3072, kRsa4096 };

std::string_view KeyTypeName(KeyType type);
Result<KeyType> ParseKeyType(std::string_view name);

// Signature schemes. ECDSA signatures are DER-encoded (as X.509 carries them); JWS code converts
// them to the fixed-size r||s form.
enum class SignatureAlgorithm {
  kEcdsaSha256,
  kEcdsaSha384,
  kEcdsaSha512,
  kRsaPkcs1Sha256,
  kRsaPkcs1Sha384,
  kRsaPkcs1Sha512,
  kRsaPssSha256,
  kRsaPssSha384,
  kRsaPssSha512,
};

}  // namespace edgeid::crypto
