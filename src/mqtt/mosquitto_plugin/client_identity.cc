#include "mqtt/mosquitto_plugin/client_identity.h"

#include "crypto/certificate.h"
#include "spiffe/x509_svid.h"

namespace edgeid::mqtt {

Result<spiffe::SpiffeId> ClientSpiffeId(X509* leaf, const spiffe::TrustDomain& td) {
  if (leaf == nullptr) return Unauthenticated("no client certificate");
  auto id = spiffe::CheckLeafProfile(crypto::Certificate(leaf));
  if (!id.ok()) return Unauthenticated("certificate is not an X509-SVID: " + id.error().message);
  if (!id->MemberOf(td)) {
    return Unauthenticated(id->str() + " is not in the broker's trust domain " + td.name());
  }
  return id;
}

}  // namespace edgeid::mqtt
