// Keys held in process memory only: they are gone when the process stops.
#pragma once

#include <map>
#include <mutex>

#include "keymanager/key_manager.h"

namespace edgeid::keymanager {

class MemoryKeyManager final : public KeyManager {
 public:
  Result<crypto::PrivateKey> GenerateKey(std::string_view key_id, crypto::KeyType type) override;
  Result<crypto::PrivateKey> GetKey(std::string_view key_id) const override;
  Status DeleteKey(std::string_view key_id) override;
  std::vector<std::string> ListKeyIds() const override;

 private:
  mutable std::mutex mu_;
  std::map<std::string, crypto::PrivateKey, std::less<>> keys_;
};

}  // namespace edgeid::keymanager
