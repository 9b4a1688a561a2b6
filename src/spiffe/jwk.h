// Public keys as JSON Web Keys (RFC 7517/7518): EC P-256/P-384 and RSA.
#pragma once

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "crypto/public_key.h"

namespace edgeid::spiffe {

// Writes kty and the key parameters (crv, x, y or n, e) into `jwk`.
Status PublicKeyToJwk(const crypto::PublicKey& key, nlohmann::ordered_json& jwk);
// Reads kty and the key parameters of `jwk`.
Result<crypto::PublicKey> PublicKeyFromJwk(const nlohmann::json& jwk);
// True when `jwk` carries key parameters at all (x5c-only entries may omit them).
bool JwkHasKeyParameters(const nlohmann::json& jwk);

}  // namespace edgeid::spiffe
