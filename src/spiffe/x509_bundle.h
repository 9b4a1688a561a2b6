// Trust bundles: the X.509 authorities and the JWT keys of one trust domain, and the sources
// verifiers look them up from.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "crypto/certificate.h"
#include "crypto/public_key.h"
#include "spiffe/spiffe_id.h"

namespace edgeid::spiffe {

class X509Bundle {
 public:
  explicit X509Bundle(TrustDomain td, const crypto::CertificateChain& authorities = {});

  static Result<X509Bundle> FromPem(const TrustDomain& td, std::string_view pem);
  static Result<X509Bundle> FromDer(const TrustDomain& td, std::string_view der);

  const TrustDomain& trust_domain() const { return td_; }
  const crypto::CertificateChain& authorities() const { return authorities_; }
  bool HasAuthority(const crypto::Certificate& cert) const;
  // Adds once; returns false when it was already there.
  bool AddAuthority(const crypto::Certificate& cert);
  bool RemoveAuthority(const crypto::Certificate& cert);
  bool empty() const { return authorities_.empty(); }

  std::string ToPem() const { return crypto::CertificatesToPem(authorities_); }
  std::string ToDer() const { return crypto::CertificatesToDer(authorities_); }

  bool operator==(const X509Bundle& other) const;

 private:
  TrustDomain td_;
  crypto::CertificateChain authorities_;
};

struct JwtAuthority {
  std::string key_id;
  crypto::PublicKey public_key;
};

class JwtBundle {
 public:
  explicit JwtBundle(TrustDomain td) : td_(std::move(td)) {}

  const TrustDomain& trust_domain() const { return td_; }
  // In insertion order, so a bundle written and read back is the same document.
  const std::vector<JwtAuthority>& authorities() const { return authorities_; }
  Result<crypto::PublicKey> FindAuthority(std::string_view key_id) const;
  // Adds or replaces the key with this ID. The ID must not be empty (JWT-SVID §3).
  Status SetAuthority(std::string key_id, crypto::PublicKey key);
  bool RemoveAuthority(std::string_view key_id);
  bool empty() const { return authorities_.empty(); }

  bool operator==(const JwtBundle& other) const;

 private:
  TrustDomain td_;
  std::vector<JwtAuthority> authorities_;
};

// Where verifiers find the bundle of a trust domain. NotFound when the domain is unknown.
class X509BundleSource {
 public:
  virtual ~X509BundleSource() = default;
  virtual Result<X509Bundle> GetX509Bundle(const TrustDomain& td) const = 0;
};

class JwtBundleSource {
 public:
  virtual ~JwtBundleSource() = default;
  virtual Result<JwtBundle> GetJwtBundle(const TrustDomain& td) const = 0;
};

}  // namespace edgeid::spiffe
