// Caps how many things (calls, streams) run at once, per key (a peer address, an agent) and in
// all. A slot is held by a Permit and given back when the Permit goes, so a handler that returns
// early on any path cannot leak one. Keys exist only while they hold a slot, so the table is
// never larger than the overall cap.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace edgeid {

class ConcurrencyLimiter {
 public:
  // per_key and overall of 0 mean no cap of that kind.
  ConcurrencyLimiter(size_t per_key, size_t overall);
  ConcurrencyLimiter(const ConcurrencyLimiter&) = delete;
  ConcurrencyLimiter& operator=(const ConcurrencyLimiter&) = delete;

  class Permit {
   public:
    Permit(Permit&& other) noexcept
        : limiter_(std::exchange(other.limiter_, nullptr)), key_(std::move(other.key_)) {}
    Permit& operator=(Permit&&) = delete;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit() {
      if (limiter_ != nullptr) limiter_->Release(key_);
    }

   private:
    friend class ConcurrencyLimiter;
    Permit(ConcurrencyLimiter* limiter, std::string key)
        : limiter_(limiter), key_(std::move(key)) {}
    ConcurrencyLimiter* limiter_;
    std::string key_;
  };

  enum class Refusal { kNone, kKeyFull, kAllFull };
  // A slot for `key`, or nothing (and why, through `why`) when `key` or everyone is at the cap.
  std::optional<Permit> TryAcquire(const std::string& key, Refusal* why = nullptr);

  size_t in_use() const;
  size_t in_use(const std::string& key) const;
  size_t per_key() const { return per_key_; }
  size_t overall() const { return overall_; }

 private:
  void Release(const std::string& key);

  const size_t per_key_;
  const size_t overall_;
  mutable std::mutex mu_;
  size_t total_ = 0;
  std::unordered_map<std::string, size_t> by_key_;
};

}  // namespace edgeid
