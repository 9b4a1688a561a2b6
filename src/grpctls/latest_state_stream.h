// A server stream that reports a changing state: it writes the state once and again after each
// change, and never queues. Changes that arrive while a write is in flight collapse into one
// later write of the latest state, so a slow reader costs one message, not a backlog.
#pragma once

#include <grpcpp/grpcpp.h>

#include <mutex>

#include "common/result.h"
#include "common/watched_streams.h"
#include "grpctls/grpc_status.h"

namespace edgeid::grpctls {

template <typename Response>
class LatestStateStream : public grpc::ServerWriteReactor<Response>, public WatchedStream {
 public:
  explicit LatestStateStream(WatchedStreams& registry) : registry_(registry) {}

  void Refresh() final {
    std::unique_lock lock(mu_);
    if (finished_ || ending_) return;
    pending_ = true;
    if (!writing_) WriteNext(lock);
  }

  void End() final {
    std::unique_lock lock(mu_);
    ending_ = true;
    if (!writing_) FinishLocked(lock, EndStatus());
  }

  void OnWriteDone(bool ok) final {
    std::unique_lock lock(mu_);
    writing_ = false;
    message_ = Response();  // Clear() would keep the strings' capacity
    if (!ok || cancelled_) {
      FinishLocked(lock, grpc::Status(grpc::StatusCode::CANCELLED, "stream closed"));
      return;
    }
    if (ending_) {
      FinishLocked(lock, EndStatus());
      return;
    }
    if (pending_) WriteNext(lock);
  }

  void OnCancel() final {
    std::unique_lock lock(mu_);
    cancelled_ = true;
    // With a write in flight, OnWriteDone finishes the call when it completes.
    if (!writing_) FinishLocked(lock, grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }

  void OnDone() final {
    registry_.Unregister(this);
    Ended();
    Unref();
  }

 protected:
  // Starts watching for changes and writes `first`, built before the stream was watched. A
  // change may have come in meanwhile: BuildNext is asked again once `first` is written.
  void Start(Response first) {
    std::unique_lock lock(mu_);
    // Marked as writing before a change can reach the stream, so that a refresh racing this
    // start only leaves a rebuild pending and never starts a second write.
    pending_ = true;
    if (!registry_.Register(this)) ending_ = true;  // the service is stopping: end after this
    Write(lock, std::move(first));
  }
  // Starts watching and writes the current state.
  void Start() {
    if (!registry_.Register(this)) {
      End();
      return;
    }
    Refresh();
  }

  // Under the stream's lock: fills `out` with the current state and returns true, or returns
  // false when the caller already has it. An error ends the stream with that status.
  virtual Result<bool> BuildNext(Response& out) = 0;
  // After the call is done, before the stream is released.
  virtual void Ended() {}

 private:
  static grpc::Status EndStatus() {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the service is shutting down");
  }

  void WriteNext(std::unique_lock<std::mutex>& lock) {
    pending_ = false;
    Response next;
    auto built = BuildNext(next);
    if (!built.ok()) {
      FinishLocked(lock, ToGrpc(built.error()));
      return;
    }
    if (*built) Write(lock, std::move(next));
  }

  void Write(std::unique_lock<std::mutex>& lock, Response response) {
    message_ = std::move(response);
    writing_ = true;
    lock.unlock();
    this->StartWrite(&message_);
  }

  void FinishLocked(std::unique_lock<std::mutex>& lock, const grpc::Status& status) {
    if (finished_) return;
    finished_ = true;
    lock.unlock();
    this->Finish(status);
  }

  WatchedStreams& registry_;
  std::mutex mu_;
  bool writing_ = false;
  bool pending_ = false;
  bool cancelled_ = false;
  bool ending_ = false;
  bool finished_ = false;
  Response message_;  // only while a write is in flight
};

}  // namespace edgeid::grpctls
