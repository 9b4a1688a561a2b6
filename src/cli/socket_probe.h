// Why a CLI cannot talk to a daemon's UNIX socket, in words an operator can act on: the socket is
// missing, or there but not ours to connect to (permission denied), or nobody serves it.
#pragma once

#include <string>

#include "common/result.h"

namespace edgeid::cli {

struct SocketWords {
  std::string what;          // "server admin socket"
  std::string missing_hint;  // "is edgeid-server running? see --admin-socket"
  std::string denied_hint;   // "run as the server's user or a member of its group"
};

// Connects to `path` once and closes the connection. Unavailable when the path does not exist
// ("no <what> at <path> (<missing_hint>)"), PermissionDenied when the socket or a directory above
// it refuses this user ("permission denied connecting to <path>: <denied_hint>"), Unavailable
// when nothing listens or the path is not a socket.
Status ProbeUnixSocket(const std::string& path, const SocketWords& words);

}  // namespace edgeid::cli
