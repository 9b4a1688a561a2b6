#include "keymanager/memory/memory_key_manager.h"

namespace edgeid::keymanager {

Result<crypto::PrivateKey> MemoryKeyManager::GenerateKey(std::string_view key_id,
                                                         crypto::KeyType type) {
  EDGEID_RETURN_IF_ERROR(ValidateKeyId(key_id));
  auto key = EDGEID_TRY(crypto::PrivateKey::Generate(type));
  std::lock_guard lock(mu_);
  keys_.insert_or_assign(std::string(key_id), key);
  return key;
}

Result<crypto::PrivateKey> MemoryKeyManager::GetKey(std::string_view key_id) const {
  std::lock_guard lock(mu_);
  auto it = keys_.find(key_id);
  if (it == keys_.end()) return NotFound("no key with ID \"" + std::string(key_id) + "\"");
  return it->second;
}

Status MemoryKeyManager::DeleteKey(std::string_view key_id) {
  std::lock_guard lock(mu_);
  auto it = keys_.find(key_id);
  if (it == keys_.end()) return NotFound("no key with ID \"" + std::string(key_id) + "\"");
  keys_.erase(it);
  return OkStatus();
}

std::vector<std::string> MemoryKeyManager::ListKeyIds() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> ids;
  for (const auto& [id, key] : keys_) ids.push_back(id);
  return ids;
}

}  // namespace edgeid::keymanager
