// Which registration entries an agent may have signed: those parented to the agent or to a
// node alias it matches, and their descendants. Computed from an in-memory snapshot of every
// entry so that agent calls do not read the whole table; the snapshot is reloaded after a local
// change and at least every `reload_interval`, which also picks up writes by other servers
// sharing the database.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "server/datastore/datastore.h"

namespace edgeid::server {

using EntryPtr = std::shared_ptr<const RegistrationEntry>;

struct EntrySnapshot {
  uint64_t generation = 0;
  std::chrono::microseconds load_time{0};  // reading and indexing every entry
  std::unordered_map<std::string, EntryPtr> by_id;
  std::unordered_map<std::string, std::vector<EntryPtr>> by_parent;
  std::vector<EntryPtr> aliases;  // parented to the server: node aliases
};

// The entries one agent is authorised for, keyed by entry ID.
struct AuthorizedSet {
  uint64_t generation = 0;
  std::unordered_map<std::string, EntryPtr> entries;
};

class AuthorizedEntries {
 public:
  AuthorizedEntries(DataStore& datastore, std::string server_id,
                    std::chrono::milliseconds reload_interval = std::chrono::seconds(5))
      : datastore_(datastore),
        server_id_(std::move(server_id)),
        reload_interval_(reload_interval) {}

  // Marks the snapshot stale; the next lookup reloads it.
  void Invalidate();

  Result<std::shared_ptr<const EntrySnapshot>> Snapshot();

  // Entries for `agent_id` with node selectors `node_selectors` (sorted). Expired entries are
  // left out.
  Result<std::shared_ptr<const AuthorizedSet>> For(const std::string& agent_id,
                                                   const std::vector<Selector>& node_selectors,
                                                   int64_t now_unix);

 private:
  Result<std::shared_ptr<const EntrySnapshot>> Load(uint64_t generation);

  DataStore& datastore_;
  std::string server_id_;
  std::chrono::milliseconds reload_interval_;

  std::mutex reload_mu_;  // one load at a time; taken before mu_
  std::mutex mu_;
  std::shared_ptr<const EntrySnapshot> snapshot_;
  std::chrono::steady_clock::time_point loaded_at_;
  std::optional<int64_t> loaded_marker_;  // the store's change marker at the last load
  bool stale_ = true;                     // changed since the last load began
  bool loading_ = false;                  // a load is running
  bool loading_fresh_ = false;            // ... and it began after a change: callers wait for it
  uint64_t generation_ = 0;
  struct CachedSet {
    std::vector<Selector> node_selectors;
    int64_t computed_at = 0;
    std::shared_ptr<const AuthorizedSet> set;
  };
  std::unordered_map<std::string, CachedSet> per_agent_;
};

// Whether `have` (sorted) includes every selector of `want` (sorted).
bool IncludesAll(const std::vector<Selector>& have, const std::vector<Selector>& want);

}  // namespace edgeid::server
