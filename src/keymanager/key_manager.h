// The KeyManager plugin kind: where CA, JWT and SVID private keys are made and kept.
// Keys are created inside the key manager and used through it; callers never import one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "crypto/key_type.h"
#include "crypto/private_key.h"

namespace edgeid::keymanager {

class KeyManager {
 public:
  virtual ~KeyManager() = default;

  // Creates a fresh key under `key_id`, replacing any key that had that ID.
  virtual Result<crypto::PrivateKey> GenerateKey(std::string_view key_id, crypto::KeyType type) = 0;
  // NotFound when there is no key with that ID.
  virtual Result<crypto::PrivateKey> GetKey(std::string_view key_id) const = 0;
  virtual Status DeleteKey(std::string_view key_id) = 0;
  virtual std::vector<std::string> ListKeyIds() const = 0;
};

// Key IDs become file names: 1 to 64 characters of [A-Za-z0-9._-], not starting with '.'.
Status ValidateKeyId(std::string_view key_id);

}  // namespace edgeid::keymanager
