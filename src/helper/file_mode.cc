#include "helper/file_mode.h"

#include <cstdio>

namespace edgeid::helper {
namespace {

// Permission bits only: set-id and sticky bits make no sense on a certificate or a key.
constexpr int64_t kMaxMode = 0777;

}  // namespace

Result<mode_t> ParseFileMode(std::string_view text) {
  std::string_view digits = text;
  if (digits.starts_with("0o") || digits.starts_with("0O")) digits.remove_prefix(2);
  if (digits.empty() || digits.size() > 4) {
    return InvalidArgument("\"" + std::string(text) + "\" is not an octal file mode like 0644");
  }
  int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '7') {
      return InvalidArgument("\"" + std::string(text) + "\" is not an octal file mode like 0644");
    }
    value = value * 8 + (c - '0');
  }
  return FileModeFromInteger(value);
}

Result<mode_t> FileModeFromInteger(int64_t value) {
  if (value < 0 || value > kMaxMode) {
    return InvalidArgument("file mode " + std::to_string(value) +
                           " is outside 0 to 0o777 (write it in octal: 0o644 or \"0644\")");
  }
  return static_cast<mode_t>(value);
}

std::string FormatFileMode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode));
  return buf;
}

}  // namespace edgeid::helper
