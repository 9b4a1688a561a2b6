// RFC 5280 path validation with OpenSSL, against a given set of trust anchors at a given time.
#pragma once

#include <chrono>
#include <string>

#include "common/result.h"
#include "crypto/certificate.h"
#include "crypto/ossl.h"

namespace edgeid::crypto {

struct ChainVerifyError {
  int depth = 0;       // 0: the first certificate of the chain
  std::string reason;  // OpenSSL's text, e.g. "certificate has expired"
};

// A store trusting exactly `anchors`, for a TLS context (SSL_CTX_set_cert_store takes it).
Result<X509StorePtr> NewTrustStore(const CertificateChain& anchors);

// Verifies chain[0] using chain[1..] as untrusted intermediates. Anchors may be intermediates
// (partial chains are accepted), as trust bundles may hold them. Returns the verified path,
// first certificate first, ending at an anchor.
Result<CertificateChain> VerifyCertificateChain(const CertificateChain& chain,
                                                const CertificateChain& anchors, TimePoint now,
                                                ChainVerifyError* why = nullptr);

}  // namespace edgeid::crypto
