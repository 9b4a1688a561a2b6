#include "cli/socket_probe.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"

namespace edgeid::cli {
namespace {

Error Explain(int error, const std::string& path, const SocketWords& words) {
  switch (error) {
    case ENOENT:
    case ENOTDIR:
      return Unavailable("no " + words.what + " at " + path + " (" + words.missing_hint + ")");
    case EACCES:
    case EPERM:
      return PermissionDenied("permission denied connecting to " + path + ": " + words.denied_hint);
    case ECONNREFUSED:
      return Unavailable("nothing is serving the " + words.what + " at " + path + " (" +
                         words.missing_hint + ")");
    default:
      return Unavailable("cannot connect to the " + words.what + " at " + path + ": " +
                         std::strerror(error));
  }
}

}  // namespace

Status ProbeUnixSocket(const std::string& path, const SocketWords& words) {
  struct stat st {};
  // stat first: EACCES here is a directory above the socket this user may not search.
  if (::stat(path.c_str(), &st) != 0) return Explain(errno, path, words);
  if (!S_ISSOCK(st.st_mode)) return Unavailable(path + " is not a socket (the " + words.what + ")");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    return InvalidArgument(path + " is too long for a UNIX socket");
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Unavailable(std::string("socket: ") + std::strerror(errno));
  // EACCES here is the socket itself: connecting needs write permission on it.
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    return Explain(errno, path, words);
  }
  return OkStatus();
}

}  // namespace edgeid::cli
