// The certificate verifier gRPC calls during each TLS handshake.
#pragma once

#include <grpcpp/security/tls_certificate_verifier.h>

#include <memory>

#include "grpctls/spiffe_tls.h"

namespace edgeid::grpctls {

class SpiffeCertificateVerifier final : public grpc::experimental::ExternalCertificateVerifier {
 public:
  SpiffeCertificateVerifier(std::shared_ptr<const spiffe::X509BundleSource> bundles,
                            PeerAuthorizer authorize, bool allow_no_certificate)
      : bundles_(std::move(bundles)),
        authorize_(std::move(authorize)),
        allow_no_certificate_(allow_no_certificate) {}

  // Always answers synchronously.
  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> callback, grpc::Status* sync_status) override;
  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {}

 private:
  Status Check(grpc::experimental::TlsCustomVerificationCheckRequest& request) const;

  std::shared_ptr<const spiffe::X509BundleSource> bundles_;
  PeerAuthorizer authorize_;
  bool allow_no_certificate_;
};

// The peer's chain, leaf first, from what gRPC reports (the server side's "full chain" may
// lack the leaf, as OpenSSL's does).
Result<crypto::CertificateChain> PeerChain(std::string_view leaf_pem, std::string_view chain_pem);

}  // namespace edgeid::grpctls
