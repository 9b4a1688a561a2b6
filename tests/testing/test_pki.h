// Certificates made to order for tests, including ones built to break one rule each.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "crypto/certificate.h"
#include "crypto/certificate_builder.h"
#include "crypto/private_key.h"
#include "spiffe/spiffe_id.h"

namespace edgeid::testing {

using Clock = std::chrono::system_clock;

struct TestCa {
  crypto::PrivateKey key;
  crypto::Certificate cert;
};

// A self-signed CA for `trust_domain` valid from an hour ago for a day.
TestCa MakeTestCa(const std::string& trust_domain, crypto::KeyType type = crypto::KeyType::kEcP256);
// An intermediate CA signed by `parent`.
TestCa MakeIntermediateCa(const TestCa& parent, const std::string& trust_domain);

// The template of a well-formed X.509-SVID leaf for `id`; tests change one field to break it.
crypto::CertificateTemplate LeafTemplate(const std::string& id);

// Signs `tmpl` with `issuer` for a fresh P-256 key (returned through `key` when not null).
crypto::Certificate SignLeaf(const crypto::CertificateTemplate& tmpl, const TestCa& issuer,
                             crypto::PrivateKey* key = nullptr);

// n - s for the 32-byte big-endian s of a P-256 ECDSA signature: the other s that verifies with
// the same r.
std::string MirroredP256S(std::string_view s);

// The same signed certificate with its ECDSA signature's s replaced by n - s: another valid
// signature of the same TBSCertificate, so another encoding of the same certificate that OpenSSL
// accepts (it does not refuse high-S signatures in certificates).
crypto::Certificate WithMirroredEcdsaSignature(const crypto::Certificate& cert);

// A fresh EC P-256 key (an agent's, a workload's).
crypto::PrivateKey NewP256Key();

// Signs `tmpl` with `issuer` for a fresh P-256 key and writes `<stem>.pem` and `<stem>.key`
// (PKCS#8, mode 0600), as a broker or an MQTT client reads them.
void WriteIssuedKeyAndCert(const std::string& stem, const crypto::CertificateTemplate& tmpl,
                           const TestCa& issuer);

template <typename T>
T Unwrap(Result<T> r) {
  if (!r.ok()) throw std::runtime_error("unexpected error: " + r.error().ToString());
  return std::move(r).value();
}

}  // namespace edgeid::testing
