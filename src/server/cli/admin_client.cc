#include "server/cli/admin_client.h"

#include <sys/stat.h>

namespace edgeid::server::cli {

Result<std::shared_ptr<grpc::Channel>> ConnectAdmin(const std::string& socket_path) {
  struct stat st {};
  if (::stat(socket_path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) {
    return Unavailable("no server admin socket at " + socket_path +
                       " (is edgeid-server running? see --admin-socket)");
  }
  return grpc::CreateChannel("unix:" + socket_path, grpc::InsecureChannelCredentials());
}

std::unique_ptr<grpc::ClientContext> AdminContext() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return context;
}

std::string Describe(const grpc::Status& status, const std::string& socket_path) {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    return "cannot reach the server on " + socket_path + ": " + status.error_message();
  }
  return status.error_message();
}

}  // namespace edgeid::server::cli
