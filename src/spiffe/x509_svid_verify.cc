#include "crypto/chain_verify.h"
#include "spiffe/x509_svid.h"

namespace edgeid::spiffe {

Result<VerifiedX509Svid> VerifyX509Svid(const crypto::CertificateChain& chain,
                                        const X509BundleSource& bundles, TimePoint now) {
  if (chain.empty()) return InvalidArgument("X.509-SVID: empty certificate chain");
  auto id = EDGEID_TRY(CheckLeafProfile(chain.front()));

  // Only the bundle of the leaf's own trust domain may vouch for it.
  auto bundle = bundles.GetX509Bundle(id.trust_domain());
  if (!bundle.ok()) {
    return PermissionDenied("X.509-SVID " + id.str() + ": no trust bundle for its trust domain " +
                            std::string(id.trust_domain_name()));
  }
  crypto::ChainVerifyError why;
  auto verified = crypto::VerifyCertificateChain(chain, bundle->authorities(), now, &why);
  if (!verified.ok()) {
    std::string where =
        why.depth == 0 ? "leaf" : "certificate at depth " + std::to_string(why.depth);
    return PermissionDenied("X.509-SVID " + id.str() + ": " + where + ": " + why.reason);
  }
  return VerifiedX509Svid{id, std::move(*verified)};
}

}  // namespace edgeid::spiffe
