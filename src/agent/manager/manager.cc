#include "agent/manager/manager.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <unordered_set>

#include "agent/manager/tainted.h"
#include "crypto/csr.h"

namespace edgeid::agent {
namespace {

constexpr auto kMinAnnouncedSyncGap = std::chrono::seconds(1);
constexpr const char* kMetricSyncFailures = "edgeid_agent_sync_failures_total";
constexpr const char* kMetricX509Signed = "edgeid_agent_x509_svids_received_total";
constexpr const char* kMetricJwtMinted = "edgeid_agent_jwt_svids_received_total";

bool IsBanned(const Error& error) {
  return error.code == ErrorCode::kPermissionDenied &&
         error.message.find("is banned") != std::string::npos;
}

std::shared_ptr<const CachedEntry> FromProto(const server::v1::Entry& e) {
  auto entry = std::make_shared<CachedEntry>();
  entry->id = e.id();
  entry->spiffe_id = e.spiffe_id();
  for (const auto& s : e.selectors()) entry->selectors.push_back(s.type() + ":" + s.value());
  std::sort(entry->selectors.begin(), entry->selectors.end());
  entry->dns_names.assign(e.dns_names().begin(), e.dns_names().end());
  entry->federates_with.assign(e.federates_with().begin(), e.federates_with().end());
  entry->hint = e.hint();
  entry->revision = e.revision_number();
  entry->created_at = e.created_at();
  return entry;
}

bool EntryOrder(const std::shared_ptr<const CachedEntry>& a,
                const std::shared_ptr<const CachedEntry>& b) {
  return std::tie(a->created_at, a->id) < std::tie(b->created_at, b->id);
}

bool SameBundle(const std::shared_ptr<const spiffe::SpiffeBundle>& a,
                const std::shared_ptr<const spiffe::SpiffeBundle>& b) {
  if (!a || !b) return a == b;
  return *a == *b;
}

}  // namespace

Manager::Manager(ManagerOptions options, const AgentConfig& config, ServerClient& client,
                 TrustBundleSource& bundle, WorkloadCache& cache,
                 std::shared_ptr<spdlog::logger> log, Metrics& metrics)
    : options_(std::move(options)),
      config_(config),
      client_(client),
      bundle_(bundle),
      cache_(cache),
      log_(std::move(log)),
      metrics_(metrics),
      sync_backoff_(std::chrono::seconds(1),
                    std::min<std::chrono::milliseconds>(std::chrono::minutes(8),
                                                        options_.sync_interval * 48)),
      renew_backoff_(std::chrono::seconds(1), std::chrono::minutes(5)),
      attest_backoff_(std::chrono::seconds(1), std::chrono::minutes(1)),
      reattest_backoff_(std::chrono::seconds(1), std::chrono::minutes(5)) {
  metrics_.DescribeCounter(kMetricSyncFailures,
                           "Entry or bundle syncs with the server that failed.");
  metrics_.DescribeCounter(kMetricX509Signed, "X.509-SVIDs the server signed for workloads.");
  metrics_.DescribeCounter(kMetricJwtMinted, "JWT-SVIDs the server minted for workloads.");
}

Status Manager::StartIdentity(TimePoint now) {
  if (now < next_attest_attempt_) return OkStatus();
  auto identity = AgentIdentity::Start(config_, client_, bundle_, log_);
  if (identity.ok()) {
    identity_ = std::move(*identity);
    attested_.store(true, std::memory_order_release);
    return OkStatus();
  }
  // Only an unreachable server is worth waiting for; a refusal will not change by itself.
  if (identity.error().code != ErrorCode::kUnavailable &&
      identity.error().code != ErrorCode::kDeadlineExceeded) {
    return identity.error();
  }
  auto wait = attest_backoff_.Next();
  next_attest_attempt_ = now + wait;
  log_->warn("{}; retrying in {} ms", identity.error().message, wait.count());
  return OkStatus();
}

Status Manager::Tick(TimePoint now) {
  WorkloadCache::Batch one_change(cache_);
  if (!identity_) {
    EDGEID_RETURN_IF_ERROR(StartIdentity(now));
    if (!identity_) return OkStatus();
  }
  if (identity_->not_after() <= now && now >= next_renew_attempt_) {
    // Expired during an outage: the server would refuse it now, so only attesting again helps
    // (SPIRE #1562 left agents broken until restarted here).
    auto reattested = identity_->Reattest();
    if (!reattested.ok()) {
      auto wait = renew_backoff_.Next();
      next_renew_attempt_ = now + wait;
      log_->error("the agent SVID has expired: {}; retrying in {} ms", reattested.error().message,
                  wait.count());
      return OkStatus();
    }
    next_sync_ = now;
  }
  if (sync_requested_.exchange(false)) {
    // A change announced by the server (which therefore answers): sync now, but not more than
    // once a second however fast changes come.
    next_sync_ = std::min(next_sync_, std::max(now, last_sync_ + kMinAnnouncedSyncGap));
  }
  if (now >= next_sync_) {
    last_sync_ = now;
    auto synced = Sync();
    if (synced.ok()) {
      if (server_down_) log_->info("the server answers again; syncing resumed");
      server_down_ = false;
      sync_backoff_.Reset();
      next_sync_ = now + options_.sync_interval;
    } else {
      EDGEID_RETURN_IF_ERROR(OnSyncFailure(synced.error(), now));
    }
  }
  if (!server_down_ && now >= next_sign_attempt_) {
    auto signed_ok = SignDue(now);
    if (!signed_ok.ok()) {
      if (IsBanned(signed_ok.error())) return OnSyncFailure(signed_ok.error(), now);
      log_->warn("signing SVIDs: {}", signed_ok.error().message);
    }
  }
  if ((now >= identity_->rotate_at() || renew_now_) && now >= next_renew_attempt_) {
    auto renewed = identity_->Renew();
    if (renewed.ok()) {
      renew_backoff_.Reset();
      renew_now_ = false;
      if (server_down_) next_sync_ = now;  // the server is back: sync without waiting
    } else {
      if (IsBanned(renewed.error())) return OnSyncFailure(renewed.error(), now);
      auto wait = renew_backoff_.Next();
      next_renew_attempt_ = now + wait;
      log_->warn("renewing the agent SVID failed ({}); retrying in {} ms", renewed.error().message,
                 wait.count());
    }
  }
  DropExpired(now);
  return OkStatus();
}

Status Manager::OnSyncFailure(const Error& error, TimePoint now) {
  metrics_.Increment(kMetricSyncFailures);
  if (IsBanned(error)) {
    identity_->Forget();
    cache_.Update([](CacheState& state) {
      state.svids.clear();
      state.entries.clear();
      return true;
    });
    return PermissionDenied("the server banned this agent (" + error.message +
                            "); its SVID was deleted and it stops issuing identities");
  }
  if (error.code == ErrorCode::kPermissionDenied && now >= next_reattest_attempt_) {
    // The server no longer knows this SVID (e.g. the agent was evicted): attest again if the
    // attestor allows it, retrying with backoff (the server limits attestations per address).
    log_->warn("the server refused the agent SVID ({}); attesting again", error.message);
    auto reattested = identity_->Reattest();
    if (reattested.ok()) {
      reattest_backoff_.Reset();
      next_sync_ = now;
      return OkStatus();
    }
    next_reattest_attempt_ = now + reattest_backoff_.Next();
    log_->error("{}", reattested.error().message);
  }
  auto wait = sync_backoff_.Next();
  // However long the backoff has grown, try several times before the first cached SVID
  // expires, so that a server back in time is used in time.
  auto state = cache_.Current();
  auto soonest = identity_->not_after();
  for (const auto& [id, svid] : state->svids) soonest = std::min(soonest, svid->not_after);
  auto quarter = std::chrono::duration_cast<std::chrono::milliseconds>(soonest - now) / 4;
  wait = std::min(wait, std::max<std::chrono::milliseconds>(quarter, std::chrono::seconds(1)));
  next_sync_ = now + wait;
  log_->warn("sync with the server failed: {}; retrying in {} ms, serving {} cached SVIDs",
             error.message, wait.count(), state->svids.size());
  server_down_ = true;
  return OkStatus();
}

Status Manager::Sync() {
  auto before = cache_.Current();
  std::map<std::string, int64_t> known;
  for (const auto& entry : before->entries) known.emplace(entry->id, entry->revision);
  auto synced = client_.SyncEntries(known);
  if (!synced.ok()) return synced.error();
  auto fetched = client_.FetchBundles();
  if (!fetched.ok()) return fetched.error();
  const auto& bundles = fetched->bundles();

  std::shared_ptr<const spiffe::SpiffeBundle> own;
  std::map<std::string, std::shared_ptr<const spiffe::SpiffeBundle>> federated;
  for (const auto& b : bundles) {
    auto td = spiffe::TrustDomain::Parse(b.trust_domain());
    if (!td.ok()) continue;
    auto parsed = spiffe::SpiffeBundle::Parse(*td, b.spiffe_bundle_json());
    if (!parsed.ok()) {
      log_->warn("ignoring the bundle of {}: {}", b.trust_domain(), parsed.error().message);
      continue;
    }
    auto bundle = std::make_shared<const spiffe::SpiffeBundle>(std::move(*parsed));
    if (*td == options_.trust_domain) {
      own = std::move(bundle);
    } else {
      federated.emplace(td->name(), std::move(bundle));
    }
  }
  if (!own || own->x509().empty()) return Unavailable("the server sent no bundle of its own");
  EDGEID_RETURN_IF_ERROR(identity_->UpdateBundle(own->x509()));

  size_t changed = synced->changed.size(), removed = synced->removed_ids.size();
  cache_.Update([&](CacheState& state) {
    bool dirty = !state.synced;
    state.synced = true;
    if (changed > 0 || removed > 0) {
      std::set<std::string> gone(synced->removed_ids.begin(), synced->removed_ids.end());
      std::map<std::string, std::shared_ptr<const CachedEntry>> updated;
      for (const auto& e : synced->changed) updated.emplace(e.id(), FromProto(e));
      std::vector<std::shared_ptr<const CachedEntry>> entries;
      entries.reserve(state.entries.size() + updated.size());
      for (const auto& entry : state.entries) {
        if (gone.contains(entry->id)) continue;
        if (auto next = updated.find(entry->id); next != updated.end()) {
          // The SVID of the old identity must not be served under the new one.
          if (next->second->spiffe_id != entry->spiffe_id ||
              next->second->dns_names != entry->dns_names) {
            state.svids.erase(entry->id);
          }
          continue;
        }
        entries.push_back(entry);
      }
      for (auto& [id, entry] : updated) entries.push_back(std::move(entry));
      std::sort(entries.begin(), entries.end(), EntryOrder);
      state.entries = std::move(entries);
      for (const auto& id : gone) {
        state.svids.erase(id);
        sign_retry_after_.erase(id);
      }
      dirty = true;
    }
    if (!SameBundle(state.own_bundle, own)) {
      state.own_bundle = own;
      dirty = true;
    }
    bool same_federation = state.federated.size() == federated.size() &&
                           std::equal(state.federated.begin(), state.federated.end(),
                                      federated.begin(), [](const auto& a, const auto& b) {
                                        return a.first == b.first && SameBundle(a.second, b.second);
                                      });
    if (!same_federation) {
      state.federated = federated;
      dirty = true;
    }
    return dirty;
  });
  if (changed > 0 || removed > 0) {
    log_->info("entries synced: {} new or changed, {} removed, {} in total", changed, removed,
               synced->total);
  }
  ApplyTainted(
      {fetched->tainted_x509_authorities().begin(), fetched->tainted_x509_authorities().end()},
      {fetched->tainted_jwt_authorities().begin(), fetched->tainted_jwt_authorities().end()});
  return OkStatus();
}

void Manager::ApplyTainted(std::set<std::string> x509, std::set<std::string> jwt) {
  if (x509 != tainted_x509_) {
    log_->info("tainted X.509 authorities: {}", x509.size());
    tainted_x509_ = std::move(x509);
  }
  resign_now_.clear();
  if (!tainted_x509_.empty()) {
    for (const auto& [id, svid] : cache_.Current()->svids) {
      if (AnyTainted(svid->authority_ids, tainted_x509_)) resign_now_.insert(id);
    }
    if (AnyTainted(X509AuthorityIds(identity_->svid().chain), tainted_x509_)) renew_now_ = true;
    if (!resign_now_.empty() || renew_now_) {
      log_->warn("re-signing {} SVIDs{} signed by a tainted authority", resign_now_.size(),
                 renew_now_ ? " and the agent's own" : "");
    }
  }
  std::lock_guard lock(jwt_mu_);
  if (jwt == tainted_jwt_) return;
  tainted_jwt_ = std::move(jwt);
  size_t dropped = std::erase_if(
      jwt_cache_, [&](const auto& kv) { return tainted_jwt_.contains(kv.second.kid); });
  if (dropped > 0) log_->warn("dropped {} JWT-SVIDs signed with a tainted key", dropped);
}

Status Manager::SignDue(TimePoint now) {
  auto state = cache_.Current();
  std::vector<std::shared_ptr<const CachedEntry>> due;
  for (const auto& entry : state->entries) {
    auto it = state->svids.find(entry->id);
    bool needed = it == state->svids.end() || it->second->entry_revision != entry->revision ||
                  it->second->rotate_at <= now || resign_now_.contains(entry->id);
    if (!needed) continue;
    auto retry = sign_retry_after_.find(entry->id);
    if (retry != sign_retry_after_.end() && retry->second > now) continue;
    due.push_back(entry);
  }
  if (batch_size_ == 0) batch_size_ = options_.max_batch;
  for (size_t start = 0; start < due.size(); start += batch_size_) {
    size_t end = std::min(due.size(), start + batch_size_);
    std::vector<SignRequest> batch;
    std::vector<crypto::PrivateKey> keys;
    auto began = std::chrono::steady_clock::now();
    for (size_t i = start; i < end; ++i) {
      auto key = EDGEID_TRY(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
      auto csr = EDGEID_TRY(crypto::CertificateRequest::Create(key));
      batch.push_back({due[i]->id, csr.ToDer()});
      keys.push_back(std::move(key));
    }
    auto prepared = std::chrono::steady_clock::now();
    auto results = client_.BatchNewX509Svid(batch);
    auto answered = std::chrono::steady_clock::now();
    if (!results.ok() && results.error().code == ErrorCode::kResourceExhausted) {
      // The server's signing limit (500 a second by default): the rest waits a second, in
      // smaller batches in case the limit is lower than one batch.
      next_sign_attempt_ = now + std::chrono::seconds(1);
      batch_size_ = std::max<size_t>(1, batch_size_ / 2);
      log_->debug("signing paused by the server's rate limit; {} SVIDs wait", due.size() - start);
      return OkStatus();
    }
    if (!results.ok()) {
      next_sign_attempt_ = now + options_.sync_interval;
      return results.error();
    }
    batch_size_ = std::min(options_.max_batch, batch_size_ * 2);
    if (results->size() != batch.size()) {
      return Internal("the server answered " + std::to_string(results->size()) + " of " +
                      std::to_string(batch.size()) + " signing requests");
    }
    std::vector<std::shared_ptr<const CachedSvid>> fresh;
    for (size_t i = 0; i < batch.size(); ++i) {
      const auto& entry = *due[start + i];
      auto& result = (*results)[i];
      auto svid = [&]() -> Result<std::shared_ptr<const CachedSvid>> {
        if (!result.ok()) return result.error();
        auto id = EDGEID_TRY(spiffe::CheckLeafProfile(result->chain.front()));
        if (id.str() != entry.spiffe_id) {
          return Internal("the server signed " + id.str() + " for entry " + entry.id);
        }
        if (!(result->chain.front().public_key() == keys[i].public_key())) {
          return Internal("the server signed another key for entry " + entry.id);
        }
        auto cached = std::make_shared<CachedSvid>();
        cached->entry_id = entry.id;
        cached->spiffe_id = entry.spiffe_id;
        cached->entry_revision = entry.revision;
        cached->not_after = result->chain.front().not_after();
        std::uniform_real_distribution<double> jitter(0, 1);
        cached->rotate_at = RotationTime(result->chain.front().not_before(), cached->not_after,
                                         options_.rotation, jitter(rng_));
        cached->chain_der = crypto::CertificatesToDer(result->chain);
        cached->authority_ids = X509AuthorityIds(result->chain);
        cached->key_der = EDGEID_TRY(keys[i].ToPkcs8Der());
        return std::shared_ptr<const CachedSvid>(std::move(cached));
      }();
      if (svid.ok()) {
        sign_retry_after_.erase(entry.id);
        resign_now_.erase(entry.id);
        fresh.push_back(std::move(*svid));
      } else {
        if (IsBanned(svid.error())) return svid.error();
        sign_retry_after_[entry.id] = now + options_.sync_interval;
        log_->warn("no SVID for entry {} ({}): {}", entry.id, entry.spiffe_id,
                   svid.error().message);
      }
    }
    metrics_.Increment(kMetricX509Signed, {}, fresh.size());
    if (fresh.empty()) continue;
    cache_.Update([&](CacheState& s) {
      bool dirty = false;
      std::unordered_set<std::string_view> present;
      present.reserve(s.entries.size());
      for (const auto& e : s.entries) present.insert(e->id);
      for (auto& svid : fresh) {
        // Skipped if the entry went away while the batch was signed.
        if (!present.contains(svid->entry_id)) continue;
        s.svids[svid->entry_id] = svid;
        dirty = true;
      }
      return dirty;
    });
    auto ms = [](auto from, auto to) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
    };
    log_->debug(
        "received {} X.509-SVIDs: keys and CSRs {} ms, server {} ms, checked and cached {} ms",
        fresh.size(), ms(began, prepared), ms(prepared, answered),
        ms(answered, std::chrono::steady_clock::now()));
  }
  return OkStatus();
}

void Manager::DropExpired(TimePoint now) {
  auto state = cache_.Current();
  bool any = std::any_of(state->svids.begin(), state->svids.end(),
                         [&](const auto& kv) { return kv.second->not_after <= now; });
  if (!any) return;
  cache_.Update([&](CacheState& s) {
    size_t before = s.svids.size();
    std::erase_if(s.svids, [&](const auto& kv) { return kv.second->not_after <= now; });
    if (s.svids.size() != before) {
      log_->warn("{} cached SVIDs expired before they could be renewed", before - s.svids.size());
    }
    return s.svids.size() != before;
  });
}

Result<MintedJwt> Manager::JwtSvid(const CachedEntry& entry,
                                   const std::vector<std::string>& audience, TimePoint now) {
  std::vector<std::string> sorted = audience;
  std::sort(sorted.begin(), sorted.end());
  // The revision too: a token minted before the entry changed is not reused after.
  std::string key = entry.id + '\x1f' + std::to_string(entry.revision);
  for (const auto& a : sorted) key += '\x1f' + a;
  {
    std::lock_guard lock(jwt_mu_);
    auto it = jwt_cache_.find(key);
    if (it != jwt_cache_.end() && it->second.refresh_at > now &&
        !tainted_jwt_.contains(it->second.kid)) {
      return it->second.jwt;
    }
  }
  auto minted = client_.NewJwtSvid(entry.id, audience);
  if (!minted.ok()) return minted.error();
  metrics_.Increment(kMetricJwtMinted);
  MintedJwt jwt{minted->id(), minted->token(),
                TimePoint(std::chrono::seconds(minted->expires_at()))};
  auto issued = TimePoint(std::chrono::seconds(minted->issued_at()));
  std::lock_guard lock(jwt_mu_);
  if (jwt_cache_.size() >= options_.jwt_cache_max) {
    std::erase_if(jwt_cache_, [&](const auto& kv) { return kv.second.refresh_at <= now; });
    if (jwt_cache_.size() >= options_.jwt_cache_max) jwt_cache_.erase(jwt_cache_.begin());
  }
  jwt_cache_[key] = {jwt, issued + (jwt.expires_at - issued) / 2, JwtKeyId(jwt.token)};
  return jwt;
}

Status Manager::Ready(TimePoint now) const {
  if (!attested_.load(std::memory_order_acquire)) {
    return Unavailable("the agent has not attested to the server yet");
  }
  if (!cache_.Current()->synced) return Unavailable("the agent has not synced with the server yet");
  if (identity_->not_after() <= now) return Unavailable("the agent SVID has expired");
  return OkStatus();
}

}  // namespace edgeid::agent
