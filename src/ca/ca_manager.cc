#include "ca/ca_manager.h"

#include <algorithm>
#include <mutex>

#include "common/timestamp.h"
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
    published_jwt_.push_back({slot->kid, slot->not_after});
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
  std::erase_if(published_jwt_, [&](const PublishedJwtKey& published) {
    bool in_use = (current_jwt_ && current_jwt_->kid == published.kid) ||
                  (next_jwt_ && next_jwt_->kid == published.kid);
    if (published.not_after > now || in_use) return false;
    pruned |= bundle_.jwt().RemoveAuthority(published.kid);
    return true;
  });
  if (pruned) bundle_.set_sequence(++sequence_);
  bool marks = PruneMarksLocked(now);
  return changed || pruned || marks;
}

namespace {

TimePoint FromUnixSeconds(int64_t s) {
  return TimePoint(seconds(s));
}

JournalX509Ca ToJournal(const X509CaSlot& slot) {
  JournalX509Ca out{slot.key_id, {slot.certificate.ToDer()}, {}, UnixSeconds(slot.issued_at)};
  for (const auto& c : slot.upstream_chain) out.chain_der.push_back(c.ToDer());
  for (const auto& c : slot.roots) out.roots_der.push_back(c.ToDer());
  return out;
}

JournalJwtKey ToJournal(const JwtKeySlot& slot) {
  return {slot.key_id, slot.kid, slot.key.public_key().ToDer(), UnixSeconds(slot.issued_at),
          UnixSeconds(slot.not_after)};
}

Result<crypto::CertificateChain> ParseDers(const std::vector<std::string>& ders) {
  crypto::CertificateChain out;
  for (const auto& der : ders) {
    auto cert = EDGEID_TRY(crypto::Certificate::FromDer(der));
    out.push_back(std::move(cert));
  }
  return out;
}

Result<std::shared_ptr<const X509CaSlot>> FromJournal(const JournalX509Ca& journaled,
                                                      const keymanager::KeyManager& km,
                                                      TimePoint now) {
  auto key = EDGEID_TRY(km.GetKey(journaled.key_id));
  auto chain = EDGEID_TRY(ParseDers(journaled.chain_der));
  auto roots = EDGEID_TRY(ParseDers(journaled.roots_der));
  if (chain.empty() || !(chain.front().public_key() == key.public_key())) {
    return FailedPrecondition("key " + journaled.key_id + " does not match the journaled CA");
  }
  if (chain.front().not_after() <= now) return FailedPrecondition("the journaled CA has expired");
  crypto::CertificateChain upstream(chain.begin() + 1, chain.end());
  return std::shared_ptr<const X509CaSlot>(std::make_shared<X509CaSlot>(
      X509CaSlot{journaled.key_id, chain.front(), key, std::move(upstream), std::move(roots),
                 FromUnixSeconds(journaled.issued_at)}));
}

Result<std::shared_ptr<const JwtKeySlot>> FromJournal(const JournalJwtKey& journaled,
                                                      const keymanager::KeyManager& km,
                                                      TimePoint now) {
  auto key = EDGEID_TRY(km.GetKey(journaled.key_id));
  if (key.public_key().ToDer() != journaled.public_key_der) {
    return FailedPrecondition("key " + journaled.key_id + " does not match the journaled JWT key");
  }
  if (FromUnixSeconds(journaled.not_after) <= now) {
    return FailedPrecondition("the journaled JWT key has expired");
  }
  return std::shared_ptr<const JwtKeySlot>(std::make_shared<JwtKeySlot>(
      JwtKeySlot{journaled.key_id, journaled.kid, key, FromUnixSeconds(journaled.issued_at),
                 FromUnixSeconds(journaled.not_after)}));
}

}  // namespace

CaJournal CaManager::Journal() const {
  std::shared_lock lock(mu_);
  CaJournal journal;
  if (current_x509_) journal.current_x509 = ToJournal(*current_x509_);
  if (next_x509_) journal.next_x509 = ToJournal(*next_x509_);
  if (current_jwt_) journal.current_jwt = ToJournal(*current_jwt_);
  if (next_jwt_) journal.next_jwt = ToJournal(*next_jwt_);
  for (const auto& root : bundle_.x509().authorities()) {
    journal.published_roots_der.push_back(root.ToDer());
  }
  for (const auto& published : published_jwt_) {
    auto key = bundle_.jwt().FindAuthority(published.kid);
    if (!key.ok()) continue;
    journal.published_jwt.push_back(
        {"", published.kid, key->ToDer(), 0, UnixSeconds(published.not_after)});
  }
  journal.sequence = sequence_;
  JournalMarksLocked(journal);
  return journal;
}

void CaManager::KeepPublished(const CaJournal& journal, TimePoint now) {
  std::unique_lock lock(mu_);
  bool changed = false;
  for (const auto& der : journal.published_roots_der) {
    auto root = crypto::Certificate::FromDer(der);
    if (root.ok() && root->not_after() > now) changed |= bundle_.x509().AddAuthority(*root);
  }
  for (const auto& k : journal.published_jwt) {
    auto pub = crypto::PublicKey::FromDer(k.public_key_der);
    if (!pub.ok() || FromUnixSeconds(k.not_after) <= now) continue;
    if (bundle_.jwt().FindAuthority(k.kid).ok()) continue;
    if (bundle_.jwt().SetAuthority(k.kid, *pub).ok()) {
      published_jwt_.push_back({k.kid, FromUnixSeconds(k.not_after)});
      changed = true;
    }
  }
  if (changed) bundle_.set_sequence(++sequence_);
  // Marks of the authorities kept published stay: SVIDs they signed must still rotate away.
  RestoreMarksLocked(journal);
}

Status CaManager::Restore(const CaJournal& journal, TimePoint now) {
  if (!journal.current_x509 || !journal.current_jwt) {
    return FailedPrecondition("the CA journal has no active CA or JWT key");
  }
  auto x509 = FromJournal(*journal.current_x509, key_manager_, now);
  if (!x509.ok()) return x509.error().Wrap("resuming the X.509 CA");
  auto jwt = FromJournal(*journal.current_jwt, key_manager_, now);
  if (!jwt.ok()) return jwt.error().Wrap("resuming the JWT key");
  if (!(*x509)->certificate.uri_sans().empty() &&
      (*x509)->certificate.uri_sans().front() != config_.trust_domain.IdString()) {
    return FailedPrecondition("the journaled CA belongs to another trust domain");
  }
  // A prepared successor that cannot be resumed is simply prepared again by Rotate.
  std::shared_ptr<const X509CaSlot> next_x509;
  if (journal.next_x509) {
    auto next = FromJournal(*journal.next_x509, key_manager_, now);
    if (next.ok()) next_x509 = *next;
  }
  std::shared_ptr<const JwtKeySlot> next_jwt;
  if (journal.next_jwt) {
    auto next = FromJournal(*journal.next_jwt, key_manager_, now);
    if (next.ok()) next_jwt = *next;
  }

  spiffe::SpiffeBundle bundle(config_.trust_domain);
  for (const auto& der : journal.published_roots_der) {
    auto root = crypto::Certificate::FromDer(der);
    if (root.ok() && root->not_after() > now) bundle.x509().AddAuthority(*root);
  }
  std::vector<PublishedJwtKey> published;
  for (const auto& k : journal.published_jwt) {
    auto pub = crypto::PublicKey::FromDer(k.public_key_der);
    if (!pub.ok() || FromUnixSeconds(k.not_after) <= now) continue;
    if (bundle.jwt().SetAuthority(k.kid, *pub).ok()) {
      published.push_back({k.kid, FromUnixSeconds(k.not_after)});
    }
  }

  std::unique_lock lock(mu_);
  current_x509_ = *x509;
  next_x509_ = next_x509;
  current_jwt_ = *jwt;
  next_jwt_ = next_jwt;
  bundle_ = std::move(bundle);
  published_jwt_ = std::move(published);
  sequence_ = std::max(sequence_, journal.sequence);
  bundle_.set_sequence(sequence_);
  RestoreMarksLocked(journal);
  // Whatever is in use must be trusted, even if the journal missed it.
  PublishLocked(*current_x509_);
  if (next_x509_) PublishLocked(*next_x509_);
  for (const auto* slot : {&current_jwt_, &next_jwt_}) {
    if (*slot && !bundle_.jwt().FindAuthority((*slot)->kid).ok()) PublishLocked(*slot);
  }
  return OkStatus();
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

spiffe::SpiffeBundle CaManager::own_bundle() const {
  std::shared_lock lock(mu_);
  return bundle_;
}

spiffe::SpiffeBundle CaManager::bundle() const {
  std::shared_lock lock(mu_);
  if (!peers_) return bundle_;
  spiffe::SpiffeBundle merged = bundle_;
  const auto now = std::chrono::system_clock::now();
  for (const auto& root : peers_->x509().authorities()) {
    if (root.not_after() > now) merged.x509().AddAuthority(root);
  }
  for (const auto& jwk : peers_->jwt().authorities()) {
    if (!merged.jwt().FindAuthority(jwk.key_id).ok()) {
      (void)merged.jwt().SetAuthority(jwk.key_id, jwk.public_key);
    }
  }
  merged.set_sequence(std::max(sequence_, peers_->sequence().value_or(0)));
  return merged;
}

void CaManager::SetPeerAuthorities(spiffe::SpiffeBundle shared) {
  std::unique_lock lock(mu_);
  peers_ = std::move(shared);
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

Result<std::vector<std::string>> CaManager::SignX509SvidDer(const crypto::CertificateRequest& csr,
                                                            const spiffe::X509SvidParams& params,
                                                            TimePoint* not_after) const {
  EDGEID_RETURN_IF_ERROR(CheckMember(params.id));
  auto ca = current_x509_ca();
  if (!ca) return FailedPrecondition("the CA is not initialised");
  auto leaf = EDGEID_TRY(spiffe::MintX509SvidDerFromCsr(params, csr, ca->certificate, ca->key));
  // The rule MintX509Svid applies; the CA slot is the one that signed.
  if (not_after != nullptr)
    *not_after = std::min(params.now + params.ttl, ca->certificate.not_after());
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
