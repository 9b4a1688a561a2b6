#include "server/cache/authorized_entries.h"

#include <algorithm>
#include <deque>
#include <unordered_set>

namespace edgeid::server {

bool IncludesAll(const std::vector<Selector>& have, const std::vector<Selector>& want) {
  return std::includes(have.begin(), have.end(), want.begin(), want.end());
}

void AuthorizedEntries::Invalidate() {
  std::lock_guard lock(mu_);
  stale_ = true;
}

Result<std::shared_ptr<const EntrySnapshot>> AuthorizedEntries::Load(uint64_t generation) {
  auto started = std::chrono::steady_clock::now();
  auto entries = EDGEID_TRY(datastore_.ListRegistrationEntries({}));
  auto snapshot = std::make_shared<EntrySnapshot>();
  snapshot->generation = generation;
  snapshot->by_id.reserve(entries.size());
  for (auto& e : entries) {
    auto entry = std::make_shared<const RegistrationEntry>(std::move(e));
    snapshot->by_id.emplace(entry->entry_id, entry);
    if (entry->parent_id == server_id_) {
      snapshot->aliases.push_back(entry);
    } else {
      snapshot->by_parent[entry->parent_id].push_back(entry);
    }
  }
  snapshot->load_time = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  return std::shared_ptr<const EntrySnapshot>(std::move(snapshot));
}

Result<std::shared_ptr<const EntrySnapshot>> AuthorizedEntries::Snapshot() {
  auto usable = [this] {
    bool expired = std::chrono::steady_clock::now() - loaded_at_ >= reload_interval_;
    // A load started after a change must be waited for; a periodic one need not be.
    return snapshot_ && !stale_ && !loading_fresh_ && (!expired || loading_);
  };
  {
    std::lock_guard lock(mu_);
    if (usable()) return snapshot_;
  }
  std::lock_guard reload(reload_mu_);
  uint64_t generation = 0;
  // A periodic refresh is skipped when the store says nobody else changed it.
  auto marker = datastore_.ExternalChangeMarker();
  {
    std::lock_guard lock(mu_);
    if (usable()) return snapshot_;  // loaded while this caller waited
    if (snapshot_ && !stale_ && marker.ok() && loaded_marker_ && *loaded_marker_ == *marker) {
      loaded_at_ = std::chrono::steady_clock::now();
      return snapshot_;
    }
    loading_fresh_ = stale_ || !snapshot_;
    loading_ = true;
    // Cleared before loading: a change made during the load marks it stale again.
    stale_ = false;
    generation = ++generation_;
  }
  auto started = std::chrono::steady_clock::now();
  auto loaded = Load(generation);  // without mu_: agents keep using the current snapshot
  std::lock_guard lock(mu_);
  loading_ = false;
  loading_fresh_ = false;
  if (!loaded.ok()) {
    stale_ = true;
    // The last good snapshot keeps serving while the datastore is unavailable.
    if (snapshot_) return snapshot_;
    return loaded.error();
  }
  snapshot_ = std::move(*loaded);
  loaded_at_ = started;
  // Read before the load, so a change committed during it still differs next time.
  loaded_marker_ = marker.ok() ? std::optional<int64_t>(*marker) : std::nullopt;
  per_agent_.clear();
  return snapshot_;
}

Result<std::shared_ptr<const AuthorizedSet>> AuthorizedEntries::For(
    const std::string& agent_id, const std::vector<Selector>& node_selectors, int64_t now_unix) {
  auto snapshot = EDGEID_TRY(Snapshot());
  {
    std::lock_guard lock(mu_);
    auto it = per_agent_.find(agent_id);
    // Reused while the snapshot and the agent's selectors are the same, within a second (so
    // that entries expiring are dropped promptly).
    if (it != per_agent_.end() && it->second.set->generation == snapshot->generation &&
        it->second.node_selectors == node_selectors && it->second.computed_at == now_unix) {
      return it->second.set;
    }
  }

  auto set = std::make_shared<AuthorizedSet>();
  set->generation = snapshot->generation;
  std::deque<std::string> parents{agent_id};
  for (const auto& alias : snapshot->aliases) {
    if (alias->expires_at != 0 && alias->expires_at <= now_unix) continue;
    if (IncludesAll(node_selectors, alias->selectors)) parents.push_back(alias->spiffe_id);
  }
  std::unordered_set<std::string> visited(parents.begin(), parents.end());
  while (!parents.empty()) {
    auto children = snapshot->by_parent.find(parents.front());
    parents.pop_front();
    if (children == snapshot->by_parent.end()) continue;
    for (const auto& child : children->second) {
      if (child->expires_at != 0 && child->expires_at <= now_unix) continue;
      set->entries.emplace(child->entry_id, child);
      // Descendants: entries whose parent is this entry's ID (each ID expanded once, so cycles
      // end).
      if (visited.insert(child->spiffe_id).second) parents.push_back(child->spiffe_id);
    }
  }

  std::shared_ptr<const AuthorizedSet> result = std::move(set);
  std::lock_guard lock(mu_);
  per_agent_[agent_id] = CachedSet{node_selectors, now_unix, result};
  return result;
}

}  // namespace edgeid::server
