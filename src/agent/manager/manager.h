// The agent's work loop: syncs entries and bundles from the server every sync_interval, signs an
// X.509-SVID for each entry with a key made here (in batches no larger than the server's
// signing burst), rotates them and the agent's own SVID at their rotation time, and mints
// JWT-SVIDs on demand. When the server cannot be reached it keeps serving what it has until it
// expires and retries with exponential backoff and jitter.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "agent/cache/workload_cache.h"
#include "agent/client/server_client.h"
#include "agent/manager/rotation.h"
#include "agent/node/agent_identity.h"
#include "common/backoff.h"
#include "common/metrics.h"

namespace edgeid::agent {

struct ManagerOptions {
  spiffe::TrustDomain trust_domain;  // the agent's own; the others are federated
  std::chrono::seconds sync_interval{5};
  RotationPolicy rotation{};
  size_t max_batch = 500;  // the server's default signing rate per second
  size_t jwt_cache_max = 1000;
};

struct MintedJwt {
  std::string spiffe_id;
  std::string token;
  TimePoint expires_at{};
};

class Manager {
 public:
  Manager(ManagerOptions options, const AgentConfig& config, ServerClient& client,
          TrustBundleSource& bundle, WorkloadCache& cache, std::shared_ptr<spdlog::logger> log,
          Metrics& metrics);

  // One pass of the loop, called about twice a second. The first passes attest the node (or
  // take its stored SVID), retrying while the server cannot be reached. An error ends the agent:
  // attestation was refused, or the server banned it (its stored SVID is then deleted).
  Status Tick(TimePoint now);

  // A JWT-SVID for `entry`, reused until half its lifetime has passed.
  Result<MintedJwt> JwtSvid(const CachedEntry& entry, const std::vector<std::string>& audience,
                            TimePoint now);

  // Unavailable until the first sync has completed and while the agent's SVID is expired.
  Status Ready(TimePoint now) const;

  // The server announced a change: the next pass syncs (at most once a second this way).
  // Callable from any thread.
  void RequestSync() { sync_requested_.store(true); }

 private:
  Status StartIdentity(TimePoint now);
  Status Sync();
  Status SignDue(TimePoint now);
  void DropExpired(TimePoint now);
  Status OnSyncFailure(const Error& error, TimePoint now);
  // Takes the server's tainted authorities: SVIDs they signed are re-signed in this pass, the
  // agent's own is renewed, JWT-SVIDs signed with a tainted key are dropped.
  void ApplyTainted(std::set<std::string> x509, std::set<std::string> jwt);

  ManagerOptions options_;
  const AgentConfig& config_;
  ServerClient& client_;
  TrustBundleSource& bundle_;
  std::unique_ptr<AgentIdentity> identity_;  // set once by the loop, then read by callers
  std::atomic<bool> attested_{false};
  WorkloadCache& cache_;
  std::shared_ptr<spdlog::logger> log_;
  Metrics& metrics_;
  std::mt19937_64 rng_{std::random_device{}()};
  Backoff sync_backoff_;
  Backoff renew_backoff_;
  Backoff attest_backoff_;
  TimePoint next_attest_attempt_{};
  TimePoint next_sync_{};
  TimePoint last_sync_{};
  std::atomic<bool> sync_requested_{false};
  TimePoint next_renew_attempt_{};
  TimePoint next_sign_attempt_{};
  size_t batch_size_ = 0;  // halved when the server's rate limit refuses a batch
  bool server_down_ = false;
  Backoff reattest_backoff_;
  TimePoint next_reattest_attempt_{};
  std::map<std::string, TimePoint> sign_retry_after_;  // entries the server refused to sign
  std::set<std::string> tainted_x509_;                 // authority IDs, from the last sync
  std::set<std::string> resign_now_;                   // entries whose SVID a taint condemns
  bool renew_now_ = false;                             // the agent SVID's CA is tainted

  struct JwtCacheItem {
    MintedJwt jwt;
    TimePoint refresh_at{};
    std::string kid;
  };
  std::mutex jwt_mu_;
  std::map<std::string, JwtCacheItem> jwt_cache_;  // entry ID + audiences
  std::set<std::string> tainted_jwt_;              // guarded by jwt_mu_
};

}  // namespace edgeid::agent
