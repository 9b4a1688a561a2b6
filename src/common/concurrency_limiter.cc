#include "common/concurrency_limiter.h"

namespace edgeid {

ConcurrencyLimiter::ConcurrencyLimiter(size_t per_key, size_t overall)
    : per_key_(per_key), overall_(overall) {}

std::optional<ConcurrencyLimiter::Permit> ConcurrencyLimiter::TryAcquire(const std::string& key,
                                                                         Refusal* why) {
  std::lock_guard lock(mu_);
  if (overall_ > 0 && total_ >= overall_) {
    if (why != nullptr) *why = Refusal::kAllFull;
    return std::nullopt;
  }
  auto it = by_key_.find(key);
  if (per_key_ > 0 && it != by_key_.end() && it->second >= per_key_) {
    if (why != nullptr) *why = Refusal::kKeyFull;
    return std::nullopt;
  }
  if (it == by_key_.end()) it = by_key_.emplace(key, 0).first;
  ++it->second;
  ++total_;
  if (why != nullptr) *why = Refusal::kNone;
  return Permit(this, key);
}

void ConcurrencyLimiter::Release(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return;
  --total_;
  if (--it->second == 0) by_key_.erase(it);
}

size_t ConcurrencyLimiter::in_use() const {
  std::lock_guard lock(mu_);
  return total_;
}

size_t ConcurrencyLimiter::in_use(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = by_key_.find(key);
  return it == by_key_.end() ? 0 : it->second;
}

}  // namespace edgeid
