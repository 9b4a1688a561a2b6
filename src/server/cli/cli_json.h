// The JSON documents of `--output json` that are not one of the admin API's messages, in the
// shapes SPIRE's CLI prints for the same commands.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"
#include "crypto/certificate.h"
#include "edgeid/server/v1/types.pb.h"

namespace edgeid::server::cli {

// SPIRE's types.Bundle: trust_domain, x509_authorities [{asn1, tainted}], jwt_authorities
// [{public_key, key_id, expires_at, tainted}], refresh_hint and sequence_number (numbers). DER
// is base64, as protobuf's JSON writes bytes.
Result<nlohmann::json> BundleJson(const v1::TrustBundle& bundle);

// One result of a SPIRE batch response: {"status": {"code": 0, "message": "OK"}, <extra>}.
nlohmann::json OkResult(nlohmann::json extra);

// `x509 mint`'s result as SPIRE prints it: x509_svid (DER certificates, leaf first),
// private_key (PKCS#8 DER) and root_cas, each base64.
nlohmann::json MintedX509Json(const crypto::CertificateChain& chain, const std::string& key_der,
                              const crypto::CertificateChain& roots);

}  // namespace edgeid::server::cli
