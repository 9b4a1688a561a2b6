// Federation relationships as operators give them (config file or `federation create`), checked
// before anything is stored or fetched.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "server/datastore/types.h"
#include "spiffe/spiffe_bundle.h"
#include "spiffe/spiffe_id.h"

namespace edgeid::server::federation {

inline constexpr char kProfileHttpsWeb[] = "https_web";
inline constexpr char kProfileHttpsSpiffe[] = "https_spiffe";

struct EndpointUrl {
  std::string host;
  uint16_t port = 443;
  std::string path = "/";
};

// https://host[:port][/path]; no user info, query or fragment.
Result<EndpointUrl> ParseEndpointUrl(const std::string& url);

// A trust domain's bundle as an operator gives it: "spiffe" (a SPIFFE bundle document) or
// "pem" (X.509 authorities only). Refuses a bundle without authorities.
Result<spiffe::SpiffeBundle> ParseTrustDomainBundle(const spiffe::TrustDomain& td,
                                                    std::string_view data, std::string_view format);

// Checks every field and that the relationship is not with `own` trust domain: https_spiffe
// needs the endpoint's SPIFFE ID, https_web must not have one, an endpoint CA file is for
// https_web only. Errors name the field.
Status ValidateRelationship(const FederationRelationship& relationship,
                            const spiffe::TrustDomain& own);

}  // namespace edgeid::server::federation
