// OpenID Connect discovery for JWT-SVIDs, so that a cloud IAM (Azure AD, AWS, GCP workload
// identity federation) can verify them: /.well-known/openid-configuration names the issuer and
// the JWKS URI, and the JWKS holds the trust domain's JWT signing keys, current and prepared,
// as standard JWKs (use "sig", alg set).
#pragma once

#include <functional>
#include <string>

#include "common/result.h"
#include "spiffe/x509_bundle.h"

namespace httplib {
class Server;
}

namespace edgeid::server::oidc {

inline constexpr char kDiscoveryPath[] = "/.well-known/openid-configuration";
inline constexpr char kKeysPath[] = "/keys";

struct DiscoveryDocument {
  std::string issuer;    // the "iss" of JWT-SVIDs, e.g. https://oidc.example.org
  std::string jwks_uri;  // where the keys are, e.g. https://oidc.example.org/keys
};

std::string DiscoveryJson(const DiscoveryDocument& document);
// RFC 7517 JWK Set of the bundle's JWT keys.
Result<std::string> JwksJson(const spiffe::JwtBundle& keys);

void AddOidcRoutes(httplib::Server& http, const DiscoveryDocument& document,
                   std::function<spiffe::JwtBundle()> current_keys);

}  // namespace edgeid::server::oidc
