#include "grpctls/spiffe_tls.h"

#include <grpcpp/security/tls_certificate_provider.h>

#include "grpctls/spiffe_verifier.h"

namespace edgeid::grpctls {

namespace gx = grpc::experimental;

PeerAuthorizer AuthorizeAny() {
  return [](const spiffe::SpiffeId&) { return OkStatus(); };
}

PeerAuthorizer AuthorizeId(spiffe::SpiffeId expected) {
  return [expected = std::move(expected)](const spiffe::SpiffeId& id) -> Status {
    if (id == expected) return OkStatus();
    return PermissionDenied("peer is " + id.str() + ", expected " + expected.str());
  };
}

PeerAuthorizer AuthorizeMemberOf(spiffe::TrustDomain td) {
  return [td = std::move(td)](const spiffe::SpiffeId& id) -> Status {
    if (id.MemberOf(td)) return OkStatus();
    return PermissionDenied("peer " + id.str() + " is not in trust domain " + td.name());
  };
}

std::shared_ptr<grpc::ServerCredentials> ServerCredentials(const ServerTlsOptions& options) {
  auto provider = std::make_shared<gx::FileWatcherCertificateProvider>(
      options.key_file, options.cert_chain_file,
      static_cast<unsigned int>(options.reload_interval.count()));
  gx::TlsServerCredentialsOptions tls(provider);
  tls.watch_identity_key_cert_pairs();
  // The chain is checked by our verifier against the SPIFFE bundle, not by OpenSSL against a
  // fixed root list: bundles rotate.
  tls.set_cert_request_type(options.allow_anonymous_clients
                                ? GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_BUT_DONT_VERIFY
                                : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_BUT_DONT_VERIFY);
  tls.set_certificate_verifier(gx::ExternalCertificateVerifier::Create<SpiffeCertificateVerifier>(
      options.bundles, options.authorize, options.allow_anonymous_clients));
  return gx::TlsServerCredentials(tls);
}

Result<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentials(
    const ChannelTlsOptions& options) {
  if (!options.bundles && !options.insecure_skip_server_verification) {
    return InvalidArgument("TLS channel needs a trust bundle");
  }
  if (!options.authorize) return InvalidArgument("TLS channel needs a server authorizer");
  gx::TlsChannelCredentialsOptions tls;
  std::vector<gx::IdentityKeyCertPair> pairs;
  if (options.identity) {
    auto key_pem = options.identity->key.ToPkcs8Pem();
    if (!key_pem.ok()) return key_pem.error();
    pairs.push_back({*key_pem, crypto::CertificatesToPem(options.identity->chain)});
  }
  std::string roots_pem;
  if (options.bundles && options.server_trust_domain) {
    auto bundle = options.bundles->GetX509Bundle(*options.server_trust_domain);
    if (bundle.ok()) roots_pem = bundle->ToPem();
  }
  if (!pairs.empty() || !roots_pem.empty()) {
    tls.set_certificate_provider(
        std::make_shared<gx::StaticDataCertificateProvider>(roots_pem, pairs));
  }
  if (!pairs.empty()) tls.watch_identity_key_cert_pairs();
  if (!roots_pem.empty()) tls.watch_root_certs();
  // SPIFFE peers are named by URI SAN, not host name; the verifier does the whole check.
  tls.set_verify_server_certs(false);
  tls.set_check_call_host(false);
  if (options.insecure_skip_server_verification) {
    tls.set_certificate_verifier(std::make_shared<gx::NoOpCertificateVerifier>());
  } else {
    tls.set_certificate_verifier(gx::ExternalCertificateVerifier::Create<SpiffeCertificateVerifier>(
        options.bundles, options.authorize, false));
  }
  auto creds = gx::TlsCredentials(tls);
  if (!creds) return Internal("gRPC refused the TLS channel options");
  return creds;
}

Result<PeerSvid> PeerSvidOf(const grpc::ServerContextBase& context) {
  auto auth = context.auth_context();
  if (!auth) return Unauthenticated("no TLS peer");
  auto leaf_pem = auth->FindPropertyValues("x509_pem_cert");
  if (leaf_pem.empty()) return Unauthenticated("caller presented no X.509-SVID");
  auto leaf =
      crypto::Certificate::FromPem(std::string_view(leaf_pem[0].data(), leaf_pem[0].size()));
  if (!leaf.ok()) return Unauthenticated("caller certificate: " + leaf.error().message);
  // The handshake verified the chain; only the ID is read back here.
  auto id = spiffe::CheckLeafProfile(*leaf);
  if (!id.ok()) return Unauthenticated("caller certificate: " + id.error().message);
  return PeerSvid{*id, *leaf};
}

Result<spiffe::X509Bundle> StaticX509BundleSource::GetX509Bundle(
    const spiffe::TrustDomain& td) const {
  if (td == bundle_->trust_domain()) return *bundle_;
  return NotFound("no X.509 bundle for trust domain " + td.name());
}

}  // namespace edgeid::grpctls
