#include "server/oidc/oidc_discovery.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "spiffe/jwk.h"
#include "spiffe/jws.h"

namespace edgeid::server::oidc {

std::string DiscoveryJson(const DiscoveryDocument& document) {
  nlohmann::ordered_json doc;
  doc["issuer"] = document.issuer;
  doc["jwks_uri"] = document.jwks_uri;
  doc["authorization_endpoint"] = "";
  doc["response_types_supported"] = {"id_token"};
  doc["subject_types_supported"] = {"public"};
  doc["id_token_signing_alg_values_supported"] = {"RS256", "ES256", "ES384"};
  return doc.dump(2);
}

Result<std::string> JwksJson(const spiffe::JwtBundle& keys) {
  nlohmann::ordered_json set;
  set["keys"] = nlohmann::ordered_json::array();
  for (const auto& authority : keys.authorities()) {
    nlohmann::ordered_json jwk;
    EDGEID_RETURN_IF_ERROR(spiffe::PublicKeyToJwk(authority.public_key, jwk));
    jwk["kid"] = authority.key_id;
    jwk["use"] = "sig";
    auto alg = spiffe::DefaultJwsAlgorithm(authority.public_key);
    if (!alg.ok()) return alg.error().Wrap("JWT key " + authority.key_id);
    jwk["alg"] = std::string(spiffe::JwsAlgorithmName(*alg));
    set["keys"].push_back(std::move(jwk));
  }
  return set.dump(2);
}

void AddOidcRoutes(httplib::Server& http, const DiscoveryDocument& document,
                   std::function<spiffe::JwtBundle()> current_keys) {
  std::string discovery = DiscoveryJson(document);
  http.Get(kDiscoveryPath, [discovery](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "public, max-age=300");
    res.set_content(discovery, "application/json");
  });
  http.Get(kKeysPath, [current_keys = std::move(current_keys)](const httplib::Request&,
                                                               httplib::Response& res) {
    auto jwks = JwksJson(current_keys());
    if (!jwks.ok()) {
      res.status = 500;
      res.set_content(jwks.error().message + "\n", "text/plain");
      return;
    }
    // Short: keys rotate, and a verifier must see a new key before tokens signed with it.
    res.set_header("Cache-Control", "public, max-age=60");
    res.set_content(*jwks, "application/json");
  });
}

}  // namespace edgeid::server::oidc
