// The signing-CA certificate profile (X509-SVID §4.1): cA=true, keyCertSign, the trust
// domain's SPIFFE ID (no path) as URI SAN.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "crypto/certificate_builder.h"
#include "spiffe/spiffe_id.h"

namespace edgeid::ca {

using TimePoint = std::chrono::system_clock::time_point;
using Subject = std::vector<std::pair<std::string, std::string>>;

struct CaCertificateParams {
  spiffe::TrustDomain trust_domain;
  Subject subject;
  TimePoint now;
  std::chrono::seconds ttl;
  std::chrono::seconds backdate{10};
};

crypto::CertificateTemplate MakeCaTemplate(const CaCertificateParams& params);

// A self-signed signing CA for `key`.
Result<crypto::Certificate> MintSelfSignedCa(const CaCertificateParams& params,
                                             const crypto::PrivateKey& key);

}  // namespace edgeid::ca
