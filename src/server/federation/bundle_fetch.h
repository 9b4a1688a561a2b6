// One fetch of a foreign trust domain's bundle from its SPIFFE bundle endpoint, with the
// endpoint authenticated as its profile says (SPIFFE_Federation.md §5): https_web by the Web
// PKI and the URL's host name, https_spiffe by an X509-SVID with the configured SPIFFE ID that
// chains to the endpoint trust domain's bundle. The endpoint needs no client certificate.
#pragma once

#include <chrono>

#include "common/result.h"
#include "server/datastore/types.h"
#include "spiffe/spiffe_bundle.h"

namespace edgeid::server::federation {

// The largest bundle document accepted.
inline constexpr std::size_t kMaxBundleBytes = 1 << 20;

struct FetchOptions {
  std::chrono::seconds timeout{10};        // connect, and each read or write
  std::chrono::seconds total_timeout{30};  // the whole fetch: a trickling endpoint is cut off
};

// `endpoint_authorities` (https_spiffe only): the X.509 authorities of the endpoint SPIFFE ID's
// trust domain. The result is the bundle of `relationship.trust_domain` and no other: the
// document is read as that trust domain's whatever it says. A bundle without X.509 authorities is
// refused: stored, it would revoke every SVID of the domain and, for a self-serving endpoint,
// leave nothing to authenticate the next fetch with.
Result<spiffe::SpiffeBundle> FetchBundle(const FederationRelationship& relationship,
                                         const spiffe::X509Bundle* endpoint_authorities,
                                         const FetchOptions& options = {});

}  // namespace edgeid::server::federation
