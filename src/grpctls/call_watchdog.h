// Cancels server calls that outlive their time limit. A synchronous gRPC handler blocked in
// Read() holds a server thread for as long as the peer keeps silent; cancelling the call makes
// that Read() return false, so a peer that stalls mid-stream cannot pin threads.
#pragma once

#include <grpcpp/server_context.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>

namespace edgeid::grpctls {

class CallWatchdog {
 public:
  CallWatchdog();
  ~CallWatchdog();
  CallWatchdog(const CallWatchdog&) = delete;
  CallWatchdog& operator=(const CallWatchdog&) = delete;

  // Watches one call until the guard goes; the guard must go before the handler returns.
  class Guard {
   public:
    Guard(CallWatchdog& watchdog, uint64_t id) : watchdog_(&watchdog), id_(id) {}
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    ~Guard() { watchdog_->Forget(id_); }

   private:
    CallWatchdog* watchdog_;
    uint64_t id_;
  };
  [[nodiscard]] Guard Watch(grpc::ServerContext* context, std::chrono::milliseconds limit);

 private:
  void Forget(uint64_t id);
  void Run();

  struct Call {
    grpc::ServerContext* context = nullptr;
    std::chrono::steady_clock::time_point deadline;
  };
  std::mutex mu_;
  std::condition_variable changed_;
  std::map<uint64_t, Call> calls_;
  uint64_t next_id_ = 0;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace edgeid::grpctls
