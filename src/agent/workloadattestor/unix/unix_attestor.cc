#include "agent/workloadattestor/unix/unix_attestor.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/atomic_file.h"
#include "common/proc_text.h"
#include "common/unique_fd.h"
#include "crypto/digest.h"
#include "crypto/encoding.h"

namespace edgeid::agent {
namespace {

constexpr size_t kMaxCachedDigests = 1024;

std::string UserName(uid_t uid) {
  std::vector<char> buffer(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &pw, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) {
    return "";
  }
  return found->pw_name;
}

std::string GroupName(gid_t gid) {
  std::vector<char> buffer(65536);
  group gr{};
  group* found = nullptr;
  if (::getgrgid_r(gid, &gr, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) {
    return "";
  }
  return found->gr_name;
}

// The path of an open file as this process sees it, which is what /proc/<pid>/exe says too (a
// chrooted caller's binary by its full path); " (deleted)" marks a file unlinked or replaced
// since the caller started, as the kernel writes it.
Result<std::string> OpenFilePath(int fd) {
  std::vector<char> target(4096);
  std::string link = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = ::readlink(link.c_str(), target.data(), target.size() - 1);
  if (n < 0) {
    return PermissionDenied("reading the caller's binary path: " +
                            std::string(std::strerror(errno)));
  }
  return std::string(target.data(), static_cast<size_t>(n));
}

Error ExecutableChanged(const PeerCredentials& peer) {
  return PermissionDenied("caller process " + std::to_string(peer.pid) +
                          " has run another program since it connected");
}

}  // namespace

Result<std::vector<std::string>> UnixAttestor::Attest(const PeerCredentials& peer) {
  const std::string proc = options_.proc_root + "/" + std::to_string(peer.pid);
  auto status = ReadFile(proc + "/status", size_t{64} * 1024);
  if (!status.ok())
    return PermissionDenied("caller process " + std::to_string(peer.pid) + " is gone");
  auto ids = ParseProcStatus(*status);
  if (!ids.ok()) return ids.error().Wrap(proc + "/status");
  const uid_t uid = ids->uid;
  const gid_t gid = ids->gid;

  std::vector<std::string> selectors;
  selectors.push_back("unix:uid:" + std::to_string(uid));
  if (auto user = UserName(uid); !user.empty()) selectors.push_back("unix:user:" + user);
  selectors.push_back("unix:gid:" + std::to_string(gid));
  if (auto name = GroupName(gid); !name.empty()) selectors.push_back("unix:group:" + name);
  for (gid_t g : ids->groups) {
    selectors.push_back("unix:supplementary_gid:" + std::to_string(g));
    if (auto name = GroupName(g); !name.empty()) {
      selectors.push_back("unix:supplementary_group:" + name);
    }
  }

  if (options_.discover_workload_path) {
    // One open file gives the path, the digest and the check that it is the file the process
    // ran when it connected: a process that execs between reads cannot pair one binary's path
    // with another's digest.
    std::string exe = proc + "/exe";
    UniqueFd fd(::open(exe.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
      return PermissionDenied("opening the caller's binary: " + std::string(std::strerror(errno)));
    }
    if (ExecutableIdOf(fd.get()) != peer.executable || !peer.executable.readable) {
      return ExecutableChanged(peer);
    }
    std::string path = EDGEID_TRY(OpenFilePath(fd.get()));
    selectors.push_back("unix:path:" + path);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return Internal("stat of the caller's binary failed");
    auto digest = EDGEID_TRY(BinarySha256(fd.get(), st, path));
    selectors.push_back("unix:sha256:" + digest);
  }
  // Checked last: the answers above describe the caller only if it is still the same process.
  EDGEID_RETURN_IF_ERROR(CheckSameProcess(peer, options_.proc_root));
  std::sort(selectors.begin(), selectors.end());
  selectors.erase(std::unique(selectors.begin(), selectors.end()), selectors.end());
  return selectors;
}

Result<std::string> UnixAttestor::BinarySha256(int fd, const struct stat& st,
                                               const std::string& path) {
  if (options_.workload_size_limit > 0 && st.st_size > options_.workload_size_limit) {
    return PermissionDenied("workload binary " + path + " is " + std::to_string(st.st_size) +
                            " bytes, over workload_size_limit " +
                            std::to_string(options_.workload_size_limit));
  }
  auto nanos = [](const timespec& t) {
    return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
  };
  FileKey key{st.st_dev, st.st_ino, st.st_size, nanos(st.st_mtim), nanos(st.st_ctim)};
  {
    std::lock_guard lock(digest_mu_);
    if (auto it = digests_.find(key); it != digests_.end()) return it->second;
  }
  crypto::Sha256Hasher hasher;
  std::vector<char> buffer(1 << 16);
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal("reading the caller's binary: " + std::string(std::strerror(errno)));
    if (n == 0) break;
    hasher.Update(std::string_view(buffer.data(), static_cast<size_t>(n)));
  }
  std::string hex = crypto::HexEncode(hasher.Finish());
  std::lock_guard lock(digest_mu_);
  if (digests_.size() >= kMaxCachedDigests) digests_.clear();
  digests_.emplace(key, hex);
  return hex;
}

}  // namespace edgeid::agent
