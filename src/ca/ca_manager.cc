#include "ca/ca_manager.h"

#include <algorithm>
#include <mutex>

#include "crypto/encoding.h"
#include "crypto/random.h"
#include "spiffe/jwt_svid.h"

namespace edgeid::ca {
namespace {

using std::chrono::days;
using std::chrono::duration_cast;
using std::chrono::seconds;

constexpr char kX509KeyPrefix[] = "x509-CA-";
constexpr char kJwtKeyPrefix[] = "JWT-Signer-";

}  // namespace

TimePoint PrepareTime(TimePoint issued_at, TimePoint not_after) {
  auto life = duration_cast<seconds>(not_after - issued_at);
  return not_after - std::min<seconds>(life / 2, days(30));
}

TimePoint ActivateTime(TimePoint issued_at, TimePoint not_after) {
  auto life = duration_cast<seconds>(not_after - issued_at);
  return not_after - std::min<seconds>(life / 6, days(7));
}

CaManager::CaManager(CaConfig config, keymanager::KeyManager& key_manager,
                     UpstreamAuthority* upstream)
    : config_(std::move(config)),
      key_manager_(key_manager),
      upstream_(upstream),
      bundle_(config_.trust_domain) {}

std::string CaManager::NextKeyId(const std::string& prefix, const std::string& current_id) const {
  // Two slots, A and B, alternate so the active key is never overwritten by the next one.
  return current_id == prefix + "A" ? prefix + "B" : prefix + "A";
}

Result<std::shared_ptr<const X509CaSlot>> CaManager::MakeX509Ca(TimePoint now) {
  std::string key_id;
  {
    std::shared_lock lock(mu_);
    key_id = NextKeyId(kX509KeyPrefix, current_x509_ ? current_x509_->key_id : "");
  }
  auto key = EDGEID_TRY(key_manager_.GenerateKey(key_id, config_.ca_key_type));
  CaCertificateParams params{config_.trust_domain, config_.ca_subject, now, config_.ca_ttl};
  if (upstream_ == nullptr) {
    auto cert = EDGEID_TRY(MintSelfSignedCa(params, key));
    return std::shared_ptr<const X509CaSlot>(
        std::make_shared<X509CaSlot>(X509CaSlot{key_id, cert, key, {}, {cert}, now}));
  }
  auto csr = EDGEID_TRY(crypto::CertificateRequest::Create(key));
  auto minted = upstream_->MintX509Ca(csr, params);
  if (!minted.ok()) return minted.error().Wrap("upstream authority");
  if (minted->chain.empty() || !(minted->chain.front().public_key() == key.public_key())) {
    return Internal("upstream authority returned a CA certificate for another key");
  }
  crypto::CertificateChain upstream_chain(minted->chain.begin() + 1, minted->chain.end());
  auto slot = std::make_shared<X509CaSlot>(X509CaSlot{
      key_id, minted->chain.front(), key, std::move(upstream_chain), minted->roots, now});
  return std::shared_ptr<const X509CaSlot>(std::move(slot));
}

Result<std::shared_ptr<const JwtKeySlot>> CaManager::MakeJwtKey(TimePoint now) {
  std::string key_id;
  {
    std::shared_lock lock(mu_);
    key_id = NextKeyId(kJwtKeyPrefix, current_jwt_ ? current_jwt_->key_id : "");
  }
  auto key = EDGEID_TRY(key_manager_.GenerateKey(key_id, config_.jwt_key_type));
  auto kid_bytes = EDGEID_TRY(crypto::RandomBytes(24));
  auto kid = crypto::Base64UrlEncode(kid_bytes);
  return std::shared_ptr<const JwtKeySlot>(
      std::make_shared<JwtKeySlot>(JwtKeySlot{key_id, kid, key, now, now + config_.jwt_key_ttl}));
}

void CaManager::PublishLocked(const X509CaSlot& slot) {
  bool changed = false;
  for (const auto& root : slot.roots) changed |= bundle_.x509().AddAuthority(root);
  if (changed) bundle_.set_sequence(++sequence_);
}

void CaManager::PublishLocked(const std::shared_ptr<const JwtKeySlot>& slot) {
  if (bundle_.jwt().SetAuthority(slot->kid, slot->key.public_key()).ok()) {
    published_jwt_.push_back(slot);
    bundle_.set_sequence(++sequence_);
  }
}

Status CaManager::Initialize(TimePoint now) {
  auto x509 = MakeX509Ca(now);
  if (!x509.ok()) return x509.error().Wrap("creating the X.509 CA");
  auto jwt = MakeJwtKey(now);
  if (!jwt.ok()) return jwt.error().Wrap("creating the JWT signing key");
  std::unique_lock lock(mu_);
  current_x509_ = *x509;
  current_jwt_ = *jwt;
  next_x509_.reset();
  next_jwt_.reset();
  PublishLocked(**x509);
  PublishLocked(*jwt);
  return OkStatus();
}

Status CaManager::PrepareX509Ca(TimePoint now) {
  auto slot = MakeX509Ca(now);
  if (!slot.ok()) return slot.error().Wrap("preparing the next X.509 CA");
  std::unique_lock lock(mu_);
  next_x509_ = *slot;
  PublishLocked(**slot);  // trusted before it signs anything
  return OkStatus();
}

Status CaManager::ActivateX509Ca() {
  std::unique_lock lock(mu_);
  if (!next_x509_) return FailedPrecondition("no prepared X.509 CA to activate");
  current_x509_ = std::move(next_x509_);
  next_x509_.reset();
  return OkStatus();
}

Status CaManager::PrepareJwtKey(TimePoint now) {
  auto slot = MakeJwtKey(now);
  if (!slot.ok()) return slot.error().Wrap("preparing the next JWT key");
  std::unique_lock lock(mu_);
  next_jwt_ = *slot;
  PublishLocked(*slot);  // published before any token is signed with it
  return OkStatus();
}

Status CaManager::ActivateJwtKey() {
  std::unique_lock lock(mu_);
  if (!next_jwt_) return FailedPrecondition("no prepared JWT key to activate");
  current_jwt_ = std::move(next_jwt_);
  next_jwt_.reset();
  return OkStatus();
}

Result<bool> CaManager::Rotate(TimePoint now) {
  bool changed = false;
  std::shared_ptr<const X509CaSlot> x509;
  std::shared_ptr<const X509CaSlot> x509_next;
  std::shared_ptr<const JwtKeySlot> jwt;
  std::shared_ptr<const JwtKeySlot> jwt_next;
  {
    std::shared_lock lock(mu_);
    x509 = current_x509_;
    x509_next = next_x509_;
    jwt = current_jwt_;
    jwt_next = next_jwt_;
  }
  if (!x509 || !jwt) return FailedPrecondition("the CA is not initialised");

  auto x509_end = x509->certificate.not_after();
  if (!x509_next && now >= PrepareTime(x509->issued_at, x509_end)) {
    EDGEID_RETURN_IF_ERROR(PrepareX509Ca(now));
    changed = true;
    x509_next = next_x509_ca();
  }
  if (x509_next && now >= ActivateTime(x509->issued_at, x509_end)) {
    EDGEID_RETURN_IF_ERROR(ActivateX509Ca());
    changed = true;
  }
  if (!jwt_next && now >= PrepareTime(jwt->issued_at, jwt->not_after)) {
    EDGEID_RETURN_IF_ERROR(PrepareJwtKey(now));
    changed = true;
    jwt_next = next_jwt_key();
  }
  if (jwt_next && now >= ActivateTime(jwt->issued_at, jwt->not_after)) {
    EDGEID_RETURN_IF_ERROR(ActivateJwtKey());
    changed = true;
  }

  // Expired authorities leave the bundle. Tokens and SVIDs never outlive their signer, so
  // nothing still valid depends on them.
  std::unique_lock lock(mu_);
  bool pruned = false;
  for (const auto& cert : crypto::CertificateChain(bundle_.x509().authorities())) {
    if (cert.not_after() <= now) pruned |= bundle_.x509().RemoveAuthority(cert);
  }
  std::erase_if(published_jwt_, [&](const std::shared_ptr<const JwtKeySlot>& slot) {
    if (slot->not_after > now || slot == current_jwt_ || slot == next_jwt_) return false;
    pruned |= bundle_.jwt().RemoveAuthority(slot->kid);
    return true;
  });
  if (pruned) bundle_.set_sequence(++sequence_);
  return changed || pruned;
}

std::shared_ptr<const X509CaSlot> CaManager::current_x509_ca() const {
  std::shared_lock lock(mu_);
  return current_x509_;
}
std::shared_ptr<const X509CaSlot> CaManager::next_x509_ca() const {
  std::shared_lock lock(mu_);
  return next_x509_;
}
std::shared_ptr<const JwtKeySlot> CaManager::current_jwt_key() const {
  std::shared_lock lock(mu_);
  return current_jwt_;
}
std::shared_ptr<const JwtKeySlot> CaManager::next_jwt_key() const {
  std::shared_lock lock(mu_);
  return next_jwt_;
}

spiffe::SpiffeBundle CaManager::bundle() const {
  std::shared_lock lock(mu_);
  return bundle_;
}

Status CaManager::CheckMember(const spiffe::SpiffeId& id) const {
  if (!id.MemberOf(config_.trust_domain)) {
    return PermissionDenied(id.str() + " is not in trust domain " + config_.trust_domain.name());
  }
  return OkStatus();
}

Result<crypto::CertificateChain> CaManager::SignX509SvidForKey(
    const crypto::PublicKey& key, const spiffe::X509SvidParams& params) const {
  EDGEID_RETURN_IF_ERROR(CheckMember(params.id));
  auto ca = current_x509_ca();
  if (!ca) return FailedPrecondition("the CA is not initialised");
  auto leaf = EDGEID_TRY(spiffe::MintX509Svid(params, key, ca->certificate, ca->key));
  crypto::CertificateChain chain{std::move(leaf), ca->certificate};
  chain.insert(chain.end(), ca->upstream_chain.begin(), ca->upstream_chain.end());
  return chain;
}

Result<crypto::CertificateChain> CaManager::SignX509Svid(
    const crypto::CertificateRequest& csr, const spiffe::X509SvidParams& params) const {
  EDGEID_RETURN_IF_ERROR(CheckMember(params.id));
  auto ca = current_x509_ca();
  if (!ca) return FailedPrecondition("the CA is not initialised");
  auto leaf = EDGEID_TRY(spiffe::MintX509SvidFromCsr(params, csr, ca->certificate, ca->key));
  crypto::CertificateChain chain{std::move(leaf), ca->certificate};
  chain.insert(chain.end(), ca->upstream_chain.begin(), ca->upstream_chain.end());
  return chain;
}

Result<std::vector<std::string>> CaManager::SignX509SvidDer(
    const crypto::CertificateRequest& csr, const spiffe::X509SvidParams& params) const {
  EDGEID_RETURN_IF_ERROR(CheckMember(params.id));
  auto ca = current_x509_ca();
  if (!ca) return FailedPrecondition("the CA is not initialised");
  auto leaf = EDGEID_TRY(spiffe::MintX509SvidDerFromCsr(params, csr, ca->certificate, ca->key));
  std::vector<std::string> chain{std::move(leaf), ca->certificate.ToDer()};
  for (const auto& cert : ca->upstream_chain) chain.push_back(cert.ToDer());
  return chain;
}

Result<std::string> CaManager::SignJwtSvid(const spiffe::SpiffeId& id,
                                           const std::vector<std::string>& audience,
                                           std::chrono::seconds ttl, TimePoint now) const {
  EDGEID_RETURN_IF_ERROR(CheckMember(id));
  if (ttl.count() <= 0) return InvalidArgument("JWT-SVID TTL must be positive");
  auto signer = current_jwt_key();
  if (!signer) return FailedPrecondition("the CA is not initialised");
  // A token never outlives its key, so the key can leave the bundle when it expires.
  auto expiry = std::min(now + ttl, signer->not_after);
  if (expiry <= now) return FailedPrecondition("the JWT signing key has expired");
  auto alg = EDGEID_TRY(spiffe::DefaultJwsAlgorithm(signer->key.public_key()));
  spiffe::JwtSvidParams params{id, audience, now, expiry, signer->kid, config_.jwt_issuer};
  return spiffe::MintJwtSvid(params, signer->key, alg);
}

}  // namespace edgeid::ca
