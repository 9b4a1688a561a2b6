#include "common/trusted_directory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

namespace edgeid {
namespace {

std::string ErrnoText(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

std::string Octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// The rule of trusted_directory.h for one directory; `last` is the directory asked for.
Status CheckTrustedComponent(const struct stat& st, const std::string& path, uid_t owner,
                             bool last) {
  if (!S_ISDIR(st.st_mode)) return FailedPrecondition(path + " is not a directory");
  if (st.st_uid != 0 && st.st_uid != owner) {
    return FailedPrecondition(path + " belongs to uid " + std::to_string(st.st_uid) +
                              "; only root or uid " + std::to_string(owner) +
                              " (this daemon's user) may own it or any directory above the socket");
  }
  bool others_write = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
  bool sticky = (st.st_mode & S_ISVTX) != 0;
  if (others_write && (last || !sticky)) {
    return FailedPrecondition(path + " (mode " + Octal(st.st_mode) +
                              ") is writable by other users; make it 0755 or stricter");
  }
  return OkStatus();
}

}  // namespace

Result<UniqueFd> OpenTrustedDirectory(const std::string& dir,
                                      const TrustedDirectoryOptions& options) {
  uid_t owner = options.owner == static_cast<uid_t>(-1) ? ::geteuid() : options.owner;
  std::error_code ec;
  std::filesystem::path path = std::filesystem::absolute(dir.empty() ? "." : dir, ec);
  if (ec) return Unavailable("resolving " + dir + ": " + ec.message());
  path = path.lexically_normal();

  UniqueFd current(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!current.valid()) return Unavailable(ErrnoText("opening /"));
  std::vector<std::string> names;
  for (const auto& part : path.relative_path()) {
    if (!part.empty() && part != ".") names.push_back(part.string());
  }
  struct stat st {};
  if (::fstat(current.get(), &st) != 0) return Unavailable(ErrnoText("stat /"));
  EDGEID_RETURN_IF_ERROR(CheckTrustedComponent(st, "/", owner, names.empty()));

  std::string shown;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    bool last = i + 1 == names.size();
    shown += "/" + name;
    mode_t mode = last ? options.mode : 0755;
    bool created = false;
    if (::fstatat(current.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT || !options.create) return Unavailable(ErrnoText("stat " + shown));
      if (::mkdirat(current.get(), name.c_str(), mode) == 0) {
        created = true;
      } else if (errno != EEXIST) {
        return Unavailable(ErrnoText("creating " + shown));
      }
    }
    if (!created && ::fstatat(current.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISLNK(st.st_mode)) {
      return FailedPrecondition(shown +
                                " is a symbolic link; give the socket's real path (links on the "
                                "way to a daemon's socket are refused)");
    }
    // O_NOFOLLOW: a link put there since the check above fails here instead of being followed.
    // A directory made here is opened for reading, which fchmod needs (O_PATH descriptors
    // cannot be changed).
    UniqueFd next(::openat(current.get(), name.c_str(),
                           (created ? O_RDONLY : O_PATH) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) {
      if (errno == ELOOP || errno == ENOTDIR) {
        return FailedPrecondition(shown + " is not a directory (or is a symbolic link)");
      }
      return Unavailable(ErrnoText("opening " + shown));
    }
    if (created && ::fchmod(next.get(), mode) != 0) return Unavailable(ErrnoText("chmod " + shown));
    if (::fstat(next.get(), &st) != 0) return Unavailable(ErrnoText("stat " + shown));
    EDGEID_RETURN_IF_ERROR(CheckTrustedComponent(st, shown, owner, last));
    current = std::move(next);
  }
  return current;
}

}  // namespace edgeid
