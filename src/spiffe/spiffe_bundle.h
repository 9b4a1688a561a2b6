// The SPIFFE bundle: a JWK Set carrying a trust domain's X.509 authorities (use "x509-svid")
// and JWT keys (use "jwt-svid"), with spiffe_sequence and spiffe_refresh_hint
// (SPIFFE_Trust_Domain_and_Bundle.md §4).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "spiffe/x509_bundle.h"

namespace edgeid::spiffe {

class SpiffeBundle {
 public:
  explicit SpiffeBundle(TrustDomain td) : x509_(td), jwt_(td), td_(std::move(td)) {}

  static Result<SpiffeBundle> Parse(const TrustDomain& td, std::string_view json);
  // Deterministic: the same bundle always writes the same bytes.
  std::string ToJson(bool pretty = false) const;

  const TrustDomain& trust_domain() const { return td_; }
  const X509Bundle& x509() const { return x509_; }
  X509Bundle& x509() { return x509_; }
  const JwtBundle& jwt() const { return jwt_; }
  JwtBundle& jwt() { return jwt_; }

  std::optional<uint64_t> sequence() const { return sequence_; }
  void set_sequence(std::optional<uint64_t> s) { sequence_ = s; }
  std::optional<std::chrono::seconds> refresh_hint() const { return refresh_hint_; }
  void set_refresh_hint(std::optional<std::chrono::seconds> h) { refresh_hint_ = h; }

  bool operator==(const SpiffeBundle& other) const;

 private:
  X509Bundle x509_;
  JwtBundle jwt_;
  TrustDomain td_;
  std::optional<uint64_t> sequence_;
  std::optional<std::chrono::seconds> refresh_hint_;
};

// Bundles of several trust domains: one's own plus federated ones. Serves both verifier
// sources and never mixes domains: each bundle lives under its own trust domain.
class BundleSet : public X509BundleSource, public JwtBundleSource {
 public:
  void Put(SpiffeBundle bundle);
  bool Remove(const TrustDomain& td);
  const SpiffeBundle* Find(const TrustDomain& td) const;
  const std::vector<SpiffeBundle>& bundles() const { return bundles_; }

  Result<X509Bundle> GetX509Bundle(const TrustDomain& td) const override;
  Result<JwtBundle> GetJwtBundle(const TrustDomain& td) const override;

 private:
  std::vector<SpiffeBundle> bundles_;
};

}  // namespace edgeid::spiffe
