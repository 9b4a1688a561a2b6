#include "server/endpoints/admin_endpoint.h"

namespace edgeid::server {

Result<std::unique_ptr<AdminEndpoint>> AdminEndpoint::Start(
    const std::string& socket_path, const std::vector<grpc::Service*>& services,
    const std::shared_ptr<spdlog::logger>& log) {
  std::unique_ptr<AdminEndpoint> admin(new AdminEndpoint());
  UnixGrpcEndpointOptions options;
  options.socket_path = socket_path;
  options.name = "admin API";
  options.socket_mode = 0770;
  options.directory_mode = 0750;
  options.max_message_bytes = 4 << 20;
  admin->endpoint_ = EDGEID_TRY(UnixGrpcEndpoint::Start(options, services, admin->peers_, log));
  return admin;
}

}  // namespace edgeid::server
