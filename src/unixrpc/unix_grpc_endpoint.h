// A gRPC server on a UNIX socket whose callers the kernel names: connections are accepted here,
// not by gRPC, so that the credentials of each (SO_PEERCRED, and the process start time) are
// recorded before the connection is handed to gRPC with AddInsecureChannelFromFd; calls then
// find their caller by the "fd:<n>" peer name. No TLS: callers are identified out of band (the
// Workload API, Workload Endpoint §3; the mapper's DMI server; the server's admin API, where
// the file system decides who may connect).
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
#include "unixrpc/socket_file.h"

namespace edgeid {

struct UnixGrpcEndpointOptions {
  std::string socket_path;
  std::string name;  // what the socket serves, in logs and errors ("Workload API")
  // The Workload API is reachable by every local user (0777), as SPIRE's agent's: who may get
  // what is decided per call by attestation.
  mode_t socket_mode = 0777;
  int max_message_bytes = 64 * 1024;
  // The socket's directory, when it has to be created (see SocketFile).
  mode_t directory_mode = 0755;
};

class UnixGrpcEndpoint {
 public:
  // Creates the socket (SocketFile: checked directories, no live socket taken over, no window
  // with a looser mode) and serves `services` on it.
  static Result<std::unique_ptr<UnixGrpcEndpoint>> Start(
      const UnixGrpcEndpointOptions& options, const std::vector<grpc::Service*>& services,
      PeerTracker& peers, std::shared_ptr<spdlog::logger> log);
  // Stops accepting, shuts gRPC down and removes the socket if it still is this one.
  ~UnixGrpcEndpoint();
  UnixGrpcEndpoint(const UnixGrpcEndpoint&) = delete;
  UnixGrpcEndpoint& operator=(const UnixGrpcEndpoint&) = delete;

  // Unavailable when the socket's path no longer leads to this endpoint or it stopped
  // accepting: the daemon is then unreachable and must not say it is ready.
  Status CheckServing() const;

 private:
  UnixGrpcEndpoint() = default;
  void AcceptLoop();
  void AcceptPending();

  std::string name_;
  std::shared_ptr<spdlog::logger> log_;
  PeerTracker* peers_ = nullptr;  // the services' tracker, which outlives the endpoint
  std::unique_ptr<SocketFile> socket_;
  std::unique_ptr<grpc::Server> server_;
  std::atomic<bool> accepting_{false};
  UniqueFd wake_;  // eventfd that ends the accept loop
  std::thread accept_thread_;
};

}  // namespace edgeid
