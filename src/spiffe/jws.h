// JWS compact serialization (RFC 7515 §7.1) with the algorithms JWT-SVID allows (JWT-SVID §2).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "crypto/private_key.h"
#include "crypto/public_key.h"

namespace edgeid::spiffe {

enum class JwsAlgorithm { kRS256, kRS384, kRS512, kES256, kES384, kES512, kPS256, kPS384, kPS512 };

std::string_view JwsAlgorithmName(JwsAlgorithm alg);
// Only the nine asymmetric algorithms JWT-SVID allows; "none" and HMAC get their own message.
Result<JwsAlgorithm> ParseJwsAlgorithm(std::string_view name);
// The algorithm a key signs JWT-SVIDs with by default: ES256/ES384 by curve, RS256 for RSA.
Result<JwsAlgorithm> DefaultJwsAlgorithm(const crypto::PublicKey& key);

struct JwsParts {
  std::string_view header_b64;
  std::string_view payload_b64;
  std::string_view signature_b64;
  std::string_view signing_input;  // header_b64 "." payload_b64
};

Result<JwsParts> SplitJwsCompact(std::string_view token);

// Signs "header.payload" and returns the compact token.
Result<std::string> SignJws(JwsAlgorithm alg, const crypto::PrivateKey& key,
                            std::string_view header_json, std::string_view payload_json);
// Verifies a raw (already base64url-decoded) JWS signature; the key must fit the algorithm.
Status VerifyJwsSignature(JwsAlgorithm alg, const crypto::PublicKey& key,
                          std::string_view signing_input, std::string_view signature);

}  // namespace edgeid::spiffe
