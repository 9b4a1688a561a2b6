#include "agent/cache/workload_cache.h"

#include <algorithm>

namespace edgeid::agent {

std::vector<std::shared_ptr<const CachedEntry>> MatchEntries(
    const CacheState& state, const std::vector<std::string>& selectors) {
  std::vector<std::shared_ptr<const CachedEntry>> out;
  for (const auto& entry : state.entries) {
    // An entry without selectors would match every caller; the server never sends one.
    if (entry->selectors.empty()) continue;
    if (std::includes(selectors.begin(), selectors.end(), entry->selectors.begin(),
                      entry->selectors.end())) {
      out.push_back(entry);
    }
  }
  return out;
}

std::vector<Identity> MatchIdentities(const CacheState& state,
                                      const std::vector<std::string>& selectors, TimePoint now) {
  std::vector<Identity> out;
  for (auto& entry : MatchEntries(state, selectors)) {
    auto it = state.svids.find(entry->id);
    if (it == state.svids.end() || it->second->not_after <= now) continue;
    // Never another identity's certificate: an entry whose SPIFFE ID changed waits for its own.
    if (it->second->spiffe_id != entry->spiffe_id) continue;
    out.push_back({std::move(entry), it->second});
  }
  return out;
}

std::shared_ptr<const CacheState> WorkloadCache::Current() const {
  std::lock_guard lock(mu_);
  return state_;
}

void WorkloadCache::Update(const std::function<bool(CacheState&)>& change) {
  {
    std::lock_guard lock(mu_);
    auto next = std::make_shared<CacheState>(*state_);
    if (!change(*next)) return;
    next->version = state_->version + 1;
    state_ = std::move(next);
    if (batches_ > 0) {
      held_change_ = true;
      return;
    }
  }
  NotifyListeners();
}

WorkloadCache::Batch::Batch(WorkloadCache& cache) : cache_(cache) {
  std::lock_guard lock(cache_.mu_);
  ++cache_.batches_;
}

WorkloadCache::Batch::~Batch() {
  bool notify = false;
  {
    std::lock_guard lock(cache_.mu_);
    if (--cache_.batches_ == 0 && cache_.held_change_) {
      cache_.held_change_ = false;
      notify = true;
    }
  }
  if (notify) cache_.NotifyListeners();
}

void WorkloadCache::NotifyListeners() {
  std::vector<std::shared_ptr<Listener>> listeners;
  {
    std::lock_guard lock(listeners_mu_);
    for (const auto& [id, listener] : listeners_) listeners.push_back(listener);
  }
  for (const auto& listener : listeners) (*listener)();
}

uint64_t WorkloadCache::Subscribe(Listener listener) {
  std::lock_guard lock(listeners_mu_);
  uint64_t id = next_listener_++;
  listeners_.emplace(id, std::make_shared<Listener>(std::move(listener)));
  return id;
}

void WorkloadCache::Unsubscribe(uint64_t id) {
  std::lock_guard lock(listeners_mu_);
  listeners_.erase(id);
}

}  // namespace edgeid::agent
