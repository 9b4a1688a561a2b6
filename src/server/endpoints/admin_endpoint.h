// The admin API on a UNIX socket. Access is controlled by the file system, as for SPIRE's
// server socket: the socket and its directory are mode 0770.
#pragma once

#include <grpcpp/grpcpp.h>
#include <spdlog/logger.h>

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace edgeid::server {

class AdminEndpoint {
 public:
  // Services must outlive the endpoint.
  static Result<std::unique_ptr<AdminEndpoint>> Start(const std::string& socket_path,
                                                      const std::vector<grpc::Service*>& services,
                                                      const std::shared_ptr<spdlog::logger>& log);
  ~AdminEndpoint();
  AdminEndpoint(const AdminEndpoint&) = delete;
  AdminEndpoint& operator=(const AdminEndpoint&) = delete;

 private:
  AdminEndpoint(std::string path, std::unique_ptr<grpc::Server> server)
      : path_(std::move(path)), server_(std::move(server)) {}
  std::string path_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace edgeid::server
