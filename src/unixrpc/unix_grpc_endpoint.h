// A gRPC server on a UNIX socket whose callers the kernel names: connections are accepted here,
// not by gRPC, so that the credentials of each (SO_PEERCRED, and the process start time) are
// recorded before the connection is handed to gRPC with AddInsecureChannelFromFd; calls then
// find their caller by the "fd:<n>" peer name. No TLS: callers are identified out of band (the
// Workload API, Workload Endpoint §3; the mapper's DMI server).
#pragma once

#include <grpcpp/grpcpp.h>
#include <spdlog/logger.h>
#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"
#include "unixrpc/peer_tracker.h"

namespace edgeid {

struct UnixGrpcEndpointOptions {
  std::string socket_path;
  std::string name;  // what the socket serves, in logs and errors ("Workload API")
  // The Workload API is reachable by every local user (0777), as SPIRE's agent's: who may get
  // what is decided per call by attestation.
  mode_t socket_mode = 0777;
  int max_message_bytes = 64 * 1024;
};

class UnixGrpcEndpoint {
 public:
  // Creates the socket's directory (0755) if needed, refuses a directory others could write,
  // replaces a stale socket, and serves `services` on it.
  static Result<std::unique_ptr<UnixGrpcEndpoint>> Start(
      const UnixGrpcEndpointOptions& options, const std::vector<grpc::Service*>& services,
      PeerTracker& peers, std::shared_ptr<spdlog::logger> log);
  ~UnixGrpcEndpoint();
  UnixGrpcEndpoint(const UnixGrpcEndpoint&) = delete;
  UnixGrpcEndpoint& operator=(const UnixGrpcEndpoint&) = delete;

 private:
  UnixGrpcEndpoint() = default;
  void AcceptLoop();

  std::string socket_path_;
  std::string name_;
  std::shared_ptr<spdlog::logger> log_;
  PeerTracker* peers_ = nullptr;  // the services' tracker, which outlives the endpoint
  std::unique_ptr<grpc::Server> server_;
  UniqueFd listener_;
  UniqueFd wake_;  // eventfd that ends the accept loop
  std::thread accept_thread_;
};

}  // namespace edgeid
