#include "server/federation/bundle_refresher.h"

#include <algorithm>

#include "server/federation/relationship.h"

namespace edgeid::server::federation {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How often the relationship list is read again when nothing announced a change (another
// server sharing the database may have changed it).
constexpr auto kRelationshipReload = std::chrono::seconds(10);

}  // namespace

BundleRefresher::BundleRefresher(spiffe::TrustDomain own_trust_domain, RefresherOptions options,
                                 DataStore& datastore, std::shared_ptr<spdlog::logger> log)
    : own_trust_domain_(std::move(own_trust_domain)),
      options_(std::move(options)),
      datastore_(datastore),
      log_(std::move(log)) {}

BundleRefresher::~BundleRefresher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BundleRefresher::Start() {
  thread_ = std::thread([this] { Run(); });
}

void BundleRefresher::RelationshipsChanged() {
  {
    std::lock_guard lock(mu_);
    changed_ = true;
  }
  wake_.notify_all();
}

std::chrono::seconds BundleRefresher::Clamp(std::chrono::seconds hint) const {
  return std::clamp(hint, options_.min_refresh, options_.max_refresh);
}

Result<spiffe::X509Bundle> BundleRefresher::EndpointAuthorities(const FederationRelationship& r) {
  auto id = EDGEID_TRY(spiffe::SpiffeId::Parse(r.endpoint_spiffe_id));
  auto td = EDGEID_TRY(spiffe::TrustDomain::Parse(id.trust_domain_name()));
  if (td == own_trust_domain_) return options_.own_bundle().x509();
  // The endpoint's own trust domain (self-serving: the bundle it last served, or the one the
  // operator set) or a third one this server holds a bundle of.
  auto json = datastore_.FetchBundle(td.name());
  if (!json.ok()) {
    return FailedPrecondition("no bundle of " + td.name() +
                              " to authenticate the endpoint with: give one with `federation "
                              "create --trust-domain-bundle-path` or `bundle set`");
  }
  auto bundle = spiffe::SpiffeBundle::Parse(td, *json);
  if (!bundle.ok()) return bundle.error().Wrap("stored bundle of " + td.name());
  return bundle->x509();
}

Result<spiffe::SpiffeBundle> BundleRefresher::Refresh(const FederationRelationship& r) {
  // Rows may come from another server or an older version: never let one replace this trust
  // domain's own bundle.
  if (r.trust_domain == own_trust_domain_.name()) {
    return FailedPrecondition("a federation relationship with this server's own trust domain " +
                              r.trust_domain + " is ignored");
  }
  std::optional<spiffe::X509Bundle> authorities;
  if (r.bundle_endpoint_profile == kProfileHttpsSpiffe) {
    authorities = EDGEID_TRY(EndpointAuthorities(r));
  }
  auto fetched = EDGEID_TRY(FetchBundle(r, authorities ? &*authorities : nullptr, options_.fetch));
  auto td = fetched.trust_domain();
  // The fetch ran without the lock (it may take until its deadline); store only if the
  // relationship is still the one it was made for, deleted or changed meanwhile it is not.
  std::lock_guard refresh_lock(refresh_mu_);
  auto current = datastore_.FetchFederationRelationship(r.trust_domain);
  if (!current.ok() || !(*current == r)) {
    return FailedPrecondition("the relationship with " + r.trust_domain +
                              " changed during the fetch; the bundle is not stored");
  }
  auto stored = datastore_.FetchBundle(td.name());
  std::optional<spiffe::SpiffeBundle> previous;
  if (stored.ok()) {
    if (auto parsed = spiffe::SpiffeBundle::Parse(td, *stored); parsed.ok()) previous = *parsed;
  }
  if (!previous || !(*previous == fetched)) {
    EDGEID_RETURN_IF_ERROR(datastore_.SetBundle(td.name(), fetched.ToJson()));
    log_->info(
        "federated bundle of {} updated from {}: {} X.509 authorities, {} JWT keys, "
        "sequence {}",
        td.name(), r.bundle_endpoint_url, fetched.x509().authorities().size(),
        fetched.jwt().authorities().size(),
        fetched.sequence() ? std::to_string(*fetched.sequence()) : "none");
    if (options_.on_change) options_.on_change();
  }
  return fetched;
}

Result<spiffe::SpiffeBundle> BundleRefresher::RefreshNow(const std::string& trust_domain) {
  auto relationship = EDGEID_TRY(datastore_.FetchFederationRelationship(trust_domain));
  auto bundle = Refresh(relationship);
  std::lock_guard lock(mu_);
  if (bundle.ok()) ScheduleAfterSuccess(trust_domain, *bundle);
  return bundle;
}

void BundleRefresher::ScheduleAfterSuccess(const std::string& trust_domain,
                                           const spiffe::SpiffeBundle& bundle) {
  auto& s = schedules_[trust_domain];
  s.refresh_hint = Clamp(bundle.refresh_hint().value_or(kDefaultRefreshHint));
  s.next = SteadyClock::now() + s.refresh_hint;
  if (s.failing) log_->info("bundle endpoint of {} answers again", trust_domain);
  s.failing = false;
}

void BundleRefresher::Run() {
  std::vector<FederationRelationship> relationships;
  auto next_reload = SteadyClock::now();
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (changed_ || SteadyClock::now() >= next_reload) {
      changed_ = false;
      lock.unlock();
      auto listed = datastore_.ListFederationRelationships();
      lock.lock();
      if (listed.ok()) {
        relationships = std::move(*listed);
        std::erase_if(schedules_, [&](const auto& entry) {
          return std::none_of(relationships.begin(), relationships.end(),
                              [&](const auto& r) { return r.trust_domain == entry.first; });
        });
      } else {
        log_->warn("reading federation relationships: {}", listed.error().message);
      }
      next_reload = SteadyClock::now() + kRelationshipReload;
    }
    auto wake_at = next_reload;
    for (const auto& relationship : relationships) {
      if (stop_ || changed_) break;  // changed: start again from the new list
      auto& schedule = schedules_[relationship.trust_domain];  // new ones are due at once
      if (SteadyClock::now() < schedule.next) {
        wake_at = std::min(wake_at, schedule.next);
        continue;
      }
      lock.unlock();
      auto bundle = Refresh(relationship);
      lock.lock();
      auto& s = schedules_[relationship.trust_domain];
      if (bundle.ok()) {
        ScheduleAfterSuccess(relationship.trust_domain, *bundle);
      } else {
        if (!s.failing) {
          // Retries start fast and slow down to the refresh hint.
          s.backoff = Backoff(std::chrono::seconds(1), s.refresh_hint);
        }
        s.failing = true;
        auto wait = s.backoff.Next();
        s.next = SteadyClock::now() + wait;
        log_->warn("refreshing the bundle of {} failed, keeping the last one, retry in {} ms: {}",
                   relationship.trust_domain, wait.count(), bundle.error().message);
      }
      wake_at = std::min(wake_at, s.next);
    }
    if (stop_) break;
    wake_.wait_until(lock, wake_at, [this] { return stop_ || changed_; });
  }
}

}  // namespace edgeid::server::federation
