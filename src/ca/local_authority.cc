// CaManager's authority management: the operator's prepare, activate, taint and revoke, and the
// taint and revocation marks that the journal keeps.
#include <algorithm>
#include <mutex>

#include "ca/ca_manager.h"
#include "common/timestamp.h"
#include "crypto/encoding.h"

namespace edgeid::ca {
namespace {

TimePoint FromUnix(int64_t s) {
  return TimePoint(std::chrono::seconds(s));
}

Error NoUpstreamFor(const char* action) {
  // The bundle then holds the upstream roots, shared by every local authority: there is no
  // root of this authority alone to mark or drop (SPIRE refuses the same).
  return FailedPrecondition(std::string("an X.509 authority cannot be ") + action +
                            " when an upstream authority is configured");
}

Status CheckIdGiven(const std::string& id) {
  if (id.empty()) return InvalidArgument("no authority ID given");
  return OkStatus();
}

}  // namespace

std::string X509AuthorityId(const crypto::Certificate& ca) {
  return crypto::HexEncode(ca.subject_key_id());
}

AuthorityState CaManager::X509StateLocked(const X509CaSlot& slot) const {
  AuthorityState state{X509AuthorityId(slot.certificate), slot.certificate.not_after(), "", false};
  if (upstream_ != nullptr) {
    state.upstream_authority_subject_key_id =
        crypto::HexEncode(slot.certificate.authority_key_id());
  }
  state.tainted = tainted_x509_.contains(state.authority_id);
  return state;
}

AuthorityState CaManager::JwtStateLocked(const JwtKeySlot& slot) const {
  return {slot.kid, slot.not_after, "", tainted_jwt_.contains(slot.kid)};
}

AuthorityStates CaManager::X509Authorities() const {
  std::shared_lock lock(mu_);
  AuthorityStates states;
  if (current_x509_) states.active = X509StateLocked(*current_x509_);
  if (next_x509_) states.prepared = X509StateLocked(*next_x509_);
  // With an upstream authority the bundle holds its roots, not old local authorities.
  if (upstream_ != nullptr) return states;
  for (const auto& root : bundle_.x509().authorities()) {
    if ((current_x509_ && root == current_x509_->certificate) ||
        (next_x509_ && root == next_x509_->certificate)) {
      continue;
    }
    auto id = X509AuthorityId(root);
    states.old.push_back({id, root.not_after(), "", tainted_x509_.contains(id)});
  }
  return states;
}

AuthorityStates CaManager::JwtAuthorities() const {
  std::shared_lock lock(mu_);
  AuthorityStates states;
  if (current_jwt_) states.active = JwtStateLocked(*current_jwt_);
  if (next_jwt_) states.prepared = JwtStateLocked(*next_jwt_);
  for (const auto& published : published_jwt_) {
    if ((current_jwt_ && published.kid == current_jwt_->kid) ||
        (next_jwt_ && published.kid == next_jwt_->kid)) {
      continue;
    }
    states.old.push_back(
        {published.kid, published.not_after, "", tainted_jwt_.contains(published.kid)});
  }
  return states;
}

Result<AuthorityState> CaManager::PrepareX509Authority(TimePoint now) {
  auto replaced = next_x509_ca();
  EDGEID_RETURN_IF_ERROR(PrepareX509Ca(now));
  std::unique_lock lock(mu_);
  // A replaced prepared CA never signed anything: it need not stay trusted. With an upstream
  // authority its roots are everyone's and stay.
  if (replaced && upstream_ == nullptr && bundle_.x509().RemoveAuthority(replaced->certificate)) {
    bundle_.set_sequence(++sequence_);
  }
  return X509StateLocked(*next_x509_);
}

Result<AuthorityState> CaManager::ActivateX509Authority(const std::string& authority_id) {
  EDGEID_RETURN_IF_ERROR(CheckIdGiven(authority_id));
  {
    std::shared_lock lock(mu_);
    if (current_x509_ && X509AuthorityId(current_x509_->certificate) == authority_id) {
      return FailedPrecondition("X.509 authority " + authority_id + " is already active");
    }
    if (!next_x509_) return FailedPrecondition("no X.509 authority is prepared");
    if (X509AuthorityId(next_x509_->certificate) != authority_id) {
      return NotFound("X.509 authority " + authority_id +
                      " is not the prepared one; only a prepared authority can be activated");
    }
  }
  EDGEID_RETURN_IF_ERROR(ActivateX509Ca());
  std::shared_lock lock(mu_);
  return X509StateLocked(*current_x509_);
}

Result<AuthorityState> CaManager::TaintX509Authority(const std::string& authority_id) {
  EDGEID_RETURN_IF_ERROR(CheckIdGiven(authority_id));
  if (upstream_ != nullptr) return NoUpstreamFor("tainted");
  auto states = X509Authorities();
  if (states.active && states.active->authority_id == authority_id) {
    return FailedPrecondition("X.509 authority " + authority_id +
                              " is active and cannot be tainted; prepare and activate another");
  }
  if (states.prepared && states.prepared->authority_id == authority_id) {
    return FailedPrecondition("X.509 authority " + authority_id +
                              " is prepared; only an old authority can be tainted");
  }
  auto old = std::find_if(states.old.begin(), states.old.end(),
                          [&](const AuthorityState& s) { return s.authority_id == authority_id; });
  if (old == states.old.end()) return NotFound("no X.509 authority " + authority_id);
  if (old->tainted) return FailedPrecondition("X.509 authority " + authority_id + " is tainted");
  std::unique_lock lock(mu_);
  tainted_x509_.insert(authority_id);
  old->tainted = true;
  return *old;
}

Result<AuthorityState> CaManager::RevokeX509Authority(const std::string& authority_id) {
  EDGEID_RETURN_IF_ERROR(CheckIdGiven(authority_id));
  if (upstream_ != nullptr) return NoUpstreamFor("revoked");
  std::unique_lock lock(mu_);
  if ((current_x509_ && X509AuthorityId(current_x509_->certificate) == authority_id) ||
      (next_x509_ && X509AuthorityId(next_x509_->certificate) == authority_id)) {
    return FailedPrecondition("X.509 authority " + authority_id +
                              " is not old and cannot be revoked");
  }
  const auto& roots = bundle_.x509().authorities();
  auto root = std::find_if(roots.begin(), roots.end(), [&](const crypto::Certificate& c) {
    return X509AuthorityId(c) == authority_id;
  });
  if (root == roots.end()) return NotFound("no X.509 authority " + authority_id);
  if (!tainted_x509_.contains(authority_id)) {
    return FailedPrecondition("X.509 authority " + authority_id +
                              " is not tainted; taint it and let agents rotate first");
  }
  AuthorityState state{authority_id, root->not_after(), "", true};
  crypto::Certificate revoked = *root;
  bundle_.x509().RemoveAuthority(revoked);
  bundle_.set_sequence(++sequence_);
  tainted_x509_.erase(authority_id);
  revoked_x509_[authority_id] = revoked.not_after();
  return state;
}

Result<AuthorityState> CaManager::PrepareJwtAuthority(TimePoint now) {
  auto replaced = next_jwt_key();
  EDGEID_RETURN_IF_ERROR(PrepareJwtKey(now));
  std::unique_lock lock(mu_);
  if (replaced && bundle_.jwt().RemoveAuthority(replaced->kid)) {
    std::erase_if(published_jwt_, [&](const PublishedJwtKey& p) { return p.kid == replaced->kid; });
    bundle_.set_sequence(++sequence_);
  }
  return JwtStateLocked(*next_jwt_);
}

Result<AuthorityState> CaManager::ActivateJwtAuthority(const std::string& authority_id) {
  EDGEID_RETURN_IF_ERROR(CheckIdGiven(authority_id));
  {
    std::shared_lock lock(mu_);
    if (current_jwt_ && current_jwt_->kid == authority_id) {
      return FailedPrecondition("JWT authority " + authority_id + " is already active");
    }
    if (!next_jwt_) return FailedPrecondition("no JWT authority is prepared");
    if (next_jwt_->kid != authority_id) {
      return NotFound("JWT authority " + authority_id +
                      " is not the prepared one; only a prepared authority can be activated");
    }
  }
  EDGEID_RETURN_IF_ERROR(ActivateJwtKey());
  std::shared_lock lock(mu_);
  return JwtStateLocked(*current_jwt_);
}

Result<AuthorityState> CaManager::TaintJwtAuthority(const std::string& authority_id) {
  EDGEID_RETURN_IF_ERROR(CheckIdGiven(authority_id));
  auto states = JwtAuthorities();
  if (states.active && states.active->authority_id == authority_id) {
    return FailedPrecondition("JWT authority " + authority_id +
                              " is active and cannot be tainted; prepare and activate another");
  }
  if (states.prepared && states.prepared->authority_id == authority_id) {
    return FailedPrecondition("JWT authority " + authority_id +
                              " is prepared; only an old authority can be tainted");
  }
  auto old = std::find_if(states.old.begin(), states.old.end(),
                          [&](const AuthorityState& s) { return s.authority_id == authority_id; });
  if (old == states.old.end()) return NotFound("no JWT authority " + authority_id);
  if (old->tainted) return FailedPrecondition("JWT authority " + authority_id + " is tainted");
  std::unique_lock lock(mu_);
  tainted_jwt_.insert(authority_id);
  old->tainted = true;
  return *old;
}

Result<AuthorityState> CaManager::RevokeJwtAuthority(const std::string& authority_id) {
  EDGEID_RETURN_IF_ERROR(CheckIdGiven(authority_id));
  std::unique_lock lock(mu_);
  if ((current_jwt_ && current_jwt_->kid == authority_id) ||
      (next_jwt_ && next_jwt_->kid == authority_id)) {
    return FailedPrecondition("JWT authority " + authority_id +
                              " is not old and cannot be revoked");
  }
  auto published = std::find_if(published_jwt_.begin(), published_jwt_.end(),
                                [&](const PublishedJwtKey& p) { return p.kid == authority_id; });
  if (published == published_jwt_.end()) return NotFound("no JWT authority " + authority_id);
  if (!tainted_jwt_.contains(authority_id)) {
    return FailedPrecondition("JWT authority " + authority_id +
                              " is not tainted; taint it and let agents rotate first");
  }
  AuthorityState state{authority_id, published->not_after, "", true};
  published_jwt_.erase(published);
  bundle_.jwt().RemoveAuthority(authority_id);
  bundle_.set_sequence(++sequence_);
  tainted_jwt_.erase(authority_id);
  return state;
}

TaintedAuthorities CaManager::own_tainted() const {
  std::shared_lock lock(mu_);
  return {tainted_x509_, tainted_jwt_};
}

TaintedAuthorities CaManager::tainted() const {
  std::shared_lock lock(mu_);
  TaintedAuthorities all{tainted_x509_, tainted_jwt_};
  all.x509.insert(peer_tainted_.x509.begin(), peer_tainted_.x509.end());
  all.jwt.insert(peer_tainted_.jwt.begin(), peer_tainted_.jwt.end());
  return all;
}

void CaManager::SetPeerTainted(TaintedAuthorities peers) {
  std::unique_lock lock(mu_);
  peer_tainted_ = std::move(peers);
}

bool CaManager::PruneMarksLocked(TimePoint now) {
  bool changed = false;
  changed |= std::erase_if(tainted_x509_, [&](const std::string& id) {
               const auto& roots = bundle_.x509().authorities();
               return std::none_of(roots.begin(), roots.end(), [&](const crypto::Certificate& c) {
                 return X509AuthorityId(c) == id;
               });
             }) > 0;
  changed |= std::erase_if(tainted_jwt_, [&](const std::string& kid) {
               return std::none_of(published_jwt_.begin(), published_jwt_.end(),
                                   [&](const PublishedJwtKey& p) { return p.kid == kid; });
             }) > 0;
  changed |= std::erase_if(revoked_x509_, [&](const auto& r) { return r.second <= now; }) > 0;
  return changed;
}

void CaManager::RestoreMarksLocked(const CaJournal& journal) {
  tainted_x509_.insert(journal.tainted_x509.begin(), journal.tainted_x509.end());
  tainted_jwt_.insert(journal.tainted_jwt.begin(), journal.tainted_jwt.end());
  for (const auto& r : journal.revoked_x509) revoked_x509_[r.authority_id] = FromUnix(r.not_after);
}

void CaManager::JournalMarksLocked(CaJournal& journal) const {
  journal.tainted_x509.assign(tainted_x509_.begin(), tainted_x509_.end());
  journal.tainted_jwt.assign(tainted_jwt_.begin(), tainted_jwt_.end());
  for (const auto& [id, not_after] : revoked_x509_) {
    journal.revoked_x509.push_back({id, UnixSeconds(not_after)});
  }
}

}  // namespace edgeid::ca
