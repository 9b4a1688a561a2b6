// Shared details of signature algorithms, and ECDSA signature encodings.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "crypto/key_type.h"
#include "crypto/ossl.h"

namespace edgeid::crypto {

const EVP_MD* DigestFor(SignatureAlgorithm alg);
bool IsEcdsa(SignatureAlgorithm alg);
bool IsRsaPss(SignatureAlgorithm alg);

// ECDSA DER SEQUENCE{r, s} <-> fixed-size big-endian r||s (JWS, RFC 7518 §3.4).
Result<std::string> EcdsaDerToRaw(std::string_view der, size_t coordinate_size);
Result<std::string> EcdsaRawToDer(std::string_view raw);

}  // namespace edgeid::crypto
