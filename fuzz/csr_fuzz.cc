// PKCS#10 requests arrive from nodes before they are trusted, and edgeid parses them with its
// own DER reader (crypto/der.h) rather than OpenSSL's: both that reader and the OpenSSL paths
// behind it (PEM, RSA-PSS and other keys, the SAN extension) see attacker-chosen bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "crypto/csr.h"
#include "fuzz_support.h"

using edgeid::crypto::CertificateRequest;
using edgeid::fuzz::Require;

namespace {

void Exercise(const CertificateRequest& csr) {
  const edgeid::Status signature = csr.VerifySignature();
  const edgeid::crypto::PublicKey& key = csr.public_key();
  (void)key.family();
  (void)key.key_type();
  (void)csr.uri_sans();
  Require(!csr.spki_der().empty(), "the request has a SubjectPublicKeyInfo");
  Require(csr.spki_der().size() < csr.ToDer().size(), "the SPKI lies inside the request");

  // What FromDer kept must be a request it accepts again, with the same verdict: the CA
  // re-reads stored requests.
  auto again = CertificateRequest::FromDer(csr.ToDer());
  Require(again.ok(), "ToDer() parses again");
  Require(again->spki_der() == csr.spki_der(), "re-parsed SPKI is the same");
  Require(again->VerifySignature().ok() == signature.ok(), "re-parsed signature verdict agrees");
  (void)csr.ToPem();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes = edgeid::fuzz::AsText(data, size);
  auto from_der = CertificateRequest::FromDer(bytes);
  if (from_der.ok()) {
    Require(from_der->ToDer() == bytes, "FromDer keeps the exact bytes");
    Exercise(*from_der);
  }
  auto from_pem = CertificateRequest::FromPem(bytes);
  if (from_pem.ok()) Exercise(*from_pem);
  return 0;
}
