// Keys kept as PKCS#8 PEM files, one per key ID, in a directory of mode 0700. Each file is
// written atomically with mode 0600; a key file readable by others is refused, not used.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "keymanager/key_manager.h"

namespace edgeid::keymanager {

class DiskKeyManager final : public KeyManager {
 public:
  // Creates `directory` (mode 0700) if needed and checks that existing key files are private.
  static Result<std::unique_ptr<DiskKeyManager>> Open(const std::string& directory);

  Result<crypto::PrivateKey> GenerateKey(std::string_view key_id, crypto::KeyType type) override;
  Result<crypto::PrivateKey> GetKey(std::string_view key_id) const override;
  Status DeleteKey(std::string_view key_id) override;
  std::vector<std::string> ListKeyIds() const override;

 private:
  explicit DiskKeyManager(std::string directory) : directory_(std::move(directory)) {}
  std::string PathFor(std::string_view key_id) const;

  std::string directory_;
  mutable std::mutex mu_;
  mutable std::map<std::string, crypto::PrivateKey, std::less<>> cache_;
};

}  // namespace edgeid::keymanager
