// The admin API on a UNIX socket. Access is controlled by the file system, as for SPIRE's
// server socket: the socket is 0770 and its directory, when created, 0750 (group members may
// connect but not replace the socket); the directory and every one above it must be closed to
// other users (OpenTrustedDirectory).
#pragma once

#include <grpcpp/grpcpp.h>
#include <spdlog/logger.h>

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "unixrpc/unix_grpc_endpoint.h"

namespace edgeid::server {

class AdminEndpoint {
 public:
  // Services must outlive the endpoint.
  static Result<std::unique_ptr<AdminEndpoint>> Start(const std::string& socket_path,
                                                      const std::vector<grpc::Service*>& services,
                                                      const std::shared_ptr<spdlog::logger>& log);
  ~AdminEndpoint() = default;
  AdminEndpoint(const AdminEndpoint&) = delete;
  AdminEndpoint& operator=(const AdminEndpoint&) = delete;

  // Unavailable when the socket no longer leads to this server.
  Status CheckServing() const { return endpoint_->CheckServing(); }

 private:
  AdminEndpoint() = default;
  PeerTracker peers_;  // before the endpoint, which records into it
  std::unique_ptr<UnixGrpcEndpoint> endpoint_;
};

}  // namespace edgeid::server
