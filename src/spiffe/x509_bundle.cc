#include "spiffe/x509_bundle.h"

#include <algorithm>

namespace edgeid::spiffe {

X509Bundle::X509Bundle(TrustDomain td, const crypto::CertificateChain& authorities)
    : td_(std::move(td)) {
  for (const auto& cert : authorities) AddAuthority(cert);
}

Result<X509Bundle> X509Bundle::FromPem(const TrustDomain& td, std::string_view pem) {
  auto certs = crypto::ParseCertificatesPem(pem);
  if (!certs.ok()) return certs.error().Wrap("X.509 bundle for " + td.name());
  return X509Bundle(td, *certs);
}

Result<X509Bundle> X509Bundle::FromDer(const TrustDomain& td, std::string_view der) {
  auto certs = crypto::ParseCertificatesDer(der);
  if (!certs.ok()) return certs.error().Wrap("X.509 bundle for " + td.name());
  return X509Bundle(td, *certs);
}

bool X509Bundle::HasAuthority(const crypto::Certificate& cert) const {
  return std::find(authorities_.begin(), authorities_.end(), cert) != authorities_.end();
}

bool X509Bundle::AddAuthority(const crypto::Certificate& cert) {
  if (HasAuthority(cert)) return false;
  authorities_.push_back(cert);
  return true;
}

bool X509Bundle::RemoveAuthority(const crypto::Certificate& cert) {
  auto it = std::find(authorities_.begin(), authorities_.end(), cert);
  if (it == authorities_.end()) return false;
  authorities_.erase(it);
  return true;
}

bool X509Bundle::operator==(const X509Bundle& other) const {
  return td_ == other.td_ && authorities_ == other.authorities_;
}

Result<crypto::PublicKey> JwtBundle::FindAuthority(std::string_view key_id) const {
  for (const auto& a : authorities_) {
    if (a.key_id == key_id) return a.public_key;
  }
  return NotFound("no JWT authority with key ID \"" + std::string(key_id) +
                  "\" in the bundle of trust domain " + td_.name());
}

Status JwtBundle::SetAuthority(std::string key_id, crypto::PublicKey key) {
  if (key_id.empty()) return InvalidArgument("JWT authority key ID must not be empty");
  for (auto& a : authorities_) {
    if (a.key_id == key_id) {
      a.public_key = std::move(key);
      return OkStatus();
    }
  }
  authorities_.push_back({std::move(key_id), std::move(key)});
  return OkStatus();
}

bool JwtBundle::RemoveAuthority(std::string_view key_id) {
  auto it = std::find_if(authorities_.begin(), authorities_.end(),
                         [&](const JwtAuthority& a) { return a.key_id == key_id; });
  if (it == authorities_.end()) return false;
  authorities_.erase(it);
  return true;
}

bool JwtBundle::operator==(const JwtBundle& other) const {
  if (td_ != other.td_ || authorities_.size() != other.authorities_.size()) return false;
  for (size_t i = 0; i < authorities_.size(); ++i) {
    if (authorities_[i].key_id != other.authorities_[i].key_id ||
        !(authorities_[i].public_key == other.authorities_[i].public_key)) {
      return false;
    }
  }
  return true;
}

}  // namespace edgeid::spiffe
