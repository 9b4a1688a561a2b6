// Builds and signs X.509 v3 certificates: CA certificates and SVID leaves share this.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "crypto/certificate.h"
#include "crypto/private_key.h"
#include "crypto/public_key.h"

namespace edgeid::crypto {

struct CertificateTemplate {
  // Subject attributes in order, by OpenSSL short name: {"C","US"}, {"O","edgeid"}, {"CN",...}.
  std::vector<std::pair<std::string, std::string>> subject;
  TimePoint not_before;
  TimePoint not_after;
  bool is_ca = false;
  int path_len = -1;                    // CA only; negative: no pathLenConstraint
  uint32_t key_usage = 0;               // KeyUsageBit flags; always written critical
  bool server_and_client_auth = false;  // extendedKeyUsage serverAuth + clientAuth
  std::vector<std::string> uri_sans;
  std::vector<std::string> dns_sans;
  std::string serial;  // big-endian bytes; empty: a fresh random 128-bit serial
};

// Signs `tmpl` for `subject_key`. With no issuer the certificate is self-signed by
// `issuer_key`, which must then be the private half of `subject_key`.
Result<Certificate> SignCertificate(const CertificateTemplate& tmpl, const PublicKey& subject_key,
                                    const Certificate* issuer, const PrivateKey& issuer_key);

// As above for a key given as an encoded SubjectPublicKeyInfo (a CSR's), returning the DER
// certificate. The key's encoding is copied as it is and nothing is decoded again: OpenSSL 3.0
// would spend more on re-encoding and decoding the key than on the signature.
Result<std::string> SignCertificateDerForSpki(const CertificateTemplate& tmpl,
                                              std::string_view subject_spki_der,
                                              const Certificate* issuer,
                                              const PrivateKey& issuer_key);

// 16 random bytes as a positive, non-zero serial number.
Result<std::string> RandomSerial();

}  // namespace edgeid::crypto
