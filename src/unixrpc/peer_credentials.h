// Who is on the other end of a UNIX socket connection, as the kernel says (SO_PEERCRED), and
// which process that was: the start time from /proc tells a process from a later one that
// reuses its PID.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/result.h"

namespace edgeid {

// The file a process runs (/proc/<pid>/exe), by device and inode. exec changes it but neither the
// PID nor the start time, so it tells a process that ran another program since it connected.
struct ExecutableId {
  bool readable = false;  // false when /proc/<pid>/exe cannot be read (kernel thread, no access)
  dev_t device = 0;
  ino_t inode = 0;
  bool operator==(const ExecutableId&) const = default;
};

struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  uint64_t start_time = 0;  // clock ticks after boot (/proc/<pid>/stat field 22)
  ExecutableId executable;  // as the process was when the connection was accepted
};

// SO_PEERCRED of a connected UNIX socket, as the kernel recorded it: pid (0 for a peer in
// another PID namespace), uid, gid.
Result<ucred> SocketPeer(int fd);

// SO_PEERCRED of a connected UNIX socket, the process's start time and its executable.
Result<PeerCredentials> ReadPeerCredentials(int fd, const std::string& proc_root = "/proc");

// The start time of `pid`; NotFound when the process is gone.
Result<uint64_t> ProcessStartTime(pid_t pid, const std::string& proc_root = "/proc");

// What `pid` runs now: /proc/<pid>/exe, followed. Never waits on the file's file system.
ExecutableId ReadExecutableId(pid_t pid, const std::string& proc_root = "/proc");
// The same for an open file (/proc/<pid>/exe opened).
ExecutableId ExecutableIdOf(int fd);

// PermissionDenied unless `pid` is still the process that connected, as it connected: it exists,
// started when the connection was recorded, runs as the same user and group (SPIRE's tracker
// checks the owner of /proc/<pid> the same way) and runs the same executable. The last closes
// connect-fork-exec: a process that connects, forks, and then execs a registered binary must not
// let its child (which keeps the connection) be taken for that binary.
Status CheckSameProcess(const PeerCredentials& peer, const std::string& proc_root = "/proc");

}  // namespace edgeid
