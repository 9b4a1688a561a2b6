// The server's own X.509-SVID (spiffe://<td>/edgeid/server), which it presents on the agent API.
// Its key is made here and written with the certificates to files (key 0600) that the TLS
// listener re-reads, so a renewed SVID is served without a restart.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "ca/ca_manager.h"
#include "common/result.h"
#include "spiffe/spiffe_id.h"

namespace edgeid::server {

class ServerSvid {
 public:
  static Result<std::unique_ptr<ServerSvid>> Issue(const ca::CaManager& ca, spiffe::SpiffeId id,
                                                   const std::string& dir, std::chrono::seconds ttl,
                                                   ca::TimePoint now);

  // Renews at half of the SVID's life, or when the active CA is no longer the one that signed
  // it. Returns whether it renewed.
  Result<bool> Tick(ca::TimePoint now);

  const std::string& key_file() const { return key_file_; }
  const std::string& cert_file() const { return cert_file_; }
  const spiffe::SpiffeId& id() const { return id_; }

 private:
  ServerSvid(const ca::CaManager& ca, spiffe::SpiffeId id, const std::string& dir,
             std::chrono::seconds ttl)
      : ca_(ca),
        id_(std::move(id)),
        key_file_(dir + "/server_svid.key"),
        cert_file_(dir + "/server_svid.pem"),
        ttl_(ttl) {}
  Status Renew(ca::TimePoint now);

  const ca::CaManager& ca_;
  spiffe::SpiffeId id_;
  std::string key_file_;
  std::string cert_file_;
  std::chrono::seconds ttl_;
  ca::TimePoint issued_at_{};
  ca::TimePoint not_after_{};
  std::string signing_ca_serial_;
};

}  // namespace edgeid::server

namespace edgeid::server {

// The trust domain's current X.509 authorities, for verifying agents' SVIDs in handshakes.
class CaBundleSource final : public spiffe::X509BundleSource {
 public:
  explicit CaBundleSource(const ca::CaManager& ca) : ca_(ca) {}
  Result<spiffe::X509Bundle> GetX509Bundle(const spiffe::TrustDomain& td) const override;

 private:
  const ca::CaManager& ca_;
};

}  // namespace edgeid::server
