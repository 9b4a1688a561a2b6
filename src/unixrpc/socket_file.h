// The file of a listening UNIX socket, created so that it can neither be taken from another
// daemon nor be reached before it has its final mode, and removed only while it is still the
// one this process made.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "common/result.h"
#include "common/unique_fd.h"

namespace edgeid {

struct SocketFileOptions {
  std::string path;
  mode_t socket_mode = 0777;
  mode_t directory_mode = 0755;  // the socket's directory, when it has to be created
  std::string name;              // what the socket serves, in errors ("Workload API")
};

class SocketFile {
 public:
  // Checks the socket's directory and every one above it (OpenTrustedDirectory), creating the
  // missing ones; refuses a path that exists and is not a socket, and a socket someone accepts
  // connections on (probed by connecting); removes a socket nobody listens on (left by a daemon
  // that did not stop cleanly). The socket is bound and given its mode in a private directory
  // (0700) next to its final name and then moved there without replacing anything, so that no
  // one connects while its mode is still the umask's and two daemons starting at once cannot
  // both win. Listening with a SOCK_NONBLOCK | SOCK_CLOEXEC descriptor.
  static Result<std::unique_ptr<SocketFile>> Create(const SocketFileOptions& options);
  // Removes the socket file if the path still names the socket this process made.
  ~SocketFile();
  SocketFile(const SocketFile&) = delete;
  SocketFile& operator=(const SocketFile&) = delete;

  int listener() const { return listener_.get(); }
  const std::string& path() const { return path_; }
  // Unavailable when the path no longer names this socket (removed or replaced by someone) or
  // the socket no longer listens.
  Status CheckServing() const;

 private:
  SocketFile() = default;

  std::string path_;
  std::string name_;
  std::string file_name_;  // the last component of path_
  UniqueFd dir_;           // O_PATH descriptor of the checked directory
  UniqueFd listener_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

}  // namespace edgeid
