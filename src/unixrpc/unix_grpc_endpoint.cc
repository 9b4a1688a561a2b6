#include "unixrpc/unix_grpc_endpoint.h"

#include <grpcpp/server_posix.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace edgeid {
namespace {

std::string EndpointErrno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

}  // namespace

Result<std::unique_ptr<UnixGrpcEndpoint>> UnixGrpcEndpoint::Start(
    const UnixGrpcEndpointOptions& options, const std::vector<grpc::Service*>& services,
    PeerTracker& peers, std::shared_ptr<spdlog::logger> log) {
  std::unique_ptr<UnixGrpcEndpoint> endpoint(new UnixGrpcEndpoint());
  endpoint->peers_ = &peers;
  endpoint->name_ = options.name;
  endpoint->log_ = std::move(log);
  endpoint->socket_ = EDGEID_TRY(SocketFile::Create(
      {options.socket_path, options.socket_mode, options.directory_mode, options.name}));
  endpoint->wake_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!endpoint->wake_.valid()) return Unavailable(EndpointErrno("eventfd"));

  grpc::ServerBuilder builder;
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  for (auto* service : services) builder.RegisterService(service);
  endpoint->server_ = builder.BuildAndStart();
  if (!endpoint->server_) return Internal("gRPC could not start the " + options.name + " server");
  endpoint->accepting_ = true;
  endpoint->accept_thread_ = std::thread([e = endpoint.get()] { e->AcceptLoop(); });
  endpoint->log_->info("{} listening on {}", options.name, options.socket_path);
  return endpoint;
}

void UnixGrpcEndpoint::AcceptLoop() {
  for (;;) {
    pollfd fds[2] = {{socket_->listener(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      log_->error("{}", EndpointErrno("poll on the " + name_ + " socket"));
      accepting_ = false;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) != 0) AcceptPending();
  }
}

void UnixGrpcEndpoint::AcceptPending() {
  for (;;) {
    UniqueFd fd(::accept4(socket_->listener(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd.valid()) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        log_->warn("{}", EndpointErrno("accept on the " + name_ + " socket"));
        if (errno == EMFILE || errno == ENFILE) ::poll(nullptr, 0, 100);
      }
      return;
    }
    auto peer = ReadPeerCredentials(fd.get());
    if (!peer.ok()) {
      log_->warn("refusing a {} connection: {}", name_, peer.error().message);
      continue;
    }
    peers_->Record(fd.get(), *peer);
    // gRPC owns the descriptor from here and closes it.
    grpc::AddInsecureChannelFromFd(server_.get(), fd.release());
  }
}

Status UnixGrpcEndpoint::CheckServing() const {
  if (!accepting_) return Unavailable("the " + name_ + " endpoint stopped accepting connections");
  return socket_->CheckServing();
}

UnixGrpcEndpoint::~UnixGrpcEndpoint() {
  if (wake_.valid()) {
    uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof(one));
  }
  if (accept_thread_.joinable()) accept_thread_.join();
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  socket_.reset();
}

}  // namespace edgeid
