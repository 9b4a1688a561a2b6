#include "unixrpc/unix_grpc_endpoint.h"

#include <fcntl.h>
#include <grpc/grpc.h>
#include <grpcpp/server_posix.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace edgeid {
namespace {

constexpr char kRefusedMetric[] = "edgeid_unix_socket_refused_connections_total";
// Descriptors kept for everything else the daemon opens (files, TLS connections, gRPC's own).
constexpr rlim_t kReservedDescriptors = 128;

std::string EndpointErrno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// The overall cap, lowered so that two descriptors per connection stay within the open-file
// limit.
size_t TotalConnectionCap(size_t wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return wanted;
  rlim_t spare = limit.rlim_cur > 2 * kReservedDescriptors ? limit.rlim_cur - kReservedDescriptors
                                                           : limit.rlim_cur / 2;
  return std::max<size_t>(1, std::min<size_t>(wanted, static_cast<size_t>(spare / 2)));
}

}  // namespace

Result<std::unique_ptr<UnixGrpcEndpoint>> UnixGrpcEndpoint::Start(
    const UnixGrpcEndpointOptions& options, const std::vector<grpc::Service*>& services,
    PeerTracker& peers, std::shared_ptr<spdlog::logger> log) {
  std::unique_ptr<UnixGrpcEndpoint> endpoint(new UnixGrpcEndpoint());
  endpoint->peers_ = &peers;
  endpoint->name_ = options.name;
  endpoint->log_ = std::move(log);
  endpoint->metrics_ = options.metrics;
  if (options.limits.max_per_uid == 0 || options.limits.max_total == 0) {
    return InvalidArgument("the " + options.name + " connection limits must be at least 1");
  }
  size_t total = TotalConnectionCap(options.limits.max_total);
  if (total < options.limits.max_total) {
    endpoint->log_->warn("{}: at most {} connections instead of {}: the open-file limit is low",
                         options.name, total, options.limits.max_total);
  }
  endpoint->connections_ =
      std::make_unique<ConnectionTable>(std::min(options.limits.max_per_uid, total), total);
  if (endpoint->metrics_ != nullptr) {
    endpoint->metrics_->DescribeCounter(
        kRefusedMetric, "UNIX socket connections closed at accept for being over a limit.");
  }
  endpoint->socket_ = EDGEID_TRY(SocketFile::Create(
      {options.socket_path, options.socket_mode, options.directory_mode, options.name}));
  endpoint->wake_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!endpoint->wake_.valid()) return Unavailable(EndpointErrno("eventfd"));

  grpc::ServerBuilder builder;
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  if (options.limits.idle_timeout.count() > 0) {
    // gRPC's own idle timer: it runs while no call is in progress on the connection, and gRPC
    // then sends GOAWAY and closes it, which the connection table sees.
    builder.AddChannelArgument(
        GRPC_ARG_MAX_CONNECTION_IDLE_MS,
        static_cast<int>(std::min<int64_t>(options.limits.idle_timeout.count(), INT_MAX)));
  }
  for (auto* service : services) builder.RegisterService(service);
  endpoint->server_ = builder.BuildAndStart();
  if (!endpoint->server_) return Internal("gRPC could not start the " + options.name + " server");
  endpoint->accepting_ = true;
  endpoint->accept_thread_ = std::thread([e = endpoint.get()] { e->AcceptLoop(); });
  endpoint->log_->info("{} listening on {}", options.name, options.socket_path);
  return endpoint;
}

void UnixGrpcEndpoint::AcceptLoop() {
  std::vector<pollfd> fds;
  for (;;) {
    fds.clear();
    fds.push_back({socket_->listener(), POLLIN, 0});
    fds.push_back({wake_.get(), POLLIN, 0});
    connections_->AppendPollFds(fds);
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      log_->error("{}", EndpointErrno("poll on the " + name_ + " socket"));
      accepting_ = false;
      return;
    }
    if (fds[1].revents != 0) return;
    ReleaseClosed(fds.data() + 2, fds.size() - 2);
    if ((fds[0].revents & POLLIN) != 0) AcceptPending();
  }
}

void UnixGrpcEndpoint::AcceptPending() {
  // A bounded round: a flood of connections refused at once must not keep the loop from seeing
  // the stop signal (and closed connections) between rounds.
  constexpr int kAcceptsPerRound = 64;
  for (int round = 0; round < kAcceptsPerRound; ++round) {
    UniqueFd fd(::accept4(socket_->listener(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd.valid()) {
      int error = errno;
      if (error == EINTR) continue;
      if (error != EAGAIN && error != EWOULDBLOCK) {
        log_->warn("{}", EndpointErrno("accept on the " + name_ + " socket"));
        // Out of descriptors: the pending connection stays queued, so wait before the next try.
        if (error == EMFILE || error == ENFILE) ::poll(nullptr, 0, 100);
      }
      return;
    }
    auto peer = ReadPeerCredentials(fd.get());
    if (!peer.ok()) {
      log_->warn("refusing a {} connection: {}", name_, peer.error().message);
      continue;
    }
    auto admission = connections_->CanAdmit(peer->uid);
    if (admission != ConnectionTable::Admission::kAdmitted) {
      // Connections closed since the last poll (a client that closed one and opened the next)
      // give their places back before this one is judged.
      std::vector<pollfd> watches;
      connections_->AppendPollFds(watches);
      if (::poll(watches.data(), watches.size(), 0) > 0) {
        ReleaseClosed(watches.data(), watches.size());
      }
      admission = connections_->CanAdmit(peer->uid);
    }
    if (admission != ConnectionTable::Admission::kAdmitted) {
      Refuse(peer->uid, admission);
      continue;
    }
    UniqueFd watch(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));
    if (!watch.valid()) {
      log_->warn("refusing a {} connection: {}", name_, EndpointErrno("dup"));
      continue;
    }
    uint64_t generation = peers_->Record(fd.get(), *peer);
    connections_->Add(std::move(watch), peer->uid, fd.get(), generation);
    open_connections_ = connections_->size();
    // gRPC owns the descriptor from here and closes it; the table keeps its duplicate.
    grpc::AddInsecureChannelFromFd(server_.get(), fd.release());
  }
}

void UnixGrpcEndpoint::ReleaseClosed(const pollfd* watches, size_t count) {
  connections_->Release(watches, count,
                        [this](int fd, uint64_t generation) { peers_->Forget(fd, generation); });
  open_connections_ = connections_->size();
}

void UnixGrpcEndpoint::Refuse(uid_t uid, ConnectionTable::Admission why) {
  bool per_uid = why == ConnectionTable::Admission::kUidFull;
  if (metrics_ != nullptr) {
    metrics_->Increment(kRefusedMetric,
                        {{"socket", name_}, {"reason", per_uid ? "uid_limit" : "total_limit"}});
  }
  if (!refusal_log_.Allow("uid:" + std::to_string(uid))) return;
  if (per_uid) {
    log_->warn("{}: refusing connections from uid {}: it holds {} already (the per-uid limit)",
               name_, uid, connections_->count(uid));
  } else {
    log_->warn("{}: refusing a connection from uid {}: {} connections are open (the limit)", name_,
               uid, connections_->size());
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
