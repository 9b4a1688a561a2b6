// Workload attestor "unix", SPIRE's selectors: uid, user, gid, group, supplementary_gid and
// supplementary_group from /proc/<pid>/status (effective IDs), and with discover_workload_path
// the binary's path (/proc/<pid>/exe) and its sha256.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "agent/workloadattestor/workload_attestor.h"

namespace edgeid::agent {

struct UnixAttestorOptions {
  bool discover_workload_path = false;
  int64_t workload_size_limit = 0;  // bytes hashed at most; 0: no limit
  std::string proc_root = "/proc";
};

class UnixAttestor final : public WorkloadAttestor {
 public:
  explicit UnixAttestor(UnixAttestorOptions options) : options_(std::move(options)) {}
  const char* name() const override { return "unix"; }
  Result<std::vector<std::string>> Attest(const PeerCredentials& peer) override;

 private:
  Result<std::string> BinarySha256(int fd, const struct stat& st, const std::string& path);

  UnixAttestorOptions options_;
  // Digests by (device, inode, size, mtime, ctime): a binary is hashed once, not at every call;
  // ctime changes with any write, even one that puts the old mtime back.
  using FileKey = std::tuple<dev_t, ino_t, off_t, int64_t, int64_t>;
  std::mutex digest_mu_;
  std::map<FileKey, std::string> digests_;
};

}  // namespace edgeid::agent
