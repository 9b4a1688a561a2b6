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

Result<std::shared_ptr<const EntrySnapshot>> AuthorizedEntries::Load() {
  auto entries = EDGEID_TRY(datastore_.ListRegistrationEntries({}));
  auto snapshot = std::make_shared<EntrySnapshot>();
  snapshot->generation = ++generation_;
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
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  if (stale_ || !snapshot_ || now - loaded_at_ >= reload_interval_) {
    // Cleared first: a change made while loading marks it stale again.
    stale_ = false;
    auto loaded = Load();
    if (!loaded.ok()) {
      stale_ = true;
      // The last good snapshot keeps serving while the datastore is unavailable.
      if (snapshot_) return snapshot_;
      return loaded.error();
    }
    snapshot_ = std::move(*loaded);
    loaded_at_ = now;
    per_agent_.clear();
  }
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
