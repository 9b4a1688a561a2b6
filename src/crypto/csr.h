// PKCS#10 certificate signing requests (RFC 2986): how keys made on a node reach a CA without
// leaving the node. Parsing is done here rather than with d2i_X509_REQ because OpenSSL 3.0
// spends twice the cost of the signature check decoding the embedded key; the common EC and
// RSA PKCS#1 signatures are checked directly over the request's encoded info.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "crypto/key_type.h"
#include "crypto/private_key.h"
#include "crypto/public_key.h"

namespace edgeid::crypto {

struct CsrOptions {
  std::string common_name;  // empty: no subject
  std::vector<std::string> uri_sans;
  std::vector<std::string> dns_sans;
};

class CertificateRequest {
 public:
  static Result<CertificateRequest> Create(const PrivateKey& key, const CsrOptions& options = {});
  static Result<CertificateRequest> FromDer(std::string_view der);
  static Result<CertificateRequest> FromPem(std::string_view pem);

  const std::string& ToDer() const { return der_; }
  std::string ToPem() const;

  // Proof that the requester holds the private key of the public key inside.
  Status VerifySignature() const;
  const PublicKey& public_key() const { return key_; }
  // The requester's SubjectPublicKeyInfo exactly as encoded in the request.
  std::string_view spki_der() const {
    return std::string_view(der_).substr(spki_.first, spki_.second);
  }
  std::vector<std::string> uri_sans() const;

 private:
  using Span = std::pair<size_t, size_t>;  // offset and length within der_
  CertificateRequest(std::string der, Span tbs, Span spki, std::optional<SignatureAlgorithm> alg,
                     std::string signature, PublicKey key)
      : der_(std::move(der)),
        tbs_(tbs),
        spki_(spki),
        algorithm_(alg),
        signature_(std::move(signature)),
        key_(std::move(key)) {}

  std::string der_;
  Span tbs_;
  Span spki_;
  std::optional<SignatureAlgorithm> algorithm_;  // none: left to OpenSSL (e.g. RSA-PSS)
  std::string signature_;
  PublicKey key_;
};

}  // namespace edgeid::crypto
