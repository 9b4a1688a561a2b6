// The signing authority of a trust domain: its X.509 CA and JWT signing key, their rotation
// (prepare, then activate, with old and new both trusted during the overlap) and the trust
// bundle that publishes them.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "ca/ca_certificate.h"
#include "ca/ca_journal.h"
#include "ca/local_authority.h"
#include "ca/upstream_authority.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/key_type.h"
#include "keymanager/key_manager.h"
#include "spiffe/spiffe_bundle.h"
#include "spiffe/x509_svid.h"

namespace edgeid::ca {

struct CaConfig {
  spiffe::TrustDomain trust_domain;
  crypto::KeyType ca_key_type = crypto::KeyType::kEcP256;
  crypto::KeyType jwt_key_type = crypto::KeyType::kEcP256;
  std::chrono::seconds ca_ttl = std::chrono::hours(24);
  std::chrono::seconds jwt_key_ttl = std::chrono::hours(24);
  Subject ca_subject = {{"C", "US"}, {"O", "edgeid"}};
  std::string jwt_issuer{};  // "iss" of JWT-SVIDs when set
};

struct X509CaSlot {
  std::string key_id;  // the key's ID in the key manager
  crypto::Certificate certificate;
  crypto::PrivateKey key;
  crypto::CertificateChain upstream_chain;  // between `certificate` and the roots
  crypto::CertificateChain roots;           // trust anchors published for this CA
  TimePoint issued_at;
};

struct JwtKeySlot {
  std::string key_id;  // the key's ID in the key manager
  std::string kid;     // the JWT "kid", published in the bundle
  crypto::PrivateKey key;
  TimePoint issued_at;
  TimePoint not_after;
};

// When the next authority is prepared and activated, as fractions of the current one's life
// (SPIRE's rule: prepare at min(life/2, 30d) left, activate at min(life/6, 7d) left).
TimePoint PrepareTime(TimePoint issued_at, TimePoint not_after);
TimePoint ActivateTime(TimePoint issued_at, TimePoint not_after);

class CaManager {
 public:
  // `upstream` may be null for a self-signed CA. Both must outlive the manager.
  CaManager(CaConfig config, keymanager::KeyManager& key_manager, UpstreamAuthority* upstream);

  const CaConfig& config() const { return config_; }

  // Creates and activates the first CA and JWT key.
  Status Initialize(TimePoint now);
  // Prepares or activates the next authorities when their time has come, and drops expired
  // ones from the bundle. Returns whether anything changed. Call it every few seconds.
  Result<bool> Rotate(TimePoint now);

  Status PrepareX509Ca(TimePoint now);
  Status ActivateX509Ca();
  Status PrepareJwtKey(TimePoint now);
  Status ActivateJwtKey();

  std::shared_ptr<const X509CaSlot> current_x509_ca() const;
  std::shared_ptr<const X509CaSlot> next_x509_ca() const;
  std::shared_ptr<const JwtKeySlot> current_jwt_key() const;
  std::shared_ptr<const JwtKeySlot> next_jwt_key() const;

  // What a restarted server resumes from; persist it whenever Initialize or Rotate changed
  // something.
  CaJournal Journal() const;
  // Resumes from `journal`. Keys come from the key manager by ID and must match their
  // certificates. FailedPrecondition when the journaled CA or JWT key is unusable at `now`
  // (expired, or its key is gone): the caller then calls Initialize.
  Status Restore(const CaJournal& journal, TimePoint now);
  // After Initialize replaced a CA that could not be resumed: keeps publishing the old
  // journal's unexpired roots and JWT keys until they expire, since SVIDs and tokens they
  // signed are still in use.
  void KeepPublished(const CaJournal& journal, TimePoint now);

  // The trust domain's bundle: every unexpired CA root and JWT key, current and prepared, with
  // those of the trust domain's other servers (see SetPeerAuthorities).
  spiffe::SpiffeBundle bundle() const;
  // This CA's own authorities only: what it contributes to a bundle shared between servers.
  spiffe::SpiffeBundle own_bundle() const;
  // The bundle that servers sharing a datastore publish together: its authorities are trusted
  // and served beside this CA's own, but never journaled as this CA's.
  void SetPeerAuthorities(spiffe::SpiffeBundle shared);

  // Authority management (SPIRE's localauthority API; local_authority.cc). Prepare makes a new
  // authority and publishes it, replacing one already prepared; activate makes the prepared one
  // sign; taint marks an old one (never the active or prepared) so that agents rotate away
  // from what it signed while it stays trusted; revoke drops a tainted one from the bundle.
  // Refusals: NotFound for an unknown ID, FailedPrecondition for a wrong state, and for X.509
  // taint and revoke when an upstream authority holds the roots. Callers persist the journal.
  AuthorityStates X509Authorities() const;
  AuthorityStates JwtAuthorities() const;
  Result<AuthorityState> PrepareX509Authority(TimePoint now);
  Result<AuthorityState> ActivateX509Authority(const std::string& authority_id);
  Result<AuthorityState> TaintX509Authority(const std::string& authority_id);
  Result<AuthorityState> RevokeX509Authority(const std::string& authority_id);
  Result<AuthorityState> PrepareJwtAuthority(TimePoint now);
  Result<AuthorityState> ActivateJwtAuthority(const std::string& authority_id);
  Result<AuthorityState> TaintJwtAuthority(const std::string& authority_id);
  Result<AuthorityState> RevokeJwtAuthority(const std::string& authority_id);
  // This CA's tainted authorities, and with those of the servers sharing its datastore.
  TaintedAuthorities own_tainted() const;
  TaintedAuthorities tainted() const;
  void SetPeerTainted(TaintedAuthorities peers);

  // X.509-SVID for the key in `csr` (signature checked); chain is leaf first. The ID must be in
  // this trust domain; nothing but the public key is taken from the CSR.
  Result<crypto::CertificateChain> SignX509Svid(const crypto::CertificateRequest& csr,
                                                const spiffe::X509SvidParams& params) const;
  // The same chain as DER, leaf first, without building certificate objects: what a server
  // sends per request. `not_after`, when given, receives the leaf's expiry (clamped to the CA's),
  // so that callers need not parse the leaf again.
  Result<std::vector<std::string>> SignX509SvidDer(const crypto::CertificateRequest& csr,
                                                   const spiffe::X509SvidParams& params,
                                                   TimePoint* not_after = nullptr) const;
  Result<crypto::CertificateChain> SignX509SvidForKey(const crypto::PublicKey& key,
                                                      const spiffe::X509SvidParams& params) const;
  Result<std::string> SignJwtSvid(const spiffe::SpiffeId& id,
                                  const std::vector<std::string>& audience,
                                  std::chrono::seconds ttl, TimePoint now) const;

 private:
  Result<std::shared_ptr<const X509CaSlot>> MakeX509Ca(TimePoint now);
  Result<std::shared_ptr<const JwtKeySlot>> MakeJwtKey(TimePoint now);
  std::string NextKeyId(const std::string& prefix, const std::string& current_id) const;
  void PublishLocked(const X509CaSlot& slot);
  void PublishLocked(const std::shared_ptr<const JwtKeySlot>& slot);
  Status CheckMember(const spiffe::SpiffeId& id) const;
  // Forgets marks of authorities that left the bundle; true when any went.
  bool PruneMarksLocked(TimePoint now);
  void RestoreMarksLocked(const CaJournal& journal);
  void JournalMarksLocked(CaJournal& journal) const;
  AuthorityState X509StateLocked(const X509CaSlot& slot) const;
  AuthorityState JwtStateLocked(const JwtKeySlot& slot) const;

  CaConfig config_;
  keymanager::KeyManager& key_manager_;
  UpstreamAuthority* upstream_;

  mutable std::shared_mutex mu_;
  std::shared_ptr<const X509CaSlot> current_x509_;
  std::shared_ptr<const X509CaSlot> next_x509_;
  std::shared_ptr<const JwtKeySlot> current_jwt_;
  std::shared_ptr<const JwtKeySlot> next_jwt_;
  spiffe::SpiffeBundle bundle_;  // own authorities
  std::optional<spiffe::SpiffeBundle> peers_;
  struct PublishedJwtKey {
    std::string kid;
    TimePoint not_after;
  };
  std::vector<PublishedJwtKey> published_jwt_;  // in the bundle now, with when each expires
  uint64_t sequence_ = 0;
  std::set<std::string> tainted_x509_;
  std::set<std::string> tainted_jwt_;
  std::map<std::string, TimePoint> revoked_x509_;  // authority ID -> when its root expires
  TaintedAuthorities peer_tainted_;
};

}  // namespace edgeid::ca
