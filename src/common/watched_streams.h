// Long-lived server streams that are poked when something they report changed (Workload API
// streams on the agent, change watches on the server). gRPC's callback API calls into a stream
// from its own threads while a change calls in from another, so streams are reference-counted:
// gRPC holds one reference until the call is done, and a refresh holds one while it runs, so a
// stream that ends during a refresh is deleted after it.
#pragma once

#include <atomic>
#include <mutex>
#include <set>
#include <vector>

namespace edgeid {

class WatchedStream {
 public:
  virtual ~WatchedStream() = default;
  // Called after a change; writes what the caller should now see (or nothing).
  virtual void Refresh() = 0;
  // The service is going away: the call ends now (after a write in flight), and the caller
  // opens a new one elsewhere or later.
  virtual void End() = 0;
  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

 private:
  std::atomic<int> refs_{1};
};

class WatchedStreams {
 public:
  // False once EndAll has run: the stream must end itself, as the service is going away.
  [[nodiscard]] bool Register(WatchedStream* stream) {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    streams_.insert(stream);
    return true;
  }
  void Unregister(WatchedStream* stream) {
    std::lock_guard lock(mu_);
    streams_.erase(stream);
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return streams_.size();
  }
  void RefreshAll() {
    ForEach([](WatchedStream& stream) { stream.Refresh(); });
  }
  // Ends every stream and refuses new ones from now on.
  void EndAll() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    ForEach([](WatchedStream& stream) { stream.End(); });
  }

 private:
  template <typename Fn>
  void ForEach(Fn fn) {
    std::vector<WatchedStream*> streams;
    {
      std::lock_guard lock(mu_);
      streams.reserve(streams_.size());
      for (auto* stream : streams_) {
        stream->Ref();
        streams.push_back(stream);
      }
    }
    // Outside the lock: a stream may finish its call, and gRPC may then unregister it.
    for (auto* stream : streams) {
      fn(*stream);
      stream->Unref();
    }
  }

  mutable std::mutex mu_;
  bool closed_ = false;
  std::set<WatchedStream*> streams_;
};

}  // namespace edgeid
