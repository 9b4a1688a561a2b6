#include "common/duration.h"

#include <cstdint>
#include <limits>

namespace edgeid {

Result<std::chrono::seconds> ParseDuration(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("invalid duration \"" + std::string(text) + "\": " + std::string(why));
  };
  if (text.empty()) return bad("empty");
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return bad("expected a number");
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (n > std::numeric_limits<int64_t>::max() / 10 - 10) return bad("too large");
      n = n * 10 + (text[i++] - '0');
    }
    if (i == text.size()) return bad("missing unit (s, m, h or d)");
    int64_t unit = 0;
    switch (text[i++]) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      default:
        return bad("unknown unit (use s, m, h or d)");
    }
    if (n > (std::numeric_limits<int64_t>::max() - total) / unit) return bad("too large");
    total += n * unit;
  }
  return std::chrono::seconds(total);
}

Result<std::chrono::seconds> ParseDurationFlag(std::string_view text, std::string_view flag) {
  bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
  auto seconds = digits ? ParseDuration(std::string(text) + "s") : ParseDuration(text);
  if (!seconds.ok()) return InvalidArgument(std::string(flag) + ": " + seconds.error().message);
  return seconds;
}

std::string FormatDuration(std::chrono::seconds d) {
  int64_t s = d.count();
  if (s == 0) return "0s";
  std::string out;
  if (s < 0) {
    out = "-";
    s = -s;
  }
  const std::pair<int64_t, char> units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
  for (auto [size, suffix] : units) {
    if (s >= size) {
      out += std::to_string(s / size) + suffix;
      s %= size;
    }
  }
  return out;
}

}  // namespace edgeid
