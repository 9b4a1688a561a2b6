#include "device/link/link_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "device/link/link_codes.h"

namespace edgeid::device::link {
namespace {

using Clock = std::chrono::steady_clock;

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

Result<sockaddr_un> AddressOf(const std::string& path) {
  sockaddr_un addr{};
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return InvalidArgument("link socket path \"" + path + "\" is empty or too long");
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

Status SetSendTimeout(int fd) {
  timeval timeout{static_cast<time_t>(kSendTimeout.count()), 0};
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) != 0) {
    return Unavailable(Errno("setting the link's send timeout"));
  }
  return OkStatus();
}

}  // namespace

Result<LinkSocket> LinkSocket::Connect(const std::string& path) {
  sockaddr_un addr = EDGEID_TRY(AddressOf(path));
  // Non-blocking, so that a full listen queue is an answer (EAGAIN), not an indefinite wait.
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return Unavailable(Errno("socket"));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno == EAGAIN) return Unavailable("device at " + path + " is busy with other centrals");
    return Unavailable(Errno("connecting to device at " + path));
  }
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
    return Unavailable(Errno("fcntl"));
  }
  EDGEID_RETURN_IF_ERROR(SetSendTimeout(fd.get()));
  return LinkSocket(std::move(fd));
}

Status LinkSocket::Send(std::string_view payload) {
  if (payload.empty() || payload.size() > kMaxFramePayload) {
    return InvalidArgument("frame of " + std::to_string(payload.size()) + " bytes not sendable");
  }
  std::string frame;
  frame.reserve(payload.size() + 2);
  frame.push_back(static_cast<char>(payload.size() >> 8));
  frame.push_back(static_cast<char>(payload.size() & 0xFF));
  frame += payload;
  size_t sent = 0;
  while (sent < frame.size()) {
    ssize_t n = ::send(fd_.get(), frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return Unavailable("the peer stopped reading the link");
    }
    if (n <= 0) return Unavailable(Errno("link send"));
    sent += static_cast<size_t>(n);
  }
  return OkStatus();
}

Status LinkSocket::Fill(Clock::time_point deadline, bool frame_started) {
  for (;;) {
    pollfd pfd{fd_.get(), POLLIN, 0};
    int ready = ::poll(&pfd, 1, RemainingMs(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return Unavailable(Errno("link poll"));
    if (ready == 0) {
      if (frame_started) return Unavailable("link stalled in the middle of a frame");
      return Error{ErrorCode::kDeadlineExceeded, "no frame from the peer in time"};
    }
    char chunk[16384];
    ssize_t r = ::recv(fd_.get(), chunk, sizeof chunk, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Unavailable(Errno("link receive"));
    if (r == 0) return Unavailable("peer closed the link");
    buffer_.append(chunk, static_cast<size_t>(r));
    return OkStatus();
  }
}

Result<std::string> LinkSocket::Receive(std::chrono::milliseconds timeout, bool strict) {
  auto deadline = Clock::now() + timeout;
  auto buffered = [&] { return buffer_.size() - consumed_; };
  while (buffered() < 2) EDGEID_RETURN_IF_ERROR(Fill(deadline, buffered() > 0));
  const char* at = buffer_.data() + consumed_;
  size_t length =
      (static_cast<size_t>(static_cast<uint8_t>(at[0])) << 8) | static_cast<uint8_t>(at[1]);
  if (length == 0 || length > kMaxFramePayload) {
    return InvalidArgument("peer sent a frame of " + std::to_string(length) +
                           " bytes (allowed 1 to " + std::to_string(kMaxFramePayload) + ")");
  }
  // A frame once begun must arrive whole soon, whatever the caller's wait for the next one.
  auto body_deadline =
      strict ? deadline : std::max(deadline, Clock::now() + std::chrono::seconds(5));
  while (buffered() < 2 + length) EDGEID_RETURN_IF_ERROR(Fill(body_deadline, true));
  std::string payload = buffer_.substr(consumed_ + 2, length);
  consumed_ += 2 + length;
  if (consumed_ == buffer_.size()) {
    buffer_.clear();
    consumed_ = 0;
  } else if (consumed_ >= kMaxFramePayload) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  return payload;
}

void LinkSocket::Shutdown() {
  if (fd_.valid()) ::shutdown(fd_.get(), SHUT_RDWR);
}

Result<LinkListener> LinkListener::Listen(const std::string& path) {
  sockaddr_un addr = EDGEID_TRY(AddressOf(path));
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return FailedPrecondition(path + " exists and is not a socket; not replacing it");
    }
    ::unlink(path.c_str());  // left by a device that did not stop cleanly
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Unavailable(Errno("socket"));
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Unavailable(Errno("binding " + path));
  }
  if (::chmod(path.c_str(), 0660) != 0) return Unavailable(Errno("chmod " + path));
  if (::listen(fd.get(), 8) != 0) return Unavailable(Errno("listen"));
  return LinkListener(std::move(fd), path);
}

LinkListener::~LinkListener() {
  if (fd_.valid()) ::unlink(path_.c_str());
}

Result<LinkSocket> LinkListener::Accept(std::chrono::milliseconds timeout) {
  pollfd pfd{fd_.get(), POLLIN, 0};
  int ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
  if (ready < 0 && errno != EINTR) return Unavailable(Errno("poll"));
  if (ready <= 0) return Error{ErrorCode::kDeadlineExceeded, "no central connected"};
  UniqueFd fd(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!fd.valid()) return Unavailable(Errno("accept"));
  EDGEID_RETURN_IF_ERROR(SetSendTimeout(fd.get()));
  return LinkSocket(std::move(fd));
}

}  // namespace edgeid::device::link
