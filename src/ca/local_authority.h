// Authority management, as SPIRE's localauthority API: the states an operator sees (active,
// prepared, old, tainted) and the IDs that name them. An X.509 authority is named by its CA
// certificate's subject key ID in lower-case hex, a JWT authority by its key ID ("kid").
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "crypto/certificate.h"

namespace edgeid::ca {

struct AuthorityState {
  std::string authority_id;
  std::chrono::system_clock::time_point expires_at{};
  // The subject key ID (hex) of the upstream certificate that signed an X.509 authority; empty
  // for a self-signed one and for JWT authorities.
  std::string upstream_authority_subject_key_id;
  bool tainted = false;
};

struct AuthorityStates {
  std::optional<AuthorityState> active;
  std::optional<AuthorityState> prepared;
  std::vector<AuthorityState> old;  // no longer signing, still published
};

// What agents must rotate away from: authorities an operator tainted (see docs/ca.md).
struct TaintedAuthorities {
  std::set<std::string> x509;  // authority IDs
  std::set<std::string> jwt;   // key IDs
  bool operator==(const TaintedAuthorities&) const = default;
  bool empty() const { return x509.empty() && jwt.empty(); }
};

// The authority ID of a CA certificate: its subject key ID in hex (SPIRE's rule).
std::string X509AuthorityId(const crypto::Certificate& ca);

}  // namespace edgeid::ca
