#include "server/authority/server_svid.h"

#include "common/atomic_file.h"
#include "crypto/private_key.h"

namespace edgeid::server {

Result<std::unique_ptr<ServerSvid>> ServerSvid::Issue(const ca::CaManager& ca, spiffe::SpiffeId id,
                                                      const std::string& dir,
                                                      std::chrono::seconds ttl, ca::TimePoint now) {
  std::unique_ptr<ServerSvid> svid(new ServerSvid(ca, std::move(id), dir, ttl));
  EDGEID_RETURN_IF_ERROR(svid->Renew(now));
  return svid;
}

Status ServerSvid::Renew(ca::TimePoint now) {
  auto key = EDGEID_TRY(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto signing_ca = ca_.current_x509_ca();
  auto chain = EDGEID_TRY(ca_.SignX509SvidForKey(key.public_key(), {id_, {}, ttl_, now}));
  auto key_pem = EDGEID_TRY(key.ToPkcs8Pem());
  // Key first: the TLS listener accepts the pair only once both match.
  EDGEID_RETURN_IF_ERROR(WriteFileAtomic(key_file_, key_pem, 0600));
  EDGEID_RETURN_IF_ERROR(WriteFileAtomic(cert_file_, crypto::CertificatesToPem(chain), 0644));
  issued_at_ = now;
  not_after_ = chain.front().not_after();
  signing_ca_serial_ = signing_ca->certificate.serial_hex();
  return OkStatus();
}

Result<bool> ServerSvid::Tick(ca::TimePoint now) {
  bool half_life = now >= issued_at_ + (not_after_ - issued_at_) / 2;
  bool ca_changed = ca_.current_x509_ca()->certificate.serial_hex() != signing_ca_serial_;
  if (!half_life && !ca_changed) return false;
  EDGEID_RETURN_IF_ERROR(Renew(now));
  return true;
}

}  // namespace edgeid::server

namespace edgeid::server {

Result<spiffe::X509Bundle> CaBundleSource::GetX509Bundle(const spiffe::TrustDomain& td) const {
  if (td != ca_.config().trust_domain) {
    return NotFound("no X.509 bundle for trust domain " + td.name());
  }
  return ca_.bundle().x509();
}

}  // namespace edgeid::server
