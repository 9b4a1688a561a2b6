// Keeps a change watch open on the server so that the agent syncs as soon as its entries or
// bundles change, not only every sync_interval. The periodic sync stays: the watch is a hint,
// and a server without it (Unimplemented) is simply synced on the interval.
#pragma once

#include <spdlog/logger.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "agent/client/server_client.h"

namespace edgeid::agent {

class ChangeWatcher {
 public:
  // `on_change` runs on the watcher's thread for every message. Starts watching at once; the
  // watch is refused until the agent holds an SVID and is retried with backoff meanwhile.
  ChangeWatcher(ServerClient& client, std::function<void()> on_change,
                std::shared_ptr<spdlog::logger> log);
  ~ChangeWatcher();
  ChangeWatcher(const ChangeWatcher&) = delete;
  ChangeWatcher& operator=(const ChangeWatcher&) = delete;

 private:
  void Loop();

  ServerClient& client_;
  std::function<void()> on_change_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  grpc::ClientContext* open_ = nullptr;  // the watch in progress, cancelled on stop
  std::thread thread_;                   // last: started once the rest is ready
};

}  // namespace edgeid::agent
