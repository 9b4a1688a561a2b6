#include "spiffe/json_limits.h"

#include <string>

namespace edgeid::spiffe {

Result<nlohmann::json> ParseJsonObject(std::string_view text, std::string_view what,
                                       size_t max_bytes, int max_depth) {
  std::string name(what);
  if (text.size() > max_bytes) {
    return InvalidArgument(name + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '{' || c == '[') {
      if (++depth > max_depth) return InvalidArgument(name + " is nested too deeply");
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgument(name + " is not valid JSON");
  if (!doc.is_object()) return InvalidArgument(name + " must be a JSON object");
  return doc;
}

}  // namespace edgeid::spiffe
