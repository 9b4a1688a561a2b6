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

const std::vector<EntryPtr>& EntrySnapshot::Children(std::string_view parent_id) const {
  static const std::vector<EntryPtr> kNone;
  auto it = by_parent.find(parent_id);
  return it == by_parent.end() ? kNone : *it->second;
}

Result<AuthorizedEntries::Loaded> AuthorizedEntries::Load(uint64_t generation) const {
  auto started = std::chrono::steady_clock::now();
  auto entries = EDGEID_TRY(datastore_.ListRegistrationEntries({}));
  auto snapshot = std::make_shared<EntrySnapshot>();
  snapshot->generation = generation;
  snapshot->reloaded = true;
  snapshot->entry_count = entries.size();
  Loaded loaded;
  loaded.index.reserve(entries.size());
  std::unordered_map<std::string, std::vector<EntryPtr>> lists;
  for (auto& e : entries) {
    auto entry = std::make_shared<const RegistrationEntry>(std::move(e));
    loaded.index.emplace(entry->entry_id, entry);
    lists[entry->parent_id].push_back(entry);
  }
  for (auto& [parent, list] : lists) {
    snapshot->by_parent.emplace(parent,
                                std::make_shared<const std::vector<EntryPtr>>(std::move(list)));
  }
  snapshot->load_time = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  loaded.snapshot = std::move(snapshot);
  return loaded;
}

void AuthorizedEntries::Record(EntryChange change) {
  // The entries are moved into shared form here, in the writer's thread, so that applying the
  // change later is index work only.
  PendingChange pending;
  pending.upserted.reserve(change.upserted.size());
  for (auto& e : change.upserted) {
    pending.upserted.push_back(std::make_shared<const RegistrationEntry>(std::move(e)));
  }
  pending.removed_ids = std::move(change.removed_ids);
  {
    std::lock_guard lock(mu_);
    pending_.emplace_back(++change_seq_, std::move(pending));
  }
  // Applied now, so that the next agent call finds it done, unless a load or an apply is
  // running: that one applies it when done, or the next lookup does.
  std::unique_lock reload(reload_mu_, std::try_to_lock);
  if (reload.owns_lock()) ApplyPending();
}

std::shared_ptr<const EntrySnapshot> AuthorizedEntries::Apply(
    const EntrySnapshot& base, const std::vector<PendingChange>& changes, uint64_t generation) {
  auto started = std::chrono::steady_clock::now();
  auto next = std::make_shared<EntrySnapshot>();
  next->generation = generation;
  next->reloaded = false;
  next->by_parent = base.by_parent;  // the lists themselves are shared
  // The lists this change touches, copied on first touch.
  std::unordered_map<std::string, std::vector<EntryPtr>> edited;
  auto touch = [&](const std::string& parent_id) {
    auto [it, inserted] = edited.try_emplace(parent_id);
    if (inserted) it->second = base.Children(parent_id);
  };
  // The index first, in commit order, so the last change to an entry wins. IDs whose old
  // version leaves its list are noted.
  std::unordered_set<std::string> replaced;
  std::vector<EntryPtr> added;
  for (const auto& change : changes) {
    for (const auto& e : change.upserted) {
      auto [it, inserted] = index_.try_emplace(e->entry_id, e);
      if (!inserted) {
        touch(it->second->parent_id);
        replaced.insert(e->entry_id);
        it->second = e;
      }
      added.push_back(e);
    }
    for (const auto& id : change.removed_ids) {
      auto it = index_.find(id);
      if (it == index_.end()) continue;
      touch(it->second->parent_id);
      replaced.insert(id);
      index_.erase(it);
    }
  }
  if (!replaced.empty()) {
    for (auto& [parent, list] : edited) {
      std::erase_if(list, [&](const EntryPtr& e) { return replaced.contains(e->entry_id); });
    }
  }
  // Each entry placed once, in its final version, if it still exists.
  for (const auto& e : added) {
    auto current = index_.find(e->entry_id);
    if (current == index_.end() || current->second != e) continue;
    touch(e->parent_id);
    edited[e->parent_id].push_back(e);
  }
  for (auto& [parent, list] : edited) {
    if (list.empty()) {
      next->by_parent.erase(parent);
    } else {
      next->by_parent[parent] = std::make_shared<const std::vector<EntryPtr>>(std::move(list));
    }
  }
  next->entry_count = index_.size();
  next->load_time = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  return next;
}

Result<std::shared_ptr<const EntrySnapshot>> AuthorizedEntries::Snapshot() {
  auto usable = [this] {
    bool expired = std::chrono::steady_clock::now() - loaded_at_ >= reload_interval_;
    // A load started after a change must be waited for; a periodic one need not be.
    return snapshot_ && !stale_ && !loading_fresh_ && (!expired || loading_) && pending_.empty();
  };
  {
    std::lock_guard lock(mu_);
    if (usable()) return snapshot_;
  }
  std::lock_guard reload(reload_mu_);
  bool full_load = false;
  uint64_t generation = 0;
  uint64_t loaded_through = 0;  // changes recorded before the load began are in it
  {
    std::lock_guard lock(mu_);
    if (usable()) return snapshot_;  // brought up to date while this caller waited
    bool expired = std::chrono::steady_clock::now() - loaded_at_ >= reload_interval_;
    full_load = !snapshot_ || stale_ || expired;
  }
  if (full_load) {
    // A periodic refresh is skipped when the store says nobody else changed it.
    auto marker = datastore_.ExternalChangeMarker();
    {
      std::lock_guard lock(mu_);
      if (snapshot_ && !stale_ && marker.ok() && loaded_marker_ && *loaded_marker_ == *marker) {
        loaded_at_ = std::chrono::steady_clock::now();
        full_load = false;
      } else {
        loading_fresh_ = stale_ || !snapshot_;
        loading_ = true;
        // Cleared before loading: a change made during the load marks it stale again.
        stale_ = false;
        generation = ++generation_;
        loaded_through = change_seq_;
      }
    }
    if (full_load) {
      auto started = std::chrono::steady_clock::now();
      auto loaded = Load(generation);  // without mu_: agents keep using the current snapshot
      if (loaded.ok()) index_ = std::move(loaded->index);
      std::lock_guard lock(mu_);
      loading_ = false;
      loading_fresh_ = false;
      if (!loaded.ok()) {
        stale_ = true;
        // The last good snapshot keeps serving while the datastore is unavailable.
        if (snapshot_) return snapshot_;
        return loaded.error();
      }
      snapshot_ = std::move(loaded->snapshot);
      loaded_at_ = started;
      // Read before the load, so a change committed during it still differs next time.
      loaded_marker_ = marker.ok() ? std::optional<int64_t>(*marker) : std::nullopt;
      per_agent_.clear();
      std::erase_if(pending_, [&](const auto& p) { return p.first <= loaded_through; });
    }
    if (full_load && on_change_) on_change_();
  }
  return ApplyPending();
}

std::shared_ptr<const EntrySnapshot> AuthorizedEntries::ApplyPending() {
  std::vector<PendingChange> changes;
  std::shared_ptr<const EntrySnapshot> base;
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    if (pending_.empty() || !snapshot_) return snapshot_;
    for (auto& [seq, change] : pending_) changes.push_back(std::move(change));
    pending_.clear();
    base = snapshot_;
    generation = ++generation_;
  }
  auto applied = Apply(*base, changes, generation);  // without mu_, as a load
  {
    std::lock_guard lock(mu_);
    snapshot_ = applied;
    per_agent_.clear();
  }
  if (on_change_) on_change_();
  return applied;
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
  // Views into agent_id and the snapshot's entries, both alive for the whole walk.
  std::deque<std::string_view> parents{agent_id};
  for (const auto& alias : snapshot->Children(server_id_)) {
    if (alias->expires_at != 0 && alias->expires_at <= now_unix) continue;
    // Every stored entry has selectors; one without would match every agent, so it is never
    // taken for an alias even if a torn read produced it.
    if (alias->selectors.empty()) continue;
    if (IncludesAll(node_selectors, alias->selectors)) parents.push_back(alias->spiffe_id);
  }
  std::unordered_set<std::string_view> visited(parents.begin(), parents.end());
  while (!parents.empty()) {
    const auto& children = snapshot->Children(parents.front());
    parents.pop_front();
    for (const auto& child : children) {
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
