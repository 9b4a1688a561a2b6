// Ephemeral P-256 Diffie-Hellman, as LE Secure Connections pairs: each side makes a fresh key per
// pairing, sends its public point, and both derive the same secret. The private half never leaves
// the object.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "crypto/ossl.h"

namespace edgeid::crypto {

// An uncompressed SEC1 P-256 point: 0x04 || X || Y.
inline constexpr size_t kP256PointBytes = 65;
inline constexpr size_t kP256SharedSecretBytes = 32;

class EphemeralKeyAgreement {
 public:
  static Result<EphemeralKeyAgreement> Generate();

  // This side's public point, uncompressed (65 bytes).
  const std::string& public_point() const { return public_point_; }

  // The X coordinate of the shared point. The peer's point must be an uncompressed P-256 point
  // on the curve (OpenSSL checks that); anything else is InvalidArgument.
  Result<std::string> SharedSecret(std::string_view peer_point) const;

 private:
  EphemeralKeyAgreement(EvpPkeyPtr key, std::string public_point)
      : key_(std::move(key)), public_point_(std::move(public_point)) {}

  EvpPkeyPtr key_;
  std::string public_point_;
};

}  // namespace edgeid::crypto
