#include "grpctls/call_watchdog.h"

namespace edgeid::grpctls {

CallWatchdog::CallWatchdog() : thread_([this] { Run(); }) {}

CallWatchdog::~CallWatchdog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

CallWatchdog::Guard CallWatchdog::Watch(grpc::ServerContext* context,
                                        std::chrono::milliseconds limit) {
  uint64_t id = 0;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    calls_.emplace(id, Call{context, std::chrono::steady_clock::now() + limit});
  }
  changed_.notify_all();
  return Guard(*this, id);
}

void CallWatchdog::Forget(uint64_t id) {
  std::lock_guard lock(mu_);
  calls_.erase(id);
}

void CallWatchdog::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto now = std::chrono::steady_clock::now();
    auto next = now + std::chrono::hours(1);
    for (auto it = calls_.begin(); it != calls_.end();) {
      if (it->second.deadline <= now) {
        // Under mu_: the guard, and so the handler, cannot finish while this runs.
        it->second.context->TryCancel();
        it = calls_.erase(it);
      } else {
        next = std::min(next, it->second.deadline);
        ++it;
      }
    }
    changed_.wait_until(lock, next);
  }
}

}  // namespace edgeid::grpctls
