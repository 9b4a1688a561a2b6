// JWT-SVIDs (JWT-SVID.md): minting and validation with the whole rule set.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "crypto/private_key.h"
#include "spiffe/jws.h"
#include "spiffe/spiffe_id.h"
#include "spiffe/x509_bundle.h"

namespace edgeid::spiffe {

using TimePoint = std::chrono::system_clock::time_point;

inline constexpr size_t kMaxJwtSvidSize = size_t{16} * 1024;

struct JwtSvidParams {
  SpiffeId subject;
  std::vector<std::string> audience;  // at least one; one is recommended (JWT-SVID §3)
  TimePoint issued_at;
  TimePoint expiry;
  std::string key_id;    // required: validators look the key up by it
  std::string issuer{};  // optional "iss", e.g. an OIDC discovery issuer
};

Result<std::string> MintJwtSvid(const JwtSvidParams& params, const crypto::PrivateKey& key,
                                JwsAlgorithm alg);

struct JwtSvid {
  SpiffeId id;
  std::vector<std::string> audience;
  TimePoint expiry;
  std::string key_id;
  JwsAlgorithm algorithm;
  nlohmann::json claims;
  std::string token;
};

struct JwtValidationOptions {
  // Tolerated clock difference for exp, nbf and iat.
  std::chrono::seconds leeway{30};
};

// Parses and validates `token`: allowed header members and algorithm, key ID found in the JWT
// bundle of the subject's trust domain, signature, exp/nbf/iat with leeway, `audience` present
// in aud, sub a SPIFFE ID with a path.
Result<JwtSvid> ValidateJwtSvid(std::string_view token, const JwtBundleSource& bundles,
                                std::string_view audience, TimePoint now,
                                const JwtValidationOptions& options = {});

// Reads the claims without any validation: for display and diagnostics only.
Result<nlohmann::json> ParseJwtClaimsInsecure(std::string_view token);

}  // namespace edgeid::spiffe
