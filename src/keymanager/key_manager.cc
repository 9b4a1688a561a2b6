#include "keymanager/key_manager.h"

#include <string>

namespace edgeid::keymanager {

Status ValidateKeyId(std::string_view key_id) {
  if (key_id.empty() || key_id.size() > 64) {
    return InvalidArgument("key ID must be 1 to 64 characters long");
  }
  if (key_id.front() == '.') return InvalidArgument("key ID must not start with '.'");
  for (char c : key_id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      return InvalidArgument("key ID \"" + std::string(key_id) +
                             "\" may only contain letters, digits, '.', '_' and '-'");
    }
  }
  return OkStatus();
}

}  // namespace edgeid::keymanager
