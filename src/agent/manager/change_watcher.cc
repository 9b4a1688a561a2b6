#include "agent/manager/change_watcher.h"

#include <random>

#include "agent/manager/rotation.h"
#include "common/backoff.h"

namespace edgeid::agent {

ChangeWatcher::ChangeWatcher(ServerClient& client, std::function<void()> on_change,
                             std::shared_ptr<spdlog::logger> log)
    : client_(client),
      on_change_(std::move(on_change)),
      log_(std::move(log)),
      thread_([this] { Loop(); }) {}

ChangeWatcher::~ChangeWatcher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (open_ != nullptr) open_->TryCancel();
  }
  wake_.notify_all();
  thread_.join();
}

void ChangeWatcher::Loop() {
  // Short at first (the agent is still attesting), and never so long that a server back from an
  // outage goes unwatched for more than half a minute.
  Backoff backoff(std::chrono::seconds(1), std::chrono::seconds(30));
  // Logged when a watch opens for the first time and after one was lost, not on the routine
  // reopening when the server recycles its connections.
  bool announce_next = true;
  for (;;) {
    grpc::ClientContext context;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      open_ = &context;
    }
    bool received = false;
    auto ended = client_.WatchChanges(context, [&] {
      if (!received && announce_next) {
        log_->info("watching the server for changes");
        announce_next = false;
      }
      received = true;
      on_change_();
    });
    std::unique_lock lock(mu_);
    open_ = nullptr;
    if (stopping_) return;
    if (!ended.ok() && ended.error().code == ErrorCode::kUnimplemented) {
      log_->info("the server does not announce changes; syncing every sync_interval only");
      return;
    }
    if (received) backoff.Reset();
    if (!ended.ok()) announce_next = true;
    auto wait = backoff.Next();
    log_->debug("change watch ended ({}); again in {} ms",
                ended.ok() ? "closed by the server" : ended.error().message, wait.count());
    wake_.wait_for(lock, wait, [this] { return stopping_; });
  }
}

}  // namespace edgeid::agent
