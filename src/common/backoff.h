// Exponential backoff with jitter between attempts to reach a peer that is away (the server, the
// agent, a device): quick while it restarts, gentle while it stays away, and spread out so that
// many clients on a node do not retry in step.
#pragma once

#include <chrono>
#include <random>

namespace edgeid {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
      : initial_(initial), max_(max), next_(initial), rng_(std::random_device{}()) {}
  // The wait before the next attempt: random in [next/2, next], then next doubles up to max.
  std::chrono::milliseconds Next();
  // Back to the first step, after a success.
  void Reset() { next_ = initial_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds next_;
  std::mt19937_64 rng_;
};

}  // namespace edgeid
