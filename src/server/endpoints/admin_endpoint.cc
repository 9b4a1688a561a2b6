#include "server/endpoints/admin_endpoint.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/unique_fd.h"

namespace edgeid::server {
namespace {

// True when a process accepts connections on `path`.
bool SomeoneListens(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

Status PrepareSocketPath(const std::string& path) {
  std::filesystem::path socket(path);
  std::error_code ec;
  auto dir = socket.parent_path();
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec)
      return Unavailable("creating admin socket directory " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0770);
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return FailedPrecondition("admin socket path " + path + " exists and is not a socket");
    }
    if (SomeoneListens(path)) {
      return FailedPrecondition("another process is serving on admin socket " + path);
    }
    ::unlink(path.c_str());  // left behind by a server that did not stop cleanly
  }
  return OkStatus();
}

}  // namespace

Result<std::unique_ptr<AdminEndpoint>> AdminEndpoint::Start(
    const std::string& socket_path, const std::vector<grpc::Service*>& services,
    const std::shared_ptr<spdlog::logger>& log) {
  EDGEID_RETURN_IF_ERROR(PrepareSocketPath(socket_path));
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + socket_path, grpc::InsecureServerCredentials());
  builder.SetMaxReceiveMessageSize(4 << 20);
  for (auto* service : services) builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) return Unavailable("cannot listen on admin socket " + socket_path);
  if (::chmod(socket_path.c_str(), 0770) != 0) {
    server->Shutdown();
    return Unavailable("chmod admin socket " + socket_path + ": " + std::strerror(errno));
  }
  log->info("admin API listening on {}", socket_path);
  return std::unique_ptr<AdminEndpoint>(new AdminEndpoint(socket_path, std::move(server)));
}

AdminEndpoint::~AdminEndpoint() {
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server_->Wait();
  ::unlink(path_.c_str());
}

}  // namespace edgeid::server
