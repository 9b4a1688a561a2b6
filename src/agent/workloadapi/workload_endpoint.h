// The Workload API's UNIX socket. Connections are accepted here, not by gRPC, so that the
// kernel's credentials of each (SO_PEERCRED, and the process start time) are recorded before
// the connection is handed to gRPC with AddInsecureChannelFromFd; calls then find their caller
// by the "fd:<n>" peer name. No TLS: callers are identified out of band (Workload Endpoint §3).
#pragma once

#include <grpcpp/grpcpp.h>
#include <spdlog/logger.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agent/peertracker/peer_tracker.h"
#include "common/result.h"
#include "common/unique_fd.h"

namespace edgeid::agent {

class WorkloadEndpoint {
 public:
  // Creates the socket's directory (0755) if needed, replaces a stale socket, and makes the
  // socket reachable by every local user (mode 0777), as SPIRE's agent does: who may get what is
  // decided per call by attestation.
  static Result<std::unique_ptr<WorkloadEndpoint>> Start(
      const std::string& socket_path, const std::vector<grpc::Service*>& services,
      PeerTracker& peers, std::shared_ptr<spdlog::logger> log);
  ~WorkloadEndpoint();
  WorkloadEndpoint(const WorkloadEndpoint&) = delete;
  WorkloadEndpoint& operator=(const WorkloadEndpoint&) = delete;

 private:
  WorkloadEndpoint() = default;
  void AcceptLoop();

  std::string socket_path_;
  std::shared_ptr<spdlog::logger> log_;
  PeerTracker* peers_ = nullptr;  // the services' tracker, which outlives the endpoint
  std::unique_ptr<grpc::Server> server_;
  UniqueFd listener_;
  UniqueFd wake_;  // eventfd that ends the accept loop
  std::thread accept_thread_;
};

}  // namespace edgeid::agent
