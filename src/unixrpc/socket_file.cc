#include "unixrpc/socket_file.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/trusted_directory.h"

namespace edgeid {
namespace {

std::string SocketErrno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// "/proc/self/fd/<dir>/<name>": the name inside the directory that was checked, whatever has
// happened to the path leading to it since.
std::string InDirectory(int dir, const std::string& name) {
  return "/proc/self/fd/" + std::to_string(dir) + "/" + name;
}

Result<sockaddr_un> SocketAddress(const std::string& path) {
  sockaddr_un addr{};
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return InvalidArgument("socket path \"" + path + "\" is empty or too long");
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

enum class Probe { kListening, kStale, kGone };

Result<Probe> ProbeSocket(const std::string& path) {
  sockaddr_un addr = EDGEID_TRY(SocketAddress(path));
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return Unavailable(SocketErrno("socket"));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    return Probe::kListening;
  }
  // EAGAIN: a listener whose backlog is full, still a listener.
  if (errno == EAGAIN || errno == EINPROGRESS) return Probe::kListening;
  if (errno == ECONNREFUSED) return Probe::kStale;
  if (errno == ENOENT) return Probe::kGone;
  return Unavailable(SocketErrno("probing the existing socket"));
}

// Moves `from` to `to` in `dir` unless `to` exists. renameat2's RENAME_NOREPLACE, or a hard
// link (which never replaces either) on file systems without it.
int MoveNoReplace(int dir, const std::string& from, const std::string& to) {
  if (::renameat2(dir, from.c_str(), dir, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  if (::linkat(dir, from.c_str(), dir, to.c_str(), 0) != 0) return -1;
  ::unlinkat(dir, from.c_str(), 0);
  return 0;
}

// A directory only this process can enter, removed with what is left in it.
class StagingDirectory {
 public:
  StagingDirectory(int parent, std::string name) : parent_(parent), name_(std::move(name)) {}
  ~StagingDirectory() {
    ::unlinkat(parent_, (name_ + "/s").c_str(), 0);
    ::unlinkat(parent_, name_.c_str(), AT_REMOVEDIR);
  }
  const std::string& name() const { return name_; }

 private:
  int parent_;
  std::string name_;
};

}  // namespace

Result<std::unique_ptr<SocketFile>> SocketFile::Create(const SocketFileOptions& options) {
  std::unique_ptr<SocketFile> file(new SocketFile());
  file->path_ = options.path;
  file->name_ = options.name;
  EDGEID_TRY(SocketAddress(options.path));
  std::filesystem::path path(options.path);
  file->file_name_ = path.filename().string();
  if (file->file_name_.empty() || file->file_name_ == "." || file->file_name_ == "..") {
    return InvalidArgument("socket path \"" + options.path + "\" names no file");
  }
  std::string dir_path = path.has_parent_path() ? path.parent_path().string() : ".";
  auto dir = OpenTrustedDirectory(dir_path, {true, options.directory_mode});
  if (!dir.ok()) {
    return dir.error().Wrap("the " + options.name + " socket's directory cannot be trusted");
  }
  file->dir_ = std::move(*dir);
  const int dirfd = file->dir_.get();
  const std::string& name = file->file_name_;

  struct stat st {};
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return FailedPrecondition(options.path + " exists and is not a socket; not replacing it");
    }
    switch (EDGEID_TRY(ProbeSocket(InDirectory(dirfd, name)))) {
      case Probe::kListening:
        return FailedPrecondition("another process is serving on " + options.path +
                                  "; not taking its socket over (stop it first, or give this "
                                  "one another socket path)");
      case Probe::kStale:
        // Left by a daemon that did not stop cleanly: nobody accepts on it.
        if (::unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT) {
          return Unavailable(SocketErrno("removing the stale socket " + options.path));
        }
        break;
      case Probe::kGone:
        break;
    }
  } else if (errno != ENOENT) {
    return Unavailable(SocketErrno("stat " + options.path));
  }

  std::string staging_template = InDirectory(dirfd, ".edgeid-bind-XXXXXX");
  if (::mkdtemp(staging_template.data()) == nullptr) {
    return Unavailable(SocketErrno("creating a private directory next to " + options.path));
  }
  StagingDirectory staging(dirfd, std::filesystem::path(staging_template).filename().string());
  std::string staged = staging.name() + "/s";

  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!listener.valid()) return Unavailable(SocketErrno("socket"));
  sockaddr_un addr = EDGEID_TRY(SocketAddress(InDirectory(dirfd, staged)));
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Unavailable(SocketErrno("binding " + options.path));
  }
  if (::fchmodat(dirfd, staged.c_str(), options.socket_mode, 0) != 0) {
    return Unavailable(SocketErrno("chmod " + options.path));
  }
  if (::listen(listener.get(), SOMAXCONN) != 0) return Unavailable(SocketErrno("listen"));
  if (::fstatat(dirfd, staged.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return Unavailable(SocketErrno("stat " + options.path));
  }
  if (MoveNoReplace(dirfd, staged, name) != 0) {
    if (errno == EEXIST) {
      return FailedPrecondition(options.path +
                                " appeared while this process was starting (another daemon "
                                "starting at the same time?); not replacing it");
    }
    return Unavailable(SocketErrno("moving the socket to " + options.path));
  }
  file->dev_ = st.st_dev;
  file->ino_ = st.st_ino;
  file->listener_ = std::move(listener);
  return file;
}

SocketFile::~SocketFile() {
  if (!dir_.valid() || ino_ == 0) return;
  struct stat st {};
  if (::fstatat(dir_.get(), file_name_.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      st.st_dev == dev_ && st.st_ino == ino_) {
    ::unlinkat(dir_.get(), file_name_.c_str(), 0);
  }
}

Status SocketFile::CheckServing() const {
  struct stat st {};
  if (::lstat(path_.c_str(), &st) != 0 || st.st_dev != dev_ || st.st_ino != ino_) {
    return Unavailable("the " + name_ + " socket " + path_ +
                       " was removed or replaced by someone else; clients cannot reach this "
                       "process (restart it)");
  }
  int listening = 0;
  socklen_t len = sizeof listening;
  if (::getsockopt(listener_.get(), SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 ||
      listening == 0) {
    return Unavailable("the " + name_ + " socket " + path_ + " no longer listens");
  }
  return OkStatus();
}

}  // namespace edgeid
