// A bundle source that knows one trust domain, the verifier's own.
#pragma once

#include "common/result.h"
#include "spiffe/x509_bundle.h"

namespace edgeid::spiffe {

// Only the bundle of one trust domain, the verifier's own: an ID of any other trust domain finds
// none. For verifiers that must never let a federated domain's authorities vouch for anyone,
// including IDs they write in this domain's name. `bundle` must outlive the source.
class OwnTrustDomainSource final : public X509BundleSource {
 public:
  explicit OwnTrustDomainSource(const X509Bundle& bundle) : bundle_(bundle) {}
  Result<X509Bundle> GetX509Bundle(const TrustDomain& td) const override {
    if (td == bundle_.trust_domain()) return bundle_;
    return NotFound("trust domain " + td.name() + " is not trusted here, only " +
                    bundle_.trust_domain().name());
  }

 private:
  const X509Bundle& bundle_;
};

}  // namespace edgeid::spiffe
