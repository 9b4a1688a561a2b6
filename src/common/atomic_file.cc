#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/unique_fd.h"

namespace edgeid {
namespace {

Error ErrnoError(std::string_view what, const std::string& path, int err) {
  Error e{err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kUnavailable, ""};
  if (err == EACCES || err == EPERM) e.code = ErrorCode::kPermissionDenied;
  e.message = std::string(what) + " " + path + ": " + std::strerror(err);
  return e;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("writing", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return OkStatus();
}

}  // namespace

Status WriteFileAtomic(const std::string& path, std::string_view content, mode_t mode) {
  std::filesystem::path target(path);
  std::filesystem::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::string tmpl = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();

  int raw = ::mkstemp(tmpl.data());
  if (raw < 0) return ErrnoError("creating temporary file for", path, errno);
  UniqueFd fd(raw);
  auto cleanup_on_error = [&](Error e) -> Status {
    ::unlink(tmpl.c_str());
    return e;
  };
  // mkstemp creates 0600; widen or keep as asked, before any content is written.
  if (::fchmod(fd.get(), mode) != 0) return cleanup_on_error(ErrnoError("chmod", tmpl, errno));
  if (auto s = WriteAll(fd.get(), content, tmpl); !s.ok()) return cleanup_on_error(s.error());
  if (::fsync(fd.get()) != 0) return cleanup_on_error(ErrnoError("fsync", tmpl, errno));
  if (::close(fd.release()) != 0) return cleanup_on_error(ErrnoError("closing", tmpl, errno));
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    return cleanup_on_error(ErrnoError("renaming onto", path, errno));
  }
  UniqueFd dirfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dirfd.valid() || ::fsync(dirfd.get()) != 0) {
    return ErrnoError("fsync of directory", dir.string(), errno);
  }
  return OkStatus();
}

Result<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError("opening", path, errno);
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("reading", path, errno);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_bytes) {
      return InvalidArgument("file " + path + " is larger than " + std::to_string(max_bytes) +
                             " bytes");
    }
  }
  return out;
}

}  // namespace edgeid
