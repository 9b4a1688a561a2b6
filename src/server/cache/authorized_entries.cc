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
  return std::shared_ptr<const EntrySnapshot>(std::move(snapshot));
}

Result<std::shared_ptr<const EntrySnapshot>> AuthorizedEntries::Snapshot() {
  std::unique_lock reload(reload_mu_, std::defer_lock);
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    bool expired = std::chrono::steady_clock::now() - loaded_at_ >= reload_interval_;
    if (snapshot_ && !stale_ && !expired) return snapshot_;
    if (snapshot_ && !stale_) {
      // Only the periodic refresh is due: if another caller is already loading, this one
      // serves the current snapshot instead of waiting.
      if (!reload.try_lock()) return snapshot_;
    }
  }
  // After a local change (stale) every caller waits for a snapshot that includes it.
  if (!reload.owns_lock()) reload.lock();
  {
    std::lock_guard lock(mu_);
    bool expired = std::chrono::steady_clock::now() - loaded_at_ >= reload_interval_;
    if (snapshot_ && !stale_ && !expired) return snapshot_;  // loaded while this one waited
    // Cleared before loading: a change made during the load marks it stale again.
    stale_ = false;
    generation = ++generation_;
  }
  auto started = std::chrono::steady_clock::now();
  auto loaded = Load(generation);  // without mu_: agents keep using the current snapshot
  std::lock_guard lock(mu_);
  if (!loaded.ok()) {
    stale_ = true;
    // The last good snapshot keeps serving while the datastore is unavailable.
    if (snapshot_) return snapshot_;
    return loaded.error();
  }
  snapshot_ = std::move(*loaded);
  loaded_at_ = started;
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
