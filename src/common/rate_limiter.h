// Token buckets per caller: `rate` tokens a second, holding at most `burst`. Callers unseen for
// a minute are forgotten, so the table stays as small as the set of active callers.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace edgeid {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // rate <= 0 turns the limiter off. burst defaults to one second's worth (at least 1).
  explicit RateLimiter(double rate, double burst = 0);

  // Takes `cost` tokens from `caller`'s bucket; false (and nothing taken) when there are not
  // enough. A cost above the burst is always refused.
  bool Allow(const std::string& caller, double cost = 1, Clock::time_point now = Clock::now());

  bool enabled() const { return rate_ > 0; }

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated{};
  };
  void PruneLocked(Clock::time_point now);

  double rate_;
  double burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  Clock::time_point last_prune_{};
};

}  // namespace edgeid
