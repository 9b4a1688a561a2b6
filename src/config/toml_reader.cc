#include "config/toml_reader.h"

#include "common/duration.h"

namespace edgeid::config {
namespace {

Result<std::chrono::seconds> PositiveDuration(const std::string& key, const std::string& text) {
  auto d = ParseDuration(text);
  if (!d.ok()) return Bad(key, d.error().message);
  if (d->count() <= 0) return Bad(key, "must be positive");
  return *d;
}

}  // namespace

Result<std::vector<std::string>> GetStrings(const toml::table& table, const std::string& prefix,
                                            const char* key) {
  std::vector<std::string> out;
  const toml::node* node = table.get(key);
  if (node == nullptr) return out;
  const auto* array = node->as_array();
  if (array == nullptr) return Bad(prefix + key, "must be an array of strings");
  for (const auto& item : *array) {
    auto value = item.value_exact<std::string>();
    if (!value) return Bad(prefix + key, "must be an array of strings");
    out.push_back(*value);
  }
  return out;
}

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
  return std::optional<std::chrono::seconds>(EDGEID_TRY(PositiveDuration(prefix + key, *text)));
}

Result<uint16_t> Port(int64_t value, const std::string& key) {
  if (value < 0 || value > 65535) return Bad(key, "must be a port number (0 to 65535)");
  return static_cast<uint16_t>(value);
}

Status OverrideDuration(std::optional<std::chrono::seconds>& target,
                        const std::optional<std::string>& flag, const char* name) {
  if (flag) target = EDGEID_TRY(PositiveDuration(name, *flag));
  return OkStatus();
}

Status CheckLogLevel(const std::string& key, const std::string& level) {
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
  if (kLevels.contains(level)) return OkStatus();
  return Bad(key, "\"" + level + "\" is not one of trace, debug, info, warn, error");
}

Result<bool> IsJsonLogFormat(const std::string& key, const std::string& format) {
  if (format == "text") return false;
  if (format == "json") return true;
  return Bad(key, "\"" + format + "\" is not text or json");
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
