#include "grpctls/spiffe_verifier.h"

#include <chrono>

namespace edgeid::grpctls {

Result<crypto::CertificateChain> PeerChain(std::string_view leaf_pem, std::string_view chain_pem) {
  auto leaf = crypto::Certificate::FromPem(leaf_pem);
  if (!leaf.ok()) return leaf.error().Wrap("peer certificate");
  crypto::CertificateChain chain{*leaf};
  if (!chain_pem.empty()) {
    auto rest = crypto::ParseCertificatesPem(chain_pem);
    if (!rest.ok()) return rest.error().Wrap("peer certificate chain");
    for (auto& cert : *rest) {
      if (!(cert == *leaf)) chain.push_back(std::move(cert));
    }
  }
  return chain;
}

Status SpiffeCertificateVerifier::Check(
    grpc::experimental::TlsCustomVerificationCheckRequest& request) const {
  auto leaf_pem = request.peer_cert();
  if (leaf_pem.empty()) {
    if (allow_no_certificate_) return OkStatus();
    return Unauthenticated("peer presented no certificate");
  }
  auto full = request.peer_cert_full_chain();
  auto chain = EDGEID_TRY(PeerChain(std::string_view(leaf_pem.data(), leaf_pem.size()),
                                    std::string_view(full.data(), full.size())));
  auto verified = spiffe::VerifyX509Svid(chain, *bundles_, std::chrono::system_clock::now());
  if (!verified.ok()) return Unauthenticated("peer X.509-SVID: " + verified.error().message);
  auto allowed = authorize_(verified->id);
  if (!allowed.ok()) return PermissionDenied(allowed.error().message);
  return OkStatus();
}

bool SpiffeCertificateVerifier::Verify(
    grpc::experimental::TlsCustomVerificationCheckRequest* request,
    std::function<void(grpc::Status)> /*callback*/, grpc::Status* sync_status) {
  auto status = Check(*request);
  *sync_status = status.ok()
                     ? grpc::Status::OK
                     : grpc::Status(grpc::StatusCode::UNAUTHENTICATED, status.error().message);
  return true;
}

}  // namespace edgeid::grpctls
