#include "server/cli/cli_json.h"

#include "crypto/encoding.h"
#include "spiffe/spiffe_bundle.h"

namespace edgeid::server::cli {
namespace {

nlohmann::json CertificatesJson(const crypto::CertificateChain& chain) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& cert : chain) out.push_back(crypto::Base64Encode(cert.ToDer()));
  return out;
}

}  // namespace

Result<nlohmann::json> BundleJson(const v1::TrustBundle& b) {
  auto td = EDGEID_TRY(spiffe::TrustDomain::Parse(b.trust_domain()));
  auto bundle = EDGEID_TRY(spiffe::SpiffeBundle::Parse(td, b.spiffe_bundle_json()));
  nlohmann::json x509 = nlohmann::json::array();
  for (const auto& cert : bundle.x509().authorities()) {
    x509.push_back({{"asn1", crypto::Base64Encode(cert.ToDer())}, {"tainted", false}});
  }
  nlohmann::json jwt = nlohmann::json::array();
  for (const auto& key : bundle.jwt().authorities()) {
    // The SPIFFE bundle document carries no expiry for a key: 0, as SPIRE writes "none".
    jwt.push_back({{"public_key", crypto::Base64Encode(key.public_key.ToDer())},
                   {"key_id", key.key_id},
                   {"expires_at", 0},
                   {"tainted", false}});
  }
  return nlohmann::json{
      {"trust_domain", b.trust_domain()},
      {"x509_authorities", std::move(x509)},
      {"jwt_authorities", std::move(jwt)},
      {"refresh_hint", bundle.refresh_hint() ? bundle.refresh_hint()->count() : 0},
      {"sequence_number", bundle.sequence().value_or(b.sequence_number())}};
}

nlohmann::json OkResult(nlohmann::json extra) {
  nlohmann::json result = {{"status", {{"code", 0}, {"message", "OK"}}}};
  result.update(extra);
  return result;
}

nlohmann::json MintedX509Json(const crypto::CertificateChain& chain, const std::string& key_der,
                              const crypto::CertificateChain& roots) {
  return {{"x509_svid", CertificatesJson(chain)},
          {"private_key", crypto::Base64Encode(key_der)},
          {"root_cas", CertificatesJson(roots)}};
}

}  // namespace edgeid::server::cli
