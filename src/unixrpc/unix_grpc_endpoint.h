// A gRPC server on a UNIX socket whose callers the kernel names: connections are accepted here,
// not by gRPC, so that the credentials of each (SO_PEERCRED, and the process start time) are
// recorded before the connection is handed to gRPC with AddInsecureChannelFromFd; calls then
// find their caller by the "fd:<n>" peer name. No TLS: callers are identified out of band (the
// Workload API, Workload Endpoint §3; the mapper's DMI server; the server's admin API, where
// the file system decides who may connect).
//
// Every local user can connect, so connections are capped per uid and overall (over the cap
// they are closed at accept) and closed by gRPC after a time without any call in progress: one
// user cannot use up the daemon's descriptors.
#pragma once

#include <grpcpp/grpcpp.h>
#include <poll.h>
#include <spdlog/logger.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/metrics.h"
#include "common/rate_limiter.h"
#include "common/result.h"
#include "common/unique_fd.h"
#include "unixrpc/connection_table.h"
#include "unixrpc/peer_tracker.h"
#include "unixrpc/socket_file.h"

namespace edgeid {

struct UnixConnectionLimits {
  // Open connections one uid may hold; more are closed at accept.
  size_t max_per_uid = 64;
  // Open connections in all; lowered at start to what half the open-file limit allows (each
  // connection costs this process two descriptors).
  size_t max_total = 1024;
  // A connection without any call in progress for this long is closed (a Workload API stream
  // in progress is a call); zero: never.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
};

struct UnixGrpcEndpointOptions {
  std::string socket_path;
  std::string name;  // what the socket serves, in logs and errors ("Workload API")
  // The Workload API is reachable by every local user (0777), as SPIRE's agent's: who may get
  // what is decided per call by attestation.
  mode_t socket_mode = 0777;
  int max_message_bytes = 64 * 1024;
  // The socket's directory, when it has to be created (see SocketFile).
  mode_t directory_mode = 0755;
  UnixConnectionLimits limits{};
  // Refused connections are counted here when set
  // (edgeid_unix_socket_refused_connections_total{socket, reason}); must outlive the endpoint.
  Metrics* metrics = nullptr;
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
  // Connections handed to gRPC and not yet seen closed.
  size_t open_connections() const { return open_connections_.load(); }

 private:
  UnixGrpcEndpoint() = default;
  void AcceptLoop();
  void AcceptPending();
  // Releases the connections whose `watches` (pollfds from the table, after poll) hung up.
  void ReleaseClosed(const pollfd* watches, size_t count);
  void Refuse(uid_t uid, ConnectionTable::Admission why);

  std::string name_;
  std::shared_ptr<spdlog::logger> log_;
  Metrics* metrics_ = nullptr;
  PeerTracker* peers_ = nullptr;  // the services' tracker, which outlives the endpoint
  std::unique_ptr<SocketFile> socket_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<ConnectionTable> connections_;  // the accept thread's alone
  RateLimiter refusal_log_{0.1, 1};               // one line per uid per 10 s
  std::atomic<size_t> open_connections_{0};
  std::atomic<bool> accepting_{false};
  UniqueFd wake_;  // eventfd that ends the accept loop
  std::thread accept_thread_;
};

}  // namespace edgeid
