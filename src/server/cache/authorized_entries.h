// Which registration entries an agent may have signed: those parented to the agent or to a
// node alias it matches, and their descendants. Computed from an in-memory snapshot of every
// entry so that agent calls do not read the whole table. Changes this server commits are
// applied to the snapshot (no reload); it is reloaded when the datastore says someone else
// changed it (checked every `reload_interval`), which picks up writes by other servers sharing
// the database.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "server/datastore/datastore.h"

namespace edgeid::server {

using EntryPtr = std::shared_ptr<const RegistrationEntry>;

using EntryList = std::shared_ptr<const std::vector<EntryPtr>>;

// Lets maps keyed by std::string be searched with a std::string_view, without a copy.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct EntrySnapshot {
  uint64_t generation = 0;
  std::chrono::microseconds load_time{0};  // reading and indexing (or applying changes)
  bool reloaded = false;                   // read from the datastore, not changes applied
  size_t entry_count = 0;
  // Entries by parent ID; node aliases are the children of the server's ID. A list is shared
  // between snapshots until a change touches it, so applying a change copies only the lists
  // it touches.
  std::unordered_map<std::string, EntryList, StringHash, std::equal_to<>> by_parent;

  const std::vector<EntryPtr>& Children(std::string_view parent_id) const;
};

// The entries one agent is authorised for, keyed by entry ID. The keys view the entries' own
// IDs (alive as long as the values), so building a set copies no strings.
struct AuthorizedSet {
  uint64_t generation = 0;
  std::unordered_map<std::string_view, EntryPtr> entries;
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
  // A change this server committed, recorded in commit order; applied to the snapshot now, or at
  // the next lookup when a load is running.
  void Record(EntryChange change);

  Result<std::shared_ptr<const EntrySnapshot>> Snapshot();

  // Called each time a new snapshot replaces the last: what agents are authorised for may have
  // changed. Called without the snapshot lock but possibly under the reload lock, so it must not
  // call back into this cache. Set before agents are served.
  void SetChangeListener(std::function<void()> listener) { on_change_ = std::move(listener); }

  // Entries for `agent_id` with node selectors `node_selectors` (sorted). Expired entries are
  // left out.
  Result<std::shared_ptr<const AuthorizedSet>> For(const std::string& agent_id,
                                                   const std::vector<Selector>& node_selectors,
                                                   int64_t now_unix);

 private:
  struct PendingChange {
    std::vector<EntryPtr> upserted;
    std::vector<std::string> removed_ids;
  };
  using EntryIndex = std::unordered_map<std::string, EntryPtr>;
  struct Loaded {
    std::shared_ptr<const EntrySnapshot> snapshot;
    EntryIndex index;
  };
  Result<Loaded> Load(uint64_t generation) const;
  // Applies the recorded changes to the snapshot; reload_mu_ must be held.
  std::shared_ptr<const EntrySnapshot> ApplyPending();
  // Applies `changes` to `base` and to index_ (under reload_mu_).
  std::shared_ptr<const EntrySnapshot> Apply(const EntrySnapshot& base,
                                             const std::vector<PendingChange>& changes,
                                             uint64_t generation);

  DataStore& datastore_;
  std::string server_id_;
  std::function<void()> on_change_;
  std::chrono::milliseconds reload_interval_;

  std::mutex reload_mu_;  // one load at a time; taken before mu_
  EntryIndex index_;      // every entry of snapshot_ by ID; under reload_mu_
  std::mutex mu_;
  std::shared_ptr<const EntrySnapshot> snapshot_;
  std::chrono::steady_clock::time_point loaded_at_;
  std::optional<int64_t> loaded_marker_;  // the store's change marker at the last load
  bool stale_ = true;                     // changed since the last load began
  bool loading_ = false;                  // a load is running
  bool loading_fresh_ = false;            // ... and it began after a change: callers wait for it
  uint64_t generation_ = 0;
  // Recorded changes not yet in the snapshot, with their sequence numbers.
  std::vector<std::pair<uint64_t, PendingChange>> pending_;
  uint64_t change_seq_ = 0;
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
