#include "crypto/key_type.h"

#include <string>

namespace edgeid::crypto {

std::string_view KeyTypeName(KeyType type) {
  switch (type) {
    case KeyType::kEcP256:
      return "ec-p256";
    case KeyType::kEcP384:
      return "ec-p384";
    case KeyType::kRsa2048:
      return "rsa-2048";
    case KeyType::kRsa3072:
      return "rsa-3072";
    case KeyType::kRsa4096:
      return "rsa-4096";
  }
  return "unknown";
}

Result<KeyType> ParseKeyType(std::string_view name) {
  for (KeyType t : {KeyType::kEcP256, KeyType::kEcP384, KeyType::kRsa2048, KeyType::kRsa3072,
                    KeyType::kRsa4096}) {
    if (KeyTypeName(t) == name) return t;
  }
  return InvalidArgument("unknown key type \"" + std::string(name) +
                         "\" (expected ec-p256, ec-p384, rsa-2048, rsa-3072 or rsa-4096)");
}

}  // namespace edgeid::crypto
