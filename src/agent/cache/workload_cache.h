// What the agent serves: the entries it is authorised for, an X.509-SVID per entry (keys made
// here), and the bundles. Readers take an immutable snapshot; the sync thread publishes a new
// one for each change and tells listeners, which push it to open Workload API streams.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "spiffe/spiffe_bundle.h"
#include "spiffe/x509_svid.h"

namespace edgeid::agent {

using TimePoint = std::chrono::system_clock::time_point;

struct CachedEntry {
  std::string id;
  std::string spiffe_id;
  std::vector<std::string> selectors;  // "type:value", sorted
  std::vector<std::string> dns_names;
  std::vector<std::string> federates_with;  // trust domain names
  std::string hint;
  int64_t revision = 0;
  int64_t created_at = 0;
};

struct CachedSvid {
  std::string entry_id;
  std::string spiffe_id;
  int64_t entry_revision = 0;  // the entry revision it was signed for
  std::string chain_der;       // leaf first, concatenated, as the Workload API sends it
  std::string key_der;         // PKCS#8
  TimePoint not_after{};
  TimePoint rotate_at{};
  std::vector<std::string> authority_ids;  // the CAs its chain names (manager/tainted.h)
};

struct CacheState {
  uint64_t version = 0;
  bool synced = false;  // the first sync with the server has completed
  std::vector<std::shared_ptr<const CachedEntry>> entries;                   // by (created_at, id)
  std::unordered_map<std::string, std::shared_ptr<const CachedSvid>> svids;  // by entry ID
  std::shared_ptr<const spiffe::SpiffeBundle> own_bundle;
  std::map<std::string, std::shared_ptr<const spiffe::SpiffeBundle>> federated;  // by TD name
};

struct Identity {
  std::shared_ptr<const CachedEntry> entry;
  std::shared_ptr<const CachedSvid> svid;
};

// The identities for a caller with these selectors (sorted): entries whose selectors are all
// among them and whose SVID is still valid, oldest entry first (the default identity).
std::vector<Identity> MatchIdentities(const CacheState& state,
                                      const std::vector<std::string>& selectors, TimePoint now);
// Entries for these selectors, whether or not their SVID is there yet.
std::vector<std::shared_ptr<const CachedEntry>> MatchEntries(
    const CacheState& state, const std::vector<std::string>& selectors);

class WorkloadCache {
 public:
  WorkloadCache() : state_(std::make_shared<const CacheState>()) {}

  std::shared_ptr<const CacheState> Current() const;
  // Applies `change` to a copy of the state. When it returns true the copy is published with
  // the next version and listeners are called (on this thread, after the lock is released).
  void Update(const std::function<bool(CacheState&)>& change);

  using Listener = std::function<void()>;
  uint64_t Subscribe(Listener listener);
  void Unsubscribe(uint64_t id);

  // While one is alive, updates are published but listeners are told only when the last one
  // goes (once, if anything changed): a sync and the signing that follows it reach workloads as
  // one change, so an entry whose identity changes never shows as gone in between.
  class Batch {
   public:
    explicit Batch(WorkloadCache& cache);
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;

   private:
    WorkloadCache& cache_;
  };

 private:
  void NotifyListeners();
  mutable std::mutex mu_;
  std::shared_ptr<const CacheState> state_;
  std::mutex listeners_mu_;
  uint64_t next_listener_ = 1;
  std::map<uint64_t, std::shared_ptr<Listener>> listeners_;
  int batches_ = 0;           // guarded by mu_
  bool held_change_ = false;  // guarded by mu_
};

}  // namespace edgeid::agent
