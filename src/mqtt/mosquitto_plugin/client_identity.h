// The SPIFFE ID a TLS client proves with its certificate, as the broker sees it.
#pragma once

#include <openssl/x509.h>

#include "common/result.h"
#include "spiffe/spiffe_id.h"

namespace edgeid::mqtt {

// The chain has already been verified by the broker's TLS layer against the trust bundle; this
// applies the X509-SVID leaf rules (one URI SAN that is a SPIFFE ID with a path, not a CA) and
// requires the ID to be of `td`. `leaf` null means the client sent no certificate.
Result<spiffe::SpiffeId> ClientSpiffeId(X509* leaf, const spiffe::TrustDomain& td);

}  // namespace edgeid::mqtt
