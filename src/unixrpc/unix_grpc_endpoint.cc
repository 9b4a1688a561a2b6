#include "unixrpc/unix_grpc_endpoint.h"

#include <fcntl.h>
#include <grpcpp/server_posix.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace edgeid {
namespace {

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

}  // namespace

Result<std::unique_ptr<UnixGrpcEndpoint>> UnixGrpcEndpoint::Start(
    const UnixGrpcEndpointOptions& options, const std::vector<grpc::Service*>& services,
    PeerTracker& peers, std::shared_ptr<spdlog::logger> log) {
  const std::string& socket_path = options.socket_path;
  std::unique_ptr<UnixGrpcEndpoint> endpoint(new UnixGrpcEndpoint());
  endpoint->peers_ = &peers;
  endpoint->socket_path_ = socket_path;
  endpoint->name_ = options.name;
  endpoint->log_ = std::move(log);
  sockaddr_un addr{};
  if (socket_path.empty() || socket_path.size() >= sizeof(addr.sun_path)) {
    return InvalidArgument("socket path \"" + socket_path + "\" is empty or too long");
  }
  std::filesystem::path parent = std::filesystem::path(socket_path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !std::filesystem::exists(parent, ec)) {
    std::filesystem::create_directories(parent, ec);
    if (ec) return Unavailable("creating " + parent.string() + ": " + ec.message());
    ::chmod(parent.c_str(), 0755);
  }
  // Whoever can write the socket's directory can put their own socket there and pose as this
  // server to every client: it must be this process's user's (or root's) and closed to others.
  struct stat dir {};
  std::string dir_path = parent.empty() ? "." : parent.string();
  if (::stat(dir_path.c_str(), &dir) != 0) return Unavailable(Errno("stat " + dir_path));
  if (dir.st_uid != ::geteuid() && dir.st_uid != 0) {
    return FailedPrecondition("the socket directory " + dir_path + " belongs to uid " +
                              std::to_string(dir.st_uid) + ", not to this user");
  }
  if ((dir.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (dir.st_mode & S_ISVTX) == 0) {
    return FailedPrecondition("the socket directory " + dir_path +
                              " is writable by other users; make it 0755");
  }
  struct stat st {};
  if (::lstat(socket_path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return FailedPrecondition(socket_path + " exists and is not a socket; not replacing it");
    }
    ::unlink(socket_path.c_str());  // left by a server that did not stop cleanly
  }

  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!listener.valid()) return Unavailable(Errno("socket"));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Unavailable(Errno("binding " + socket_path));
  }
  if (::chmod(socket_path.c_str(), options.socket_mode) != 0) {
    return Unavailable(Errno("chmod " + socket_path));
  }
  if (::listen(listener.get(), SOMAXCONN) != 0) return Unavailable(Errno("listen"));
  endpoint->listener_ = std::move(listener);
  endpoint->wake_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!endpoint->wake_.valid()) return Unavailable(Errno("eventfd"));

  grpc::ServerBuilder builder;
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  for (auto* service : services) builder.RegisterService(service);
  endpoint->server_ = builder.BuildAndStart();
  if (!endpoint->server_) return Internal("gRPC could not start the " + options.name + " server");
  endpoint->accept_thread_ = std::thread([e = endpoint.get()] { e->AcceptLoop(); });
  endpoint->log_->info("{} listening on {}", options.name, socket_path);
  return endpoint;
}

void UnixGrpcEndpoint::AcceptLoop() {
  for (;;) {
    pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      log_->error("{}", Errno("poll on the " + name_ + " socket"));
      return;
    }
    if (fds[1].revents != 0) return;
    for (;;) {
      int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
          log_->warn("{}", Errno("accept on the " + name_ + " socket"));
          if (errno == EMFILE || errno == ENFILE) ::poll(nullptr, 0, 100);
        }
        break;
      }
      auto peer = ReadPeerCredentials(fd);
      if (!peer.ok()) {
        log_->warn("refusing a {} connection: {}", name_, peer.error().message);
        ::close(fd);
        continue;
      }
      peers_->Record(fd, *peer);
      // gRPC owns the descriptor from here and closes it.
      grpc::AddInsecureChannelFromFd(server_.get(), fd);
    }
  }
}

UnixGrpcEndpoint::~UnixGrpcEndpoint() {
  if (wake_.valid()) {
    uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof(one));
  }
  if (accept_thread_.joinable()) accept_thread_.join();
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  listener_.reset();
  ::unlink(socket_path_.c_str());
}

}  // namespace edgeid
