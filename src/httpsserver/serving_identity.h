// The certificate chain and key an HTTPS listener presents, read from two PEM files and read
// again when either file changes, so that a renewed certificate (an operator's, or the server's
// own SVID) is served without a restart.
#pragma once

#include <sys/stat.h>

#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"
#include "crypto/certificate.h"
#include "crypto/private_key.h"

namespace edgeid {

struct ServingFiles {
  std::string cert_chain_file;  // leaf first
  std::string key_file;
};

struct ServingCredentials {
  crypto::CertificateChain chain;
  crypto::PrivateKey key;
};

// What tells a changed file: a file replaced by rename has another inode, one rewritten in place
// another change time (ctime moves on every write and cannot be set back), and either may
// change its size.
struct FileStamp {
  ino_t inode = 0;
  timespec ctime{};
  off_t size = -1;
  bool operator==(const FileStamp& o) const {
    return inode == o.inode && ctime.tv_sec == o.ctime.tv_sec && ctime.tv_nsec == o.ctime.tv_nsec &&
           size == o.size;
  }
};

class ServingIdentity {
 public:
  // Reads both files; the key must match the leaf.
  static Result<std::unique_ptr<ServingIdentity>> Load(ServingFiles files);

  // Reads the files again when either changed (see FileStamp). A pair that cannot be
  // used (half written, mismatched) is an error, reported once, and the previous one keeps
  // serving until the files change again. Returns whether the credentials changed.
  Result<bool> ReloadIfChanged();
  std::shared_ptr<const ServingCredentials> current() const;
  const ServingFiles& files() const { return files_; }

 private:
  explicit ServingIdentity(ServingFiles files) : files_(std::move(files)) {}
  Result<std::shared_ptr<const ServingCredentials>> Read() const;
  std::pair<FileStamp, FileStamp> Stamps() const;

  ServingFiles files_;
  mutable std::mutex mu_;
  std::shared_ptr<const ServingCredentials> current_;
  std::pair<FileStamp, FileStamp> stamps_;
};

}  // namespace edgeid
