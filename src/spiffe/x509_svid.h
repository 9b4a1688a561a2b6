// X.509-SVIDs (X509-SVID.md): the profile of a leaf, parsing an SVID with its key, minting one
// and verifying a presented chain against trust bundles.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/private_key.h"
#include "spiffe/spiffe_id.h"
#include "spiffe/x509_bundle.h"

namespace edgeid::spiffe {

using TimePoint = std::chrono::system_clock::time_point;

// An SVID this process holds: the chain (leaf first) and the leaf's private key.
struct X509Svid {
  SpiffeId id;
  crypto::CertificateChain chain;
  crypto::PrivateKey key;
  std::string hint;

  const crypto::Certificate& leaf() const { return chain.front(); }

  // Certificates (PEM, leaf first) plus a PEM private key; the leaf must follow the SVID
  // profile and match the key.
  static Result<X509Svid> FromPem(std::string_view certs_pem, std::string_view key_pem);
  // Concatenated DER certificates plus a PKCS#8 DER key, as the Workload API carries them.
  static Result<X509Svid> FromDer(std::string_view certs_der, std::string_view key_der);
};

// The leaf rules of X509-SVID §4 and §5.2, without path validation: exactly one URI SAN that is
// a SPIFFE ID with a path, not a CA, no keyCertSign or cRLSign, digitalSignature set.
Result<SpiffeId> CheckLeafProfile(const crypto::Certificate& leaf);

// The SPIFFE ID of a signing certificate, if it carries one; it must have no path (§4.1).
Status CheckSigningCertificateProfile(const crypto::Certificate& ca);

struct VerifiedX509Svid {
  SpiffeId id;
  crypto::CertificateChain verified_chain;  // leaf first, ending at a bundle authority
};

// Validates a presented chain: RFC 5280 path validation at `now` against the bundle of the
// leaf's own trust domain, plus every X.509-SVID rule.
Result<VerifiedX509Svid> VerifyX509Svid(const crypto::CertificateChain& chain,
                                        const X509BundleSource& bundles, TimePoint now);

struct X509SvidParams {
  SpiffeId id;
  std::vector<std::string> dns_names{};
  std::chrono::seconds ttl{3600};
  TimePoint now{};
  // Not-before is set this far in the past so that peers with slightly slow clocks accept it.
  std::chrono::seconds backdate{10};
};

// Mints a leaf for `subject_key`, signed by `ca` (which must be a CA) with `ca_key`.
// The lifetime is clamped so that the leaf never outlives its CA.
Result<crypto::Certificate> MintX509Svid(const X509SvidParams& params,
                                         const crypto::PublicKey& subject_key,
                                         const crypto::Certificate& ca,
                                         const crypto::PrivateKey& ca_key);

// As above for the key inside a CSR, after checking the CSR's signature. Nothing else in the
// CSR is used: the SPIFFE ID and names come from `params` alone.
Result<crypto::Certificate> MintX509SvidFromCsr(const X509SvidParams& params,
                                                const crypto::CertificateRequest& csr,
                                                const crypto::Certificate& ca,
                                                const crypto::PrivateKey& ca_key);

// The same, returning the DER leaf without building a certificate object: the path a server
// takes per request, since OpenSSL 3.0 makes re-decoding the key costlier than signing.
Result<std::string> MintX509SvidDerFromCsr(const X509SvidParams& params,
                                           const crypto::CertificateRequest& csr,
                                           const crypto::Certificate& ca,
                                           const crypto::PrivateKey& ca_key);

}  // namespace edgeid::spiffe
