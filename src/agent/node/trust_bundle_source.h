// The agent's bundle of its own trust domain, which it checks the server against. It starts as
// the configured (or stored) bundle and follows the server's as its CA rotates.
#pragma once

#include <memory>
#include <mutex>

#include "spiffe/x509_bundle.h"

namespace edgeid::agent {

class TrustBundleSource final : public spiffe::X509BundleSource {
 public:
  explicit TrustBundleSource(spiffe::X509Bundle bundle)
      : bundle_(std::make_shared<const spiffe::X509Bundle>(std::move(bundle))) {}
  Result<spiffe::X509Bundle> GetX509Bundle(const spiffe::TrustDomain& td) const override;
  std::shared_ptr<const spiffe::X509Bundle> Get() const;
  void Set(spiffe::X509Bundle bundle);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const spiffe::X509Bundle> bundle_;
};

}  // namespace edgeid::agent
