// Keeps the bundles of federated trust domains current: polls each relationship's bundle
// endpoint at the refresh hint the bundle carries (5 minutes when it has none), stores a bundle
// that changed under its relationship's trust domain, and on failure keeps the last good bundle
// and retries with backoff. Runs on its own thread; trust domains are polled one after another,
// each fetch cut off at its total timeout.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "common/backoff.h"
#include "common/result.h"
#include "server/datastore/datastore.h"
#include "server/federation/bundle_fetch.h"
#include "spiffe/spiffe_bundle.h"

namespace edgeid::server::federation {

inline constexpr std::chrono::seconds kDefaultRefreshHint{300};

struct RefresherOptions {
  // This server's own bundle: authenticates https_spiffe endpoints that present an SVID of
  // this trust domain.
  std::function<spiffe::SpiffeBundle()> own_bundle;
  // Called after a federated bundle was stored.
  std::function<void()> on_change;
  FetchOptions fetch{};
  // Refresh hints are taken within these bounds, so that a bundle cannot make the server poll
  // in a busy loop or stop polling for months.
  std::chrono::seconds min_refresh{1};
  std::chrono::seconds max_refresh{std::chrono::hours(24)};
};

class BundleRefresher {
 public:
  BundleRefresher(spiffe::TrustDomain own_trust_domain, RefresherOptions options,
                  DataStore& datastore, std::shared_ptr<spdlog::logger> log);
  ~BundleRefresher();  // stops the thread
  BundleRefresher(const BundleRefresher&) = delete;
  BundleRefresher& operator=(const BundleRefresher&) = delete;

  void Start();
  // Fetches the trust domain's bundle now and stores it when it changed; the error says why
  // the fetch failed (the stored bundle then stays as it was).
  Result<spiffe::SpiffeBundle> RefreshNow(const std::string& trust_domain);
  // Relationships were created, changed or deleted: poll new ones at once.
  void RelationshipsChanged();

 private:
  struct Schedule {
    std::chrono::steady_clock::time_point next{};
    std::chrono::seconds refresh_hint{kDefaultRefreshHint};
    Backoff backoff{std::chrono::seconds(1), std::chrono::seconds(1)};
    bool failing = false;
  };
  void Run();
  Result<spiffe::SpiffeBundle> Refresh(const FederationRelationship& relationship);
  Result<spiffe::X509Bundle> EndpointAuthorities(const FederationRelationship& relationship);
  std::chrono::seconds Clamp(std::chrono::seconds hint) const;
  // The next poll at the bundle's refresh hint; mu_ must be held.
  void ScheduleAfterSuccess(const std::string& trust_domain, const spiffe::SpiffeBundle& bundle);

  spiffe::TrustDomain own_trust_domain_;
  RefresherOptions options_;
  DataStore& datastore_;
  std::shared_ptr<spdlog::logger> log_;
  // Orders the compare-and-store of fetched bundles (from the thread or RefreshNow); the fetches
  // themselves run without it, so that one slow endpoint holds up no other.
  std::mutex refresh_mu_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool changed_ = true;
  std::map<std::string, Schedule> schedules_;  // by trust domain, under mu_
  std::thread thread_;
};

}  // namespace edgeid::server::federation
