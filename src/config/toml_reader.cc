#include "config/toml_reader.h"

#include "common/duration.h"

namespace edgeid::config {

Error Bad(const std::string& key, const std::string& why) {
  return InvalidArgument("config: " + key + ": " + why);
}

Status CheckKeys(const toml::table& table, const std::string& prefix,
                 const std::set<std::string>& known) {
  for (const auto& [key, value] : table) {
    std::string name(key.str());
    if (!known.contains(name)) return Bad(prefix + name, "unknown key");
  }
  return OkStatus();
}

Result<std::optional<std::chrono::seconds>> GetDuration(const toml::table& table,
                                                        const std::string& prefix,
                                                        const char* key) {
  auto text = EDGEID_TRY(Get<std::string>(table, prefix, key));
  if (!text) return std::optional<std::chrono::seconds>();
  auto d = ParseDuration(*text);
  if (!d.ok()) return Bad(prefix + key, d.error().message);
  if (d->count() <= 0) return Bad(prefix + key, "must be positive");
  return std::optional<std::chrono::seconds>(*d);
}

Result<uint16_t> Port(int64_t value, const std::string& key) {
  if (value < 0 || value > 65535) return Bad(key, "must be a port number (0 to 65535)");
  return static_cast<uint16_t>(value);
}

Result<toml::table> ParseToml(std::string_view text) {
  try {
    return toml::parse(text);
  } catch (const toml::parse_error& e) {
    return InvalidArgument("config: line " + std::to_string(e.source().begin.line) + ": " +
                           std::string(e.description()));
  }
}

}  // namespace edgeid::config
