#include "common/rate_limiter.h"

#include <algorithm>

namespace edgeid {

namespace {
constexpr auto kForgetAfter = std::chrono::minutes(1);
}

RateLimiter::RateLimiter(double rate, double burst)
    : rate_(rate), burst_(burst > 0 ? burst : std::max(1.0, rate)) {}

bool RateLimiter::Allow(const std::string& caller, double cost, Clock::time_point now) {
  if (rate_ <= 0) return true;
  std::lock_guard lock(mu_);
  if (now - last_prune_ > kForgetAfter) PruneLocked(now);
  auto [it, fresh] = buckets_.try_emplace(caller, Bucket{burst_, now});
  Bucket& bucket = it->second;
  if (!fresh) {
    double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    bucket.tokens = std::min(burst_, bucket.tokens + std::max(0.0, elapsed) * rate_);
    bucket.updated = now;
  }
  // A request larger than the burst never passes: callers split it.
  if (bucket.tokens < cost) return false;
  bucket.tokens -= cost;
  return true;
}

void RateLimiter::PruneLocked(Clock::time_point now) {
  std::erase_if(buckets_, [&](const auto& kv) { return now - kv.second.updated > kForgetAfter; });
  last_prune_ = now;
}

}  // namespace edgeid
