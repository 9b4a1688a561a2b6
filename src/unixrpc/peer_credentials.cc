#include "unixrpc/peer_credentials.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstring>

#include "common/atomic_file.h"
#include "common/proc_text.h"

namespace edgeid {

Result<ucred> SocketPeer(int fd) {
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return Unavailable(std::string("SO_PEERCRED: ") + std::strerror(errno));
  }
  return cred;
}

Result<PeerCredentials> ReadPeerCredentials(int fd, const std::string& proc_root) {
  ucred cred = EDGEID_TRY(SocketPeer(fd));
  if (cred.pid <= 0) return PermissionDenied("the kernel gave no PID for the caller");
  PeerCredentials peer{cred.pid, cred.uid, cred.gid, 0, {}};
  peer.start_time = EDGEID_TRY(ProcessStartTime(cred.pid, proc_root));
  peer.executable = ReadExecutableId(cred.pid, proc_root);
  return peer;
}

namespace {

// Device and inode from the kernel's in-memory inode: AT_STATX_DONT_SYNC keeps FUSE and NFS from
// asking the file's server, which a local user's FUSE file system could leave unanswered and so
// stall whoever asks (the accept loop of every socket).
ExecutableId StatxId(int dirfd, const char* path, int flags) {
  struct statx stx {};
  if (::statx(dirfd, path, flags | AT_STATX_DONT_SYNC, STATX_INO, &stx) != 0) return {};
  return {true, makedev(stx.stx_dev_major, stx.stx_dev_minor), static_cast<ino_t>(stx.stx_ino)};
}

}  // namespace

ExecutableId ReadExecutableId(pid_t pid, const std::string& proc_root) {
  return StatxId(AT_FDCWD, (proc_root + "/" + std::to_string(pid) + "/exe").c_str(), 0);
}

ExecutableId ExecutableIdOf(int fd) {
  return StatxId(fd, "", AT_EMPTY_PATH);
}

Result<uint64_t> ProcessStartTime(pid_t pid, const std::string& proc_root) {
  auto stat = ReadFile(proc_root + "/" + std::to_string(pid) + "/stat", 4096);
  if (!stat.ok()) return NotFound("process " + std::to_string(pid) + " is gone");
  return ParseProcStatStartTime(*stat);
}

Status CheckSameProcess(const PeerCredentials& peer, const std::string& proc_root) {
  // /proc/<pid> belongs to the process's effective user and group: a process that ran a setuid
  // program after connecting (its start time unchanged by exec) is not the caller that connected.
  struct stat st {};
  if (::stat((proc_root + "/" + std::to_string(peer.pid)).c_str(), &st) != 0) {
    return PermissionDenied("caller process " + std::to_string(peer.pid) + " has exited");
  }
  if (st.st_uid != peer.uid || st.st_gid != peer.gid) {
    return PermissionDenied("caller process " + std::to_string(peer.pid) +
                            " changed its user or group since it connected");
  }
  auto now = ProcessStartTime(peer.pid, proc_root);
  if (!now.ok()) {
    return PermissionDenied("caller process " + std::to_string(peer.pid) + " has exited");
  }
  if (*now != peer.start_time) {
    return PermissionDenied("caller PID " + std::to_string(peer.pid) +
                            " now belongs to another process");
  }
  if (ReadExecutableId(peer.pid, proc_root) != peer.executable) {
    return PermissionDenied("caller process " + std::to_string(peer.pid) +
                            " has run another program since it connected");
  }
  return OkStatus();
}

}  // namespace edgeid
