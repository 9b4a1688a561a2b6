// SPIFFE authentication for gRPC over TLS (the X.509-SVID standard's rules, not hostnames): the
// peer's chain is verified against a trust bundle source, then its SPIFFE ID is authorised.
// Both sides use TLS 1.2 or later (gRPC's floor).
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "spiffe/spiffe_id.h"
#include "spiffe/x509_bundle.h"
#include "spiffe/x509_svid.h"

namespace edgeid::grpctls {

// Decides whether a verified peer may connect; an error refuses the handshake.
using PeerAuthorizer = std::function<Status(const spiffe::SpiffeId&)>;

PeerAuthorizer AuthorizeAny();
PeerAuthorizer AuthorizeId(spiffe::SpiffeId id);
PeerAuthorizer AuthorizeMemberOf(spiffe::TrustDomain td);

struct ServerTlsOptions {
  // The server's SVID, re-read from these files every `reload_interval` so that a rotated SVID
  // (written atomically: key first, then certificates) is picked up without a restart.
  std::string key_file;
  std::string cert_chain_file;
  std::chrono::seconds reload_interval{5};
  std::shared_ptr<const spiffe::X509BundleSource> bundles;
  PeerAuthorizer authorize = AuthorizeAny();
  // Clients without a certificate are let through the handshake (node attestation has none);
  // each call then decides with PeerSvid whether it needs one.
  bool allow_anonymous_clients = false;
};

std::shared_ptr<grpc::ServerCredentials> ServerCredentials(const ServerTlsOptions& options);

struct ChannelTlsOptions {
  std::optional<spiffe::X509Svid> identity;  // none: connect without a client certificate
  std::shared_ptr<const spiffe::X509BundleSource> bundles;
  PeerAuthorizer authorize;  // usually AuthorizeId(the server's ID)
  // Accepts any server certificate: only for an agent's insecure bootstrap, which has no bundle
  // yet and takes the server's on trust (and says so in its log).
  bool insecure_skip_server_verification = false;
  // The server's trust domain. Its bundle, as it is when the channel is made, is also gRPC's
  // root list, which decides nothing (OpenSSL's check is off; the verifier decides from
  // `bundles`). Without a root list gRPC 1.51 parses the system's whole CA store into memory
  // for the life of the process (about 0.6 MB).
  std::optional<spiffe::TrustDomain> server_trust_domain;
};

Result<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentials(
    const ChannelTlsOptions& options);

// The caller's SPIFFE ID and leaf, after the handshake verified them. Unauthenticated when the
// caller sent no certificate.
struct PeerSvid {
  spiffe::SpiffeId id;
  crypto::Certificate leaf;
};
Result<PeerSvid> PeerSvidOf(const grpc::ServerContextBase& context);

// A source holding one trust domain's X.509 bundle, replaced as a whole when it changes.
class StaticX509BundleSource final : public spiffe::X509BundleSource {
 public:
  explicit StaticX509BundleSource(spiffe::X509Bundle bundle)
      : bundle_(std::make_shared<const spiffe::X509Bundle>(std::move(bundle))) {}
  Result<spiffe::X509Bundle> GetX509Bundle(const spiffe::TrustDomain& td) const override;

 private:
  std::shared_ptr<const spiffe::X509Bundle> bundle_;
};

}  // namespace edgeid::grpctls
