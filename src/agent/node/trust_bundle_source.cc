#include "agent/node/trust_bundle_source.h"

namespace edgeid::agent {

Result<spiffe::X509Bundle> TrustBundleSource::GetX509Bundle(const spiffe::TrustDomain& td) const {
  auto bundle = Get();
  if (bundle->trust_domain() != td) return NotFound("no bundle for trust domain " + td.name());
  if (bundle->empty()) return NotFound("the agent has no bundle for " + td.name() + " yet");
  return *bundle;
}

std::shared_ptr<const spiffe::X509Bundle> TrustBundleSource::Get() const {
  std::lock_guard lock(mu_);
  return bundle_;
}

void TrustBundleSource::Set(spiffe::X509Bundle bundle) {
  auto next = std::make_shared<const spiffe::X509Bundle>(std::move(bundle));
  std::lock_guard lock(mu_);
  bundle_ = std::move(next);
}

}  // namespace edgeid::agent
