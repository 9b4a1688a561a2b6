// PKCS#10 certificate signing requests: how keys made on a node reach a CA without leaving it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "crypto/ossl.h"
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
  explicit CertificateRequest(X509ReqPtr req) : req_(std::move(req)) {}

  static Result<CertificateRequest> Create(const PrivateKey& key, const CsrOptions& options = {});
  static Result<CertificateRequest> FromDer(std::string_view der);
  static Result<CertificateRequest> FromPem(std::string_view pem);

  std::string ToDer() const;
  std::string ToPem() const;

  // Proof that the requester holds the private key of the public key inside.
  Status VerifySignature() const;
  Result<PublicKey> public_key() const;
  std::vector<std::string> uri_sans() const;

  X509_REQ* get() const { return req_.get(); }

 private:
  X509ReqPtr req_;
};

}  // namespace edgeid::crypto
